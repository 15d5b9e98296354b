#!/usr/bin/env python3
"""Triage quality and speed on a labelled JSONL file: `.venv/bin/python bench/triage.py FILE…`

Each line of FILE is a JSON object with "text" and "category" (one of the ten codes), and
optionally "faq": the FAQ slugs that answer the message. For each file it prints:

- accuracy and macro-F1 of the category, precision / recall / F1 per category, the confusions;
- the top-3 FAQ hit rate (an expected slug among the three suggested), on the lines that have a
  non-empty "faq" field (a file without that field gets "n/a");
- the time of one classification (category + FAQ suggestions, as POST /api/v1/triage does,
  without HTTP): p50 / p99 / max over every message classified --repeat times after a warm-up,
  and the same for messages of 5 000 characters (the form's limit);
- how close the file's messages come to the training messages (word-set Jaccard of each message
  with its nearest training message): a measure on near-copies of the training data would say
  nothing about messages the model never saw.

It uses the shipped model (helpdesk/triage/data/model.json) and the FAQ of content/faq.md, as
the app does. It never trains on FILE.
"""

from __future__ import annotations

import argparse
import platform
import re
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_DIR))

from labelled import percentile, read_rows  # noqa: E402

from helpdesk.core.inputs import MESSAGE_MAX  # noqa: E402
from helpdesk.core.text import fold  # noqa: E402
from helpdesk.faq.service import FaqService  # noqa: E402
from helpdesk.triage.service import CATEGORIES, TRAIN_PATH, Triage, read_jsonl  # noqa: E402

TOP_FAQ = 3
NEAR_COPY = 0.6  # word-set Jaccard from which a message is a near-copy of a training message


def per_category(pairs: list[tuple[str, str]]) -> dict[str, tuple[float, float, float, int]]:
    """{category: (precision, recall, F1, support)} over (expected, predicted) pairs."""
    result = {}
    for category in CATEGORIES:
        tp = sum(1 for e, p in pairs if e == p == category)
        predicted = sum(1 for _, p in pairs if p == category)
        support = sum(1 for e, _ in pairs if e == category)
        precision = tp / predicted if predicted else 0.0
        recall = tp / support if support else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        result[category] = (precision, recall, f1, support)
    return result


def timings(triage: Triage, texts: list[str], repeat: int) -> tuple[list[float], list[float]]:
    """Wall-clock and CPU milliseconds of each classification (CPU time ignores the moments
    another process had the processor: on a busy machine it is the steadier figure)."""
    for text in texts[:20]:  # warm-up: caches of stems, first calls
        triage.classify(text)
    wall, cpu = [], []
    for _ in range(repeat):
        for text in texts:
            start, start_cpu = time.perf_counter(), time.process_time()
            triage.classify(text)
            cpu.append((time.process_time() - start_cpu) * 1000)
            wall.append((time.perf_counter() - start) * 1000)
    return wall, cpu


def long_messages(rows: list[dict], count: int = 20) -> list[str]:
    texts = []
    for i in range(count):
        parts, size, j = [], 0, i
        while size < MESSAGE_MAX:
            text = rows[j % len(rows)]["text"]
            parts.append(text)
            size += len(text) + 1
            j += 7
        texts.append(" ".join(parts)[:MESSAGE_MAX])
    return texts


def word_set(text: str) -> frozenset[str]:
    return frozenset(re.findall(r"[^\W_]+", fold(text)))


def nearest_training(rows: list[dict]) -> list[float]:
    """For each message, the Jaccard similarity of its words with the closest training message."""
    training = [word_set(r["text"]) for r in read_jsonl(TRAIN_PATH)]
    result = []
    for row in rows:
        words = word_set(row["text"])
        result.append(
            max((len(words & t) / len(words | t) for t in training if words | t), default=0)
        )
    return result


def report(path: Path, triage: Triage, repeat: int) -> str:
    rows = read_rows(
        path,
        lambda row: isinstance(row.get("text"), str) and row.get("category") in CATEGORIES,
        "« text » ou « category » manquant ou inconnu",
    )
    pairs, faq_total, faq_hits, misses = [], 0, 0, []
    for row in rows:
        category, confidence, slugs = triage.classify(row["text"])
        pairs.append((row["category"], category))
        if category != row["category"]:
            misses.append((row.get("id", "?"), row["category"], category, confidence))
        expected = row.get("faq") or []
        if expected:
            faq_total += 1
            faq_hits += any(slug in expected for slug in slugs[:TOP_FAQ])
    accuracy = sum(e == p for e, p in pairs) / len(pairs)
    scores = per_category(pairs)
    present = [c for c in CATEGORIES if scores[c][3]]
    macro_f1 = sum(scores[c][2] for c in present) / len(present)
    times, cpu = timings(triage, [r["text"] for r in rows], repeat)
    long_times, long_cpu = timings(triage, long_messages(rows), max(1, repeat // 5))
    closeness = nearest_training(rows)

    out = [f"### {path.name}", ""]
    out.append(f"- messages : {len(rows)}")
    out.append(
        f"- exactitude de la catégorie : {accuracy:.1%} ({sum(e == p for e, p in pairs)}/{len(pairs)})"
    )
    out.append(f"- macro-F1 : {macro_f1:.3f} (sur les {len(present)} catégories présentes)")
    if faq_total:
        out.append(
            f"- FAQ dans les {TOP_FAQ} premières suggestions : {faq_hits / faq_total:.1%} "
            f"({faq_hits}/{faq_total} messages avec un champ « faq » non vide)"
        )
    else:
        out.append(
            "- FAQ dans les 3 premières suggestions : n/a (pas de champ « faq » dans le fichier)"
        )
    out.append(
        f"- temps d'une classification (catégorie + FAQ) : p50 {percentile(times, 50):.3f} ms, "
        f"p99 {percentile(times, 99):.3f} ms, max {max(times):.3f} ms "
        f"({len(times)} classifications) ; temps processeur : p50 {percentile(cpu, 50):.3f} ms, "
        f"p99 {percentile(cpu, 99):.3f} ms"
    )
    out.append(
        f"- messages de {MESSAGE_MAX} caractères : p50 {percentile(long_times, 50):.3f} ms, "
        f"p99 {percentile(long_times, 99):.3f} ms ({len(long_times)} classifications) ; "
        f"temps processeur : p50 {percentile(long_cpu, 50):.3f} ms, "
        f"p99 {percentile(long_cpu, 99):.3f} ms"
    )
    out.append(
        f"- proximité avec l'entraînement (Jaccard des mots avec le message d'entraînement le "
        f"plus proche) : médiane {statistics.median(closeness):.2f}, max {max(closeness):.2f}, "
        f"{sum(c >= NEAR_COPY for c in closeness)} message(s) à {NEAR_COPY} ou plus"
    )
    out += [
        "",
        "| catégorie | messages | précision | rappel | F1 |",
        "| --- | ---: | ---: | ---: | ---: |",
    ]
    for category in present:
        precision, recall, f1, support = scores[category]
        out.append(f"| {category} | {support} | {precision:.2f} | {recall:.2f} | {f1:.2f} |")
    confusions = Counter((e, p) for e, p in pairs if e != p)
    out.append("")
    if confusions:
        out.append("Confusions (attendue → donnée : nombre) :")
        for (expected, predicted), n in confusions.most_common():
            out.append(f"- {expected} → {predicted} : {n}")
        out.append("")
        out.append("Erreurs (id, attendue, donnée, confiance) :")
        for id_, expected, predicted, confidence in misses:
            out.append(f"- {id_} : {expected} → {predicted} ({confidence:.2f})")
    else:
        out.append("Aucune confusion.")
    out.append("")
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Qualité et vitesse du tri des messages.")
    parser.add_argument("files", nargs="+", type=Path, help="fichiers JSONL étiquetés")
    parser.add_argument("--repeat", type=int, default=20, help="passes de mesure du temps")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    triage = Triage.load(FaqService.load())
    loaded = (time.perf_counter() - started) * 1000
    meta = triage.model.meta
    print(
        f"Modèle : régression logistique, {meta.get('examples')} messages d'entraînement, "
        f"{meta.get('features')} traits, validation croisée {meta.get('cv_accuracy', 0):.1%} ; "
        f"chargé (avec la FAQ) en {loaded:.0f} ms. Python {platform.python_version()}, "
        f"{platform.machine()}.\n"
    )
    for path in args.files:
        print(report(path, triage, args.repeat))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
