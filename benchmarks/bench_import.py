"""Benchmark of ``import_csv billing`` against the database's own bulk loaders.

One generated billing file (``BENCH_LINES`` lines, default 1,000,000) is imported:

* on PostgreSQL, by ``manage.py import_csv`` (first run, then again unchanged), next to
  ``psql \\copy`` of the same rows into a copy of ``refunds_billingline`` (same columns,
  constraints and indexes) and into a bare table without indexes or constraints;
* on SQLite, by ``manage.py import_csv`` next to ``sqlite3.executemany`` of the same rows into
  the same, empty table of a copy of the database;
* on PostgreSQL again, the first ``BENCH_SLICE`` lines (default 20,000) by ``import_csv`` next to
  django-import-export (a ``ModelResource`` of ``BillingLine``, ``import_data(dry_run=False)``),
  both in one process on an empty table (``import_export_baseline.py``).

Members, contracts and tariffs are imported first, untimed. The billing file is converted once,
untimed, into rows of (contract_id, period, item, amount_yen) for the baselines. The results are
printed as a table and written to ``benchmarks/results.json`` under the key ``import``; with
``BENCH_STRICT=1`` a missed goal makes the exit status 1.
"""

import csv
import itertools
import json
import os
import re
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import closing
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import psycopg2
from common import BENCH_DIR, MANAGE, PYTHON, ROOT, Row, merge_results, print_aligned, rounded, step

LINES = int(os.environ.get("BENCH_LINES", "1000000"))
SLICE = int(os.environ.get("BENCH_SLICE", "20000"))
SEED = int(os.environ.get("BENCH_SEED", "2010"))
PG_SERVER = os.environ.get("BENCH_PG_SERVER", "postgres://postgres@127.0.0.1:5432")
PG_DB = os.environ.get("BENCH_PG_DB", "refund_desk_bench")
PG_URL = f"{PG_SERVER}/{PG_DB}"
DATA = BENCH_DIR / "data" / f"lines-{LINES}"
SQLITE_DB = DATA / "bench.sqlite3"
SQLITE_BASELINE_DB = DATA / "bench-baseline.sqlite3"

GOAL_COPY_RATIO = 0.7
GOAL_SQLITE_RATIO = 0.5
GOAL_RSS_MB = 300
GOAL_IMPORT_EXPORT_SPEEDUP = 100
COPY_COLUMNS = "contract_id, period, item, amount_yen"
_PERIOD_RE = re.compile(r"^(\d{4})[-/]?(\d{2})$")


@dataclass
class Run:
    """One timed subprocess: wall seconds, peak RSS of the child and its last stdout line."""

    seconds: float
    peak_rss_mb: float
    summary: str

    def counts(self) -> dict[str, int]:
        return {k: int(v) for k, v in (p.split("=") for p in self.summary.split())}


# -- processes ----------------------------------------------------------------------------
def _env(database_url: str | None = None) -> dict[str, str]:
    env = dict(os.environ, DJANGO_SETTINGS_MODULE="config.settings.local")
    if database_url:
        env["DATABASE_URL"] = database_url
    return env


def timed(cmd: list[str], env: dict[str, str] | None = None) -> Run:
    """Run a command to completion; its own wall time and peak RSS (via wait4)."""
    out_path, err_path = DATA / "last.stdout", DATA / "last.stderr"
    with out_path.open("wb") as out, err_path.open("wb") as err:
        started = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=out, stderr=err, env=env, cwd=ROOT)
        _pid, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - started
    proc.returncode = os.waitstatus_to_exitcode(status)
    stdout = out_path.read_text(errors="replace").strip()
    if proc.returncode != 0:
        stderr = err_path.read_text(errors="replace")[-3000:]
        raise SystemExit(f"{' '.join(cmd)} failed ({proc.returncode}):\n{stdout}\n{stderr}")
    last = stdout.splitlines()[-1] if stdout else ""
    return Run(seconds=seconds, peak_rss_mb=usage.ru_maxrss / 1024, summary=last)


def manage(*args: str, database_url: str | None = None) -> Run:
    return timed([PYTHON, MANAGE, *args], env=_env(database_url))


def psql(sql: str, database: str = PG_DB) -> Run:
    return timed(
        ["psql", f"{PG_SERVER}/{database}", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-c", sql]
    )


# -- data -----------------------------------------------------------------------------------
def ensure_data() -> int:
    """Generate the scenario once per size; return the number of billing lines."""
    summary = DATA / "expected_summary.json"
    if not summary.exists():
        step(f"generating about {LINES:,} billing lines into {DATA}")
        DATA.mkdir(parents=True, exist_ok=True)
        manage(
            "generate_demo",
            "--billing-lines",
            str(LINES),
            "--seed",
            str(SEED),
            "--output",
            str(DATA),
        )
    else:
        step(f"reusing {DATA}")
    return int(json.loads(summary.read_text())["billing_lines"])


def _billing_rows(ids: dict[str, int]) -> Iterator[tuple[int, str, str, int]]:
    with (DATA / "billing.csv").open(encoding="utf-8", newline="") as fh:
        reader = csv.reader(fh)
        header = next(reader)
        at = {name: header.index(name) for name in ("contract_no", "period", "item", "amount_yen")}
        for values in reader:
            match = _PERIOD_RE.match(values[at["period"]].strip())
            if match is None:
                raise SystemExit(f"unexpected period {values[at['period']]!r}")
            yield (
                ids[values[at["contract_no"]].strip()],
                f"{match.group(1)}-{match.group(2)}-01",
                values[at["item"]].strip(),
                int(values[at["amount_yen"]].replace(",", "")),
            )


def convert(ids: dict[str, int], target: Path) -> Path:
    """The billing file as COPY text: contract_id, period (a date), item, amount_yen."""
    with target.open("w", encoding="utf-8") as out:
        out.writelines(f"{c}\t{p}\t{i}\t{a}\n" for c, p, i, a in _billing_rows(ids))
    return target


def load_converted(path: Path) -> list[tuple[int, str, str, int]]:
    rows = []
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            c, p, i, a = line.rstrip("\n").split("\t")
            rows.append((int(c), p, i, int(a)))
    return rows


def import_references(database_url: str) -> None:
    for kind in ("members", "contracts", "tariffs"):
        run = manage("import_csv", kind, str(DATA / f"{kind}.csv"), database_url=database_url)
        check_summary(run, kind)


def check_summary(run: Run, kind: str, expect: dict[str, int] | None = None) -> None:
    counts = run.counts()
    if counts.get("rejected") != 0:
        raise SystemExit(f"{kind}: rows were rejected: {run.summary}")
    for key, value in (expect or {}).items():
        if counts.get(key) != value:
            raise SystemExit(f"{kind}: expected {key}={value}, got {run.summary}")


# -- PostgreSQL -------------------------------------------------------------------------------
def pg_query(sql: str) -> list[tuple[Any, ...]]:
    with psycopg2.connect(PG_URL) as conn, conn.cursor() as cur:
        cur.execute(sql)
        return cur.fetchall() if cur.description else []


def pg_prepare() -> dict[str, int]:
    step(f"PostgreSQL: fresh database {PG_DB}, migrate, import members/contracts/tariffs")
    psql(f'DROP DATABASE IF EXISTS "{PG_DB}" WITH (FORCE)', database="postgres")
    psql(f'CREATE DATABASE "{PG_DB}"', database="postgres")
    manage("migrate", "--noinput", database_url=PG_URL)
    import_references(PG_URL)
    return dict(pg_query("SELECT contract_no, id FROM refunds_contract"))


def pg_copy_tables() -> None:
    """``bench_billing``: same columns, constraints and indexes; ``bench_billing_bare``: none."""
    foreign_keys = pg_query(
        "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
        "WHERE conrelid = 'refunds_billingline'::regclass AND contype = 'f'"
    )
    statements = [
        "DROP TABLE IF EXISTS bench_billing, bench_billing_bare",
        "CREATE TABLE bench_billing (LIKE refunds_billingline INCLUDING ALL)",
        "CREATE TABLE bench_billing_bare "
        "(LIKE refunds_billingline INCLUDING DEFAULTS INCLUDING IDENTITY)",
    ]
    statements += [
        f"ALTER TABLE bench_billing ADD CONSTRAINT bench_{name} {definition}"
        for name, definition in foreign_keys
    ]
    with psycopg2.connect(PG_URL) as conn, conn.cursor() as cur:
        for sql in statements:
            cur.execute(sql)


def pg_copy(table: str, source: Path) -> float:
    pg_query("CHECKPOINT")
    run = psql(f"\\copy {table} ({COPY_COLUMNS}) FROM '{source}'")
    (count,) = pg_query(f"SELECT COUNT(*) FROM {table}")[0]
    step(f"  \\copy into {table}: {count:,} rows in {run.seconds:.2f}s")
    return run.seconds


def bench_postgres(lines: int) -> dict[str, Any]:
    ids = pg_prepare()
    source = convert(ids, DATA / "billing.pg.tsv")
    billing = str(DATA / "billing.csv")
    pg_query("CHECKPOINT")
    step("PostgreSQL: import_csv billing (first run)")
    first = manage("import_csv", "billing", billing, database_url=PG_URL)
    check_summary(first, "billing", {"created": lines})
    step(f"  {first.summary} in {first.seconds:.2f}s, peak RSS {first.peak_rss_mb:.0f} MB")
    pg_query("CHECKPOINT")
    step("PostgreSQL: import_csv billing (same file again)")
    second = manage("import_csv", "billing", billing, database_url=PG_URL)
    check_summary(second, "billing", {"unchanged": lines})
    step(f"  {second.summary} in {second.seconds:.2f}s, peak RSS {second.peak_rss_mb:.0f} MB")
    pg_copy_tables()
    copy_seconds = pg_copy("bench_billing", source)
    bare_seconds = pg_copy("bench_billing_bare", source)
    return {
        "first": asdict(first),
        "second": asdict(second),
        "copy_seconds": copy_seconds,
        "copy_bare_seconds": bare_seconds,
        "import_export": pg_import_export(),
    }


def pg_import_export() -> dict[str, Any]:
    """``import_csv`` next to django-import-export on the first ``SLICE`` lines of the file."""
    path = DATA / f"billing-{SLICE}.csv"
    with (DATA / "billing.csv").open("rb") as src, path.open("wb") as out:
        out.writelines(itertools.islice(src, SLICE + 1))
    step(f"PostgreSQL: import_csv and django-import-export, {SLICE:,} lines (one process)")
    env = dict(_env(PG_URL), DJANGO_SETTINGS_MODULE="import_export_settings")
    run = timed([PYTHON, str(BENCH_DIR / "import_export_baseline.py"), str(path)], env=env)
    figures: dict[str, Any] = json.loads(run.summary)
    step(
        f"  import_csv {figures['import_csv_seconds']:.2f}s, "
        f"django-import-export {figures['import_export_seconds']:.2f}s"
    )
    return figures


# -- SQLite ---------------------------------------------------------------------------------
def _sqlite_url(path: Path) -> str:
    return f"sqlite:///{path}"


def _remove_sqlite(path: Path) -> None:
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


def sqlite_executemany(rows: list[tuple[int, str, str, int]]) -> float:
    with closing(sqlite3.connect(SQLITE_BASELINE_DB)) as conn:
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        conn.execute("PRAGMA foreign_keys=ON")
        started = time.perf_counter()
        conn.execute("BEGIN")
        conn.executemany(
            f"INSERT INTO refunds_billingline ({COPY_COLUMNS}) VALUES (?, ?, ?, ?)", rows
        )
        conn.commit()
        seconds = time.perf_counter() - started
        (count,) = conn.execute("SELECT COUNT(*) FROM refunds_billingline").fetchone()
    step(f"  executemany: {count:,} rows in {seconds:.2f}s")
    return seconds


def bench_sqlite(lines: int) -> dict[str, Any]:
    step("SQLite: fresh database, migrate, import members/contracts/tariffs")
    _remove_sqlite(SQLITE_DB)
    _remove_sqlite(SQLITE_BASELINE_DB)
    manage("migrate", "--noinput", database_url=_sqlite_url(SQLITE_DB))
    import_references(_sqlite_url(SQLITE_DB))
    with closing(sqlite3.connect(SQLITE_DB)) as src:
        with closing(sqlite3.connect(SQLITE_BASELINE_DB)) as dst:
            src.backup(dst)
        ids = dict(src.execute("SELECT contract_no, id FROM refunds_contract").fetchall())
    source = convert(ids, DATA / "billing.sqlite.tsv")
    step("SQLite: import_csv billing")
    run = manage(
        "import_csv", "billing", str(DATA / "billing.csv"), database_url=_sqlite_url(SQLITE_DB)
    )
    check_summary(run, "billing", {"created": lines})
    step(f"  {run.summary} in {run.seconds:.2f}s, peak RSS {run.peak_rss_mb:.0f} MB")
    rows = load_converted(source)
    executemany_seconds = sqlite_executemany(rows)
    return {"import": asdict(run), "executemany_seconds": executemany_seconds}


# -- report ---------------------------------------------------------------------------------
def build_rows(lines: int, pg: dict[str, Any], lite: dict[str, Any]) -> list[Row]:
    first, second = pg["first"], pg["second"]
    pg_rate = lines / first["seconds"]
    copy_rate = lines / pg["copy_seconds"]
    bare_rate = lines / pg["copy_bare_seconds"]
    lite_rate = lines / lite["import"]["seconds"]
    many_rate = lines / lite["executemany_seconds"]
    pg_peak = max(first["peak_rss_mb"], second["peak_rss_mb"])
    ie = pg["import_export"]
    speedup = ie["import_export_seconds"] / ie["import_csv_seconds"]
    lite_peak = lite["import"]["peak_rss_mb"]
    return [
        Row("pg import rows/s", pg_rate, "rows/s", copy_rate, "\\copy (indexed)",
            pg_rate / copy_rate, f">= {GOAL_COPY_RATIO}", pg_rate / copy_rate >= GOAL_COPY_RATIO),
        Row("pg \\copy indexed rows/s", copy_rate, "rows/s", bare_rate, "\\copy (bare)",
            copy_rate / bare_rate, "info", None),
        Row("pg re-import seconds", second["seconds"], "s", first["seconds"], "first import",
            second["seconds"] / first["seconds"], "< 1.0", second["seconds"] < first["seconds"]),
        Row(f"pg {ie['rows']:,}-line import seconds", ie["import_csv_seconds"], "s",
            ie["import_export_seconds"], "django-import-export", speedup,
            f">= {GOAL_IMPORT_EXPORT_SPEEDUP}", speedup >= GOAL_IMPORT_EXPORT_SPEEDUP),
        Row("sqlite import rows/s", lite_rate, "rows/s", many_rate, "executemany",
            lite_rate / many_rate, f">= {GOAL_SQLITE_RATIO}",
            lite_rate / many_rate >= GOAL_SQLITE_RATIO),
        Row("pg import peak RSS", pg_peak, "MB", None, "", None, f"< {GOAL_RSS_MB} MB",
            pg_peak < GOAL_RSS_MB),
        Row("sqlite import peak RSS", lite_peak, "MB", None, "", None, f"< {GOAL_RSS_MB} MB",
            lite_peak < GOAL_RSS_MB),
    ]  # fmt: skip


def _fmt(value: float | None, unit: str = "") -> str:
    if value is None:
        return "-"
    if unit == "rows/s":
        return f"{value:,.0f}"
    return f"{value:,.2f}"


def print_table(lines: int, rows: list[Row]) -> None:
    header = ("metric", "value", "baseline", "ratio", "goal", "result")
    cells = [header]
    for row in rows:
        result = "info" if row.passed is None else ("PASS" if row.passed else "FAIL")
        baseline = f"{_fmt(row.baseline, row.unit)} ({row.baseline_name})" if row.baseline else "-"
        cells.append(
            (row.metric, f"{_fmt(row.value, row.unit)} {row.unit}", baseline,
             _fmt(row.ratio), row.goal, result)
        )  # fmt: skip
    print_aligned(f"import benchmark: {lines:,} billing lines", cells)


def write_results(lines: int, rows: list[Row], pg: dict[str, Any], lite: dict[str, Any]) -> None:
    merge_results(
        "import",
        lambda _previous: rounded(
            {
                "lines": lines,
                "measured_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
                "metrics": [asdict(row) for row in rows],
                "postgres": pg,
                "sqlite": lite,
            }
        ),
    )


def main() -> int:
    lines = ensure_data()
    pg = bench_postgres(lines)
    lite = bench_sqlite(lines)
    rows = build_rows(lines, pg, lite)
    print_table(lines, rows)
    write_results(lines, rows, pg, lite)
    missed = [row.metric for row in rows if row.passed is False]
    if missed:
        print(f"goals missed: {', '.join(missed)}")
    return 1 if missed and os.environ.get("BENCH_STRICT") == "1" else 0


if __name__ == "__main__":
    sys.exit(main())
