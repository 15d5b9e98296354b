"""What the quality benches (faq_search.py, triage.py) share: labelled JSONL files and percentiles
of measured times."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path


def read_rows(path: Path, is_valid: Callable[[dict], bool], problem: str) -> list[dict]:
    """The rows of a JSONL file, blank lines skipped; stops on the first invalid row, naming it."""
    rows = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        row = json.loads(line)
        if not is_valid(row):
            raise SystemExit(f"{path}:{number} : {problem}")
        rows.append(row)
    return rows


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile of unsorted values."""
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]
