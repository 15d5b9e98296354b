"""A small multinomial logistic regression over the features of helpdesk.triage.features.

Each category has a weight per feature and a bias; a message's score for a category is the bias
plus the sum of the weights of the features it contains, divided by √(number of features) so
that a long message does not shout louder than a short one. The softmax of the scores, divided
by a temperature fitted by cross-validation, gives the confidence. Everything can be explained:
`LinearModel.explain` lists the features that weighed most for a category.

Training is plain stochastic gradient descent with L2 regularisation, in pure Python, seeded so
that the same data always gives the same weights (a few seconds: done by
`python -m helpdesk.triage.train`, not at start; the app loads the weights from JSON).
"""

from __future__ import annotations

import json
import math
import random
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class Hyper:
    l2: float = 3e-3
    epochs: int = 30
    learning_rate: float = 1.0
    seed: int = 0
    min_count: int = 2  # a feature seen in fewer training messages is ignored (noise, typos)


@dataclass
class LinearModel:
    categories: tuple[str, ...]
    bias: list[float]
    weights: dict[str, list[float]]
    temperature: float = 1.0
    meta: dict = field(default_factory=dict)

    def raw_scores(self, feats: Iterable[str]) -> tuple[list[float], int]:
        """The scores before softmax, and how many of the features the model knows."""
        known = [self.weights[f] for f in feats if f in self.weights]
        scores = list(self.bias)
        if known:
            scale = 1 / math.sqrt(len(known))
            for row in known:
                for i, w in enumerate(row):
                    scores[i] += w * scale
        return scores, len(known)

    def probabilities(self, feats: Iterable[str]) -> tuple[list[float], int]:
        scores, known = self.raw_scores(feats)
        return softmax(scores, self.temperature), known

    def explain(
        self, feats: Iterable[str], category: str, limit: int = 5
    ) -> list[tuple[str, float]]:
        """The known features that pushed most towards `category` (weight minus the mean)."""
        index = self.categories.index(category)
        pushes = []
        for feature in set(feats):
            row = self.weights.get(feature)
            if row:
                pushes.append((feature, row[index] - sum(row) / len(row)))
        pushes.sort(key=lambda item: item[1], reverse=True)
        return [(f, round(w, 3)) for f, w in pushes[:limit]]

    def to_json(self) -> dict:
        return {
            "categories": list(self.categories),
            "temperature": self.temperature,
            "bias": [round(b, 4) for b in self.bias],
            "weights": {f: [round(w, 4) for w in row] for f, row in sorted(self.weights.items())},
            "meta": self.meta,
        }

    @classmethod
    def from_json(cls, data: dict) -> LinearModel:
        return cls(
            categories=tuple(data["categories"]),
            bias=list(data["bias"]),
            weights={f: list(row) for f, row in data["weights"].items()},
            temperature=float(data.get("temperature", 1.0)),
            meta=data.get("meta", {}),
        )

    def save(self, path: Path) -> None:
        path.write_text(
            json.dumps(self.to_json(), ensure_ascii=False, separators=(",", ":")) + "\n"
        )

    @classmethod
    def load(cls, path: Path) -> LinearModel:
        return cls.from_json(json.loads(path.read_text()))


def softmax(scores: Sequence[float], temperature: float = 1.0) -> list[float]:
    top = max(scores)
    exps = [math.exp((s - top) / temperature) for s in scores]
    total = sum(exps)
    return [e / total for e in exps]


def train(
    examples: Sequence[tuple[set[str], str]],
    categories: Sequence[str],
    hyper: Hyper = Hyper(),
) -> LinearModel:
    """Weights from (features, category) pairs by SGD on the softmax cross-entropy."""
    index = {c: i for i, c in enumerate(categories)}
    n = len(categories)
    counts = Counter(f for feats, _ in examples for f in feats)
    vocabulary: dict[str, int] = {}
    data: list[tuple[list[int], int]] = []
    for feats, category in examples:
        kept = sorted(f for f in feats if counts[f] >= hyper.min_count)
        ids = [vocabulary.setdefault(f, len(vocabulary)) for f in kept]
        data.append((ids, index[category]))
    weights = [[0.0] * n for _ in vocabulary]
    bias = [0.0] * n
    rng = random.Random(hyper.seed)
    for epoch in range(hyper.epochs):
        rng.shuffle(data)
        eta = hyper.learning_rate / (1 + 0.1 * epoch)
        for ids, target in data:
            scale = 1 / math.sqrt(len(ids)) if ids else 0.0
            scores = list(bias)
            for i in ids:
                row = weights[i]
                for k in range(n):
                    scores[k] += row[k] * scale
            probs = softmax(scores)
            probs[target] -= 1.0  # the gradient of the cross-entropy with respect to the scores
            for k in range(n):
                bias[k] -= eta * probs[k]
            for i in ids:
                row = weights[i]
                for k in range(n):
                    row[k] -= eta * (probs[k] * scale + hyper.l2 * row[k])
    names = {i: f for f, i in vocabulary.items()}
    return LinearModel(tuple(categories), bias, {names[i]: row for i, row in enumerate(weights)})


def fit_temperature(pairs: Sequence[tuple[list[float], int]]) -> float:
    """The temperature that makes held-out confidences honest (least negative log-likelihood)."""
    best, best_loss = 1.0, math.inf
    for step in range(10, 301, 5):
        t = step / 100
        loss = -sum(math.log(max(softmax(s, t)[target], 1e-12)) for s, target in pairs)
        if loss < best_loss:
            best, best_loss = t, loss
    return best
