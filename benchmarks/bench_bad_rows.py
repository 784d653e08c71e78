"""Benchmark of an import of bad rows next to a good file: time and peak memory.

The import benchmark's billing file (``BENCH_LINES`` lines, generated once) is the good file. The
bad file is its rows with a trailing comma on every line (one field too many), repeated until it
holds at least ``BENCH_BAD_MB`` megabytes (default 50). On a fresh PostgreSQL database with the
members, contracts and tariffs imported, ``manage.py import_csv billing`` runs on:

* the bad file, all or nothing (the default): refused; it stops reading once
  ``IMPORT_MAX_ERRORS`` rows are rejected;
* the bad file with ``--partial``: every line read and counted, the first ``IMPORT_MAX_ERRORS``
  errors kept;
* the good file.

Each run is a process of its own: its wall time, its peak RSS (``wait4``) and the row errors it
stored. Goals: peak RSS under 300 MB on any file, at most ``IMPORT_MAX_ERRORS`` stored errors.
Results under the key ``import_bad_rows`` of ``benchmarks/results.json``.

Reproduce: ``make bench-import-bad``.
"""

import os
import subprocess
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import bench_import
from common import MANAGE, PYTHON, ROOT, Row, merge_results, print_aligned, rounded, step

BAD_MB = int(os.environ.get("BENCH_BAD_MB", "50"))
GOAL_RSS_MB = 300
MAX_ERRORS = int(os.environ.get("IMPORT_MAX_ERRORS", "1000"))


@dataclass
class Result:
    name: str
    megabytes: float
    seconds: float
    peak_rss_mb: float
    exit_code: int
    summary: str
    stored_errors: int


def bad_file(good: Path) -> Path:
    """The good file's rows with one field too many, repeated to ``BAD_MB`` megabytes."""
    target = good.with_name(f"billing-bad-{BAD_MB}mb.csv")
    if target.exists() and target.stat().st_size >= BAD_MB * 2**20:
        return target
    step(f"writing {target.name} (a trailing comma on every row, {BAD_MB} MB)")
    with good.open(encoding="utf-8") as source:
        header = source.readline()
        body = [line.rstrip("\n") + ",\n" for line in source]
    with target.open("w", encoding="utf-8") as out:
        out.write(header)
        written = len(header)
        while written < BAD_MB * 2**20:
            for line in body:
                out.write(line)
                written += len(line)
                if written >= BAD_MB * 2**20:
                    break
    return target


def run(name: str, path: Path, *options: str) -> Result:
    env = dict(os.environ, DJANGO_SETTINGS_MODULE="config.settings.local",
               DATABASE_URL=bench_import.PG_URL)  # fmt: skip
    started = time.perf_counter()
    proc = subprocess.Popen(
        [PYTHON, MANAGE, "import_csv", "billing", str(path), *options],
        env=env,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )
    assert proc.stdout is not None
    output = proc.stdout.read().decode(errors="replace")
    _pid, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - started
    stored = bench_import.pg_query(
        "SELECT count(*) FROM refunds_importrowerror WHERE batch_id ="
        " (SELECT max(id) FROM refunds_importbatch)"
    )[0][0]
    result = Result(
        name=name,
        megabytes=path.stat().st_size / 2**20,
        seconds=seconds,
        peak_rss_mb=usage.ru_maxrss / 1024,
        exit_code=os.waitstatus_to_exitcode(status),
        summary=(output.strip().splitlines() or [""])[-1],
        stored_errors=int(stored),
    )
    step(
        f"  {name}: {result.megabytes:.0f} MB in {result.seconds:.1f}s, peak RSS "
        f"{result.peak_rss_mb:.0f} MB, exit {result.exit_code}, {result.summary}, "
        f"{result.stored_errors:,} errors stored"
    )
    return result


def main() -> int:
    bench_import.ensure_data()
    bench_import.pg_prepare()
    good = bench_import.DATA / "billing.csv"
    bad = bad_file(good)
    load = os.getloadavg()[0]
    step(f"import_csv billing on PostgreSQL, load average {load:.2f}")
    results = [
        run("bad rows, all or nothing", bad),
        run("bad rows, --partial", bad, "--partial"),
        run("good file", good),
    ]
    cells = [("file", "MB", "seconds", "peak RSS", "exit", "errors stored", "summary")]
    for r in results:
        cells.append((r.name, f"{r.megabytes:.0f}", f"{r.seconds:.1f}",
                      f"{r.peak_rss_mb:.0f} MB", str(r.exit_code), f"{r.stored_errors:,}",
                      r.summary))  # fmt: skip
    print_aligned(f"bad rows next to a good file (load average {load:.2f} before)", cells)
    rows = [
        Row(f"{r.name}: peak RSS", r.peak_rss_mb, "MB", None, "", None, f"< {GOAL_RSS_MB} MB",
            r.peak_rss_mb < GOAL_RSS_MB)
        for r in results
    ] + [
        Row(f"{r.name}: errors stored", r.stored_errors, "rows", None, "", None,
            f"<= {MAX_ERRORS}", r.stored_errors <= MAX_ERRORS)
        for r in results
    ]  # fmt: skip
    merge_results(
        "import_bad_rows",
        lambda _previous: rounded(
            {
                "measured_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
                "load_before": load,
                "results": [asdict(r) for r in results],
                "metrics": [asdict(row) for row in rows],
            }
        ),
    )
    missed = [row.metric for row in rows if row.passed is False]
    if missed:
        print(f"goals missed: {', '.join(missed)}")
    return 1 if missed and os.environ.get("BENCH_STRICT") == "1" else 0


if __name__ == "__main__":
    sys.exit(main())
