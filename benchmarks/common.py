"""What the benchmarks share: paths, the result row, progress lines and results.json merging."""

import json
import os
import sys
import time
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BENCH_DIR = ROOT / "benchmarks"
RESULTS = BENCH_DIR / "results.json"
# Where the benchmarks write their files (not in git); made here so that a fresh clone runs them.
WORK_DIR = ROOT / "var" / "bench"
WORK_DIR.mkdir(parents=True, exist_ok=True)
PYTHON = sys.executable
MANAGE = str(ROOT / "manage.py")


@dataclass
class Row:
    metric: str
    value: float
    unit: str
    baseline: float | None
    baseline_name: str
    ratio: float | None
    goal: str
    passed: bool | None


def step(message: str) -> None:
    print(f"[bench] {message}", flush=True)


def rounded(value: Any, digits: int = 3) -> Any:
    if isinstance(value, float):
        return round(value, digits)
    if isinstance(value, dict):
        return {k: rounded(v, digits) for k, v in value.items()}
    if isinstance(value, list):
        return [rounded(v, digits) for v in value]
    return value


def merge_results(key: str, make: Callable[[dict[str, Any]], dict[str, Any]]) -> None:
    """Replace ``key`` of results.json with ``make(previous value)``; other keys stay.

    The file is read again just before writing and replaced in one step: the benchmarks
    write their own keys and may run one after the other.
    """
    results: dict[str, Any] = {}
    if RESULTS.exists():
        try:
            results = json.loads(RESULTS.read_text())
        except json.JSONDecodeError:
            results = {}
    results[key] = make(results.get(key) or {})
    results[key].setdefault("measured_at", time.strftime("%Y-%m-%dT%H:%M:%S%z"))
    tmp = RESULTS.with_suffix(f".json.tmp-{key}")
    tmp.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")
    os.replace(tmp, RESULTS)
    print(f"\nwritten: {RESULTS.relative_to(ROOT)} (key '{key}')")


def text_width(text: str) -> int:
    """Columns the text takes in a terminal: wide (CJK) characters take two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def print_aligned(title: str, cells: Sequence[Sequence[str]], *, right: bool = False) -> None:
    """A table for the terminal: the first row is the header, underlined; columns aligned."""
    widths = [max(text_width(row[i]) for row in cells) for i in range(len(cells[0]))]
    print(f"\n{title}")
    for index, row in enumerate(cells):
        gaps = [" " * (w - text_width(cell)) for cell, w in zip(row, widths, strict=True)]
        padded = [gap + cell if right else cell + gap for cell, gap in zip(row, gaps, strict=True)]
        print("  ".join(padded).rstrip())
        if index == 0:
            print("  ".join("-" * w for w in widths))
