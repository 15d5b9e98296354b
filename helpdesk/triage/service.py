"""Triage of a parent's free text: the category of the request and the FAQ answers to read first.

`Triage.classify(text)` → `(category, confidence, faq_slugs)`:

- the category comes from the linear model in `data/model.json` (see model.py and train.py),
  trained on `data/train.jsonl`, messages written for the project;
- the FAQ answers come from the FAQ's own BM25 search (helpdesk.faq) on the start of the
  message, re-ranked so that the answers about the chosen category come first, with that category's main answers added when the
  search found none of them. A school's problem with the account console gets no FAQ answer:
  the FAQ speaks to parents and pupils.

A text without any word the model knows (empty, emoji, another language) is "autre" with the
confidence of a blind guess.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from helpdesk.categories.catalogue import ALL_CATEGORY_CODES, CATEGORY_FAQ, FALLBACK
from helpdesk.triage.features import features
from helpdesk.triage.model import LinearModel

if TYPE_CHECKING:
    from helpdesk.faq.service import FaqService

DATA_DIR = Path(__file__).parent / "data"
MODEL_PATH = DATA_DIR / "model.json"
TRAIN_PATH = DATA_DIR / "train.jsonl"
TEST_PATH = DATA_DIR / "test.jsonl"

CATEGORIES = ALL_CATEGORY_CODES  # the model's classes, in the order of its weights
FAQ_LIMIT = 3

MAIN_ANSWERS = 2  # how many of a category's answers are offered even if the search missed them
RELATED_BONUS = 1.0  # an answer about the chosen category outranks any other search hit
MAIN_BONUS = 0.3  # a main answer of the category, scaled down with its rank
UNRELATED_MIN = 0.7  # another hit must come close to the best one to stay in the list
# The FAQ is searched with the start of the message: where parents say what goes wrong, and the
# search of a 5 000-character message would cost more than the whole classification.
FAQ_QUERY_CHARS = 1500


@dataclass(frozen=True)
class Classification:
    category: str
    confidence: float
    faq: list[str]
    explanation: list[tuple[str, float]]

    def as_tuple(self) -> tuple[str, float, list[str]]:
        return self.category, self.confidence, self.faq


def read_jsonl(path: Path) -> list[dict]:
    rows = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if line.strip():
            row = json.loads(line)
            if not isinstance(row.get("text"), str) or row.get("category") not in CATEGORIES:
                raise ValueError(f"{path.name}, ligne {number} : texte ou catégorie invalide")
            rows.append(row)
    return rows


class Triage:
    def __init__(self, model: LinearModel, faq: FaqService | None = None):
        if tuple(model.categories) != CATEGORIES:
            raise ValueError("le modèle ne connaît pas les catégories attendues")
        self.model = model
        self.faq = faq
        self.blind_guess = 1 / len(CATEGORIES)

    @classmethod
    def load(cls, faq: FaqService | None = None, path: Path = MODEL_PATH) -> Triage:
        return cls(LinearModel.load(path), faq)

    def category(self, text: str) -> tuple[str, float, list[tuple[str, float]]]:
        """The likeliest category, its confidence, and the features that weighed most."""
        feats = features(text)
        best = self._best(feats)
        if best is None:
            return FALLBACK, self.blind_guess, []
        return *best, self.model.explain(feats, best[0])

    def guess(self, text: str) -> tuple[str, float]:
        """The likeliest category and its confidence, without the explanation: what every new
        ticket keeps."""
        return self._best(features(text)) or (FALLBACK, self.blind_guess)

    def _best(self, feats: set[str]) -> tuple[str, float] | None:
        """(category, probability); None when the model knows none of the features."""
        probs, known = self.model.probabilities(feats)
        if not known:
            return None
        best = max(range(len(probs)), key=probs.__getitem__)
        return CATEGORIES[best], probs[best]

    def faq_slugs(
        self, text: str, category: str, limit: int = FAQ_LIMIT, confidence: float = 1.0
    ) -> list[str]:
        if self.faq is None or category == "etablissement_console":
            return []
        ranked: dict[str, float] = {}
        hits = self.faq.search(text[:FAQ_QUERY_CHARS], limit=10, category=(category, confidence))
        related = CATEGORY_FAQ.get(category, ())
        if hits:
            top = hits[0].score
            for hit in hits:
                slug, relative = hit.question.slug, hit.score / top
                if slug in related:
                    ranked[slug] = relative + RELATED_BONUS
                elif relative >= UNRELATED_MIN:
                    ranked[slug] = relative
        for rank, slug in enumerate(related[:MAIN_ANSWERS]):
            if self.faq.question(slug) is not None:
                found = ranked.get(slug, RELATED_BONUS)  # in the hits, or offered anyway
                ranked[slug] = found + MAIN_BONUS / (rank + 1)
        order = sorted(ranked, key=lambda slug: ranked[slug], reverse=True)
        return order[:limit]

    def classify_full(self, text: str) -> Classification:
        category, confidence, explanation = self.category(text)
        return Classification(
            category,
            round(confidence, 3),
            self.faq_slugs(text, category, confidence=confidence),
            explanation,
        )

    def classify(self, text: str) -> tuple[str, float, list[str]]:
        """(category, confidence between 0 and 1, FAQ slugs best first)."""
        return self.classify_full(text).as_tuple()


_default: Triage | None = None


@lru_cache(maxsize=1)
def shared_model() -> LinearModel:
    return LinearModel.load(MODEL_PATH)


def triage_of(state) -> Triage:
    """The app's triage: the shared model with this app's FAQ index."""
    triage = getattr(state, "triage", None)
    if triage is None or triage.faq is not state.faq:
        triage = state.triage = Triage(shared_model(), state.faq)
    return triage


def shared_model_guess() -> Callable[[str], tuple[str, float]]:
    """The category of a text and its confidence, with the shipped model read once per process:
    what the FAQ search uses to lift the answers of a query's category."""
    return Triage(shared_model()).guess


def classify(text: str) -> tuple[str, float, list[str]]:
    """The module-level entry point, with the FAQ of content/faq.md (loaded once)."""
    global _default
    if _default is None:
        from helpdesk.faq.service import FaqService

        _default = Triage.load(FaqService.load())
    return _default.classify(text)
