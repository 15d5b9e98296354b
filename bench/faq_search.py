#!/usr/bin/env python3
"""FAQ search quality and speed: `.venv/bin/python bench/faq_search.py [FILE…]`

Each line of FILE is a JSON object {"query": what a parent types, "slug": the answer expected}.
Without FILE, the two files of bench/data/: the queries used to tune the search
(faq_queries_tuning.jsonl) and those written before any tuning and kept out of it
(faq_queries_unseen.jsonl). For each file it prints:

- top-1 and top-3: the share of queries whose expected answer comes first, or among the first
  three, as GET /aide?q=… lists them;
- the share of queries without any answer, and how many answers a query gets (mean, max);
- the time of one search as the page does it (category guessed by the triage model, audience,
  cut-off), without HTTP: p50 / p99 / max after a warm-up, wall-clock and CPU; and once more
  with the caches of stems and corrections emptied before each search;
- how close each query comes to the search's own vocabulary (word-set Jaccard with the nearest
  question title or "recherche:" line of content/faq.md): a measure on copies of the content
  would say nothing about parents' own words.

`--details` lists the queries whose answer is not first (do not use it on the unseen file while
tuning: that file would no longer be unseen).
"""

from __future__ import annotations

import argparse
import platform
import re
import statistics
import sys
import time
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_DIR))

from labelled import percentile, read_rows  # noqa: E402

from helpdesk.core.text import fold, stems  # noqa: E402
from helpdesk.faq.analysis import stem, word_keys  # noqa: E402
from helpdesk.faq.service import FaqService  # noqa: E402

DATA_DIR = Path(__file__).resolve().parent / "data"
DEFAULT_FILES = [DATA_DIR / "faq_queries_tuning.jsonl", DATA_DIR / "faq_queries_unseen.jsonl"]
NEAR_COPY = 0.6  # word-set Jaccard from which a query is a near-copy of the content


def timings(faq: FaqService, queries: list[str], repeat: int) -> tuple[list[float], list[float]]:
    """Wall-clock and CPU milliseconds of each search."""
    for query in queries:  # warm-up: caches of stems and of corrected words
        faq.search(query)
    wall, cpu = [], []
    for _ in range(repeat):
        for query in queries:
            start, start_cpu = time.perf_counter(), time.process_time()
            faq.search(query)
            cpu.append((time.process_time() - start_cpu) * 1000)
            wall.append((time.perf_counter() - start) * 1000)
    return wall, cpu


def cold_timings(faq: FaqService, queries: list[str]) -> tuple[list[float], list[float]]:
    """Wall-clock and CPU milliseconds of each search with every cache emptied first (stems,
    corrections): the cost of words the process has never seen."""
    wall, cpu = [], []
    for query in queries:
        stems.cache_clear()
        stem.cache_clear()
        word_keys.cache_clear()
        faq.index.analyzer.forget_corrections()
        start, start_cpu = time.perf_counter(), time.process_time()
        faq.search(query)
        cpu.append((time.process_time() - start_cpu) * 1000)
        wall.append((time.perf_counter() - start) * 1000)
    return wall, cpu


def word_set(text: str) -> frozenset[str]:
    return frozenset(re.findall(r"[^\W_]+", fold(text)))


def content_lines(faq: FaqService) -> list[frozenset[str]]:
    """The question titles and their "recherche:" paraphrases, as word sets."""
    lines = []
    for question in faq.faq.questions:
        lines.append(word_set(question.title))
        lines.extend(word_set(p) for p in question.paraphrases)
    return [line for line in lines if line]


def closeness(rows: list[dict], lines: list[frozenset[str]]) -> list[float]:
    result = []
    for row in rows:
        words = word_set(row["query"])
        result.append(max((len(words & t) / len(words | t) for t in lines), default=0))
    return result


def report(path: Path, faq: FaqService, repeat: int, details: bool) -> str:
    slugs = {q.slug for q in faq.faq.questions}
    rows = read_rows(
        path,
        lambda row: isinstance(row.get("query"), str) and row.get("slug") in slugs,
        "« query » manquant ou « slug » inconnu",
    )
    first = top3 = empty = 0
    counts, misses = [], []
    for row in rows:
        found = [hit.question.slug for hit in faq.search(row["query"])]
        counts.append(len(found))
        first += found[:1] == [row["slug"]]
        top3 += row["slug"] in found[:3]
        empty += not found
        if found[:1] != [row["slug"]]:
            rank = found.index(row["slug"]) + 1 if row["slug"] in found else None
            misses.append((row["query"], row["slug"], rank, found[:3]))
    wall, cpu = timings(faq, [r["query"] for r in rows], repeat)
    cold, cold_cpu = cold_timings(faq, [r["query"] for r in rows])
    near = closeness(rows, content_lines(faq))
    n = len(rows)
    out = [f"### {path.name}", ""]
    out.append(f"- requêtes : {n}")
    out.append(f"- bonne réponse en premier (top-1) : {first / n:.1%} ({first}/{n})")
    out.append(f"- bonne réponse dans les 3 premières (top-3) : {top3 / n:.1%} ({top3}/{n})")
    out.append(
        f"- sans réponse : {empty} ; réponses par requête : moyenne "
        f"{statistics.mean(counts):.1f}, max {max(counts)}"
    )
    out.append(
        f"- temps d'une recherche : p50 {percentile(wall, 50):.3f} ms, "
        f"p99 {percentile(wall, 99):.3f} ms, max {max(wall):.3f} ms ({len(wall)} recherches) ; "
        f"temps processeur : p50 {percentile(cpu, 50):.3f} ms, p99 {percentile(cpu, 99):.3f} ms"
    )
    out.append(
        f"- la même, caches vidés avant chaque recherche (mots jamais vus du processus) : "
        f"p50 {percentile(cold, 50):.3f} ms, p99 {percentile(cold, 99):.3f} ms, "
        f"max {max(cold):.3f} ms ; temps processeur : p50 {percentile(cold_cpu, 50):.3f} ms, "
        f"p99 {percentile(cold_cpu, 99):.3f} ms"
    )
    out.append(
        f"- proximité avec le contenu (Jaccard des mots avec le titre ou la ligne « recherche »"
        f" la plus proche) : médiane {statistics.median(near):.2f}, max {max(near):.2f}, "
        f"{sum(c >= NEAR_COPY for c in near)} requête(s) à {NEAR_COPY} ou plus"
    )
    if details and misses:
        out += ["", "Pas en premier (requête → attendue : rang ; trois premières) :"]
        for query, slug, rank, found in misses:
            out.append(f"- « {query} » → {slug} : {rank or 'absente'} ; {', '.join(found)}")
    out.append("")
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Qualité et vitesse de la recherche de la FAQ.")
    parser.add_argument("files", nargs="*", type=Path, help="fichiers JSONL étiquetés")
    parser.add_argument("--repeat", type=int, default=20, help="passes de mesure du temps")
    parser.add_argument("--details", action="store_true", help="les requêtes manquées")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    faq = FaqService.load()
    loaded = (time.perf_counter() - started) * 1000
    print(
        f"FAQ : {len(faq.faq.questions)} questions, chargée (avec le modèle de tri) en "
        f"{loaded:.0f} ms. Python {platform.python_version()}, {platform.machine()}.\n"
    )
    for path in args.files or DEFAULT_FILES:
        print(report(path, faq, args.repeat, args.details))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
