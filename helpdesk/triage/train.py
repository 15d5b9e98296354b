"""Train the triage model on data/train.jsonl and write data/model.json.

    .venv/bin/python -m helpdesk.triage.train           # train, fit the temperature, write
    .venv/bin/python -m helpdesk.triage.train --check   # is model.json up to date with the data?

Training is deterministic (seeded): the same train.jsonl always gives the same model.json. The
temperature of the confidences is fitted on 5-fold cross-validation predictions, whose accuracy
is printed and kept in the model's metadata (it is the honest figure for messages the model has
not seen, together with bench/triage.py on data/test.jsonl and the shared dev file).
Neither data/test.jsonl nor any other evaluation file is ever read here.
"""

from __future__ import annotations

import argparse
import hashlib
import random
import sys
import time
from pathlib import Path

from helpdesk.triage.features import features
from helpdesk.triage.model import Hyper, LinearModel, fit_temperature, train
from helpdesk.triage.service import CATEGORIES, MODEL_PATH, TRAIN_PATH, read_jsonl

FEATURES_VERSION = 2  # bump when features.py (or helpdesk.core.text) changes what a text gives
FOLDS = 5
DEFAULT_HYPER = Hyper()


def data_digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes() + f"features-v{FEATURES_VERSION}".encode()).hexdigest()


def cross_validate(rows: list[dict], hyper: Hyper) -> tuple[float, list[tuple[list[float], int]]]:
    """Accuracy over FOLDS held-out folds, and each held-out message's raw scores."""
    shuffled = rows[:]
    random.Random(1).shuffle(shuffled)
    pairs: list[tuple[list[float], int]] = []
    correct = 0
    for fold in range(FOLDS):
        held = shuffled[fold::FOLDS]
        kept = [r for i, r in enumerate(shuffled) if i % FOLDS != fold]
        model = train([(features(r["text"]), r["category"]) for r in kept], CATEGORIES, hyper)
        for row in held:
            scores, _ = model.raw_scores(features(row["text"]))
            target = CATEGORIES.index(row["category"])
            pairs.append((scores, target))
            correct += max(range(len(scores)), key=scores.__getitem__) == target
    return correct / len(rows), pairs


def build(train_path: Path = TRAIN_PATH, hyper: Hyper = DEFAULT_HYPER) -> LinearModel:
    rows = read_jsonl(train_path)
    accuracy, pairs = cross_validate(rows, hyper)
    model = train([(features(r["text"]), r["category"]) for r in rows], CATEGORIES, hyper)
    model.temperature = fit_temperature(pairs)
    model.meta = {
        "train_file": train_path.name,
        "train_sha256": data_digest(train_path),
        "examples": len(rows),
        "features": len(model.weights),
        "cv_folds": FOLDS,
        "cv_accuracy": round(accuracy, 4),
        "hyper": hyper.__dict__,
    }
    return model


def is_current(model_path: Path = MODEL_PATH, train_path: Path = TRAIN_PATH) -> bool:
    if not model_path.exists():
        return False
    return LinearModel.load(model_path).meta.get("train_sha256") == data_digest(train_path)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--check", action="store_true", help="vérifier que model.json est à jour")
    parser.add_argument("--out", type=Path, default=MODEL_PATH)
    args = parser.parse_args(argv)
    if args.check:
        if is_current(args.out):
            print(f"{args.out} est à jour.")
            return 0
        print(f"{args.out} n'est pas à jour : python -m helpdesk.triage.train", file=sys.stderr)
        return 1
    started = time.perf_counter()
    model = build()
    model.save(args.out)
    meta = model.meta
    print(
        f"{meta['examples']} messages, {meta['features']} traits, "
        f"exactitude en validation croisée ({FOLDS} plis) : {meta['cv_accuracy']:.1%}, "
        f"température {model.temperature}, {time.perf_counter() - started:.1f} s → {args.out}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
