"""Benchmark of detection (``manage.py detect``) against one hand-written SQL query.

For each size in ``BENCH_DETECT_SIZES`` (billing lines, default ``1000000,10000000``) a generated
scenario (``benchmarks/data/lines-N/``, made once by ``manage.py generate_demo``) is imported,
untimed, into a fresh PostgreSQL database ``refund_desk_bench_detect_N``. A later run reuses that
database when it holds the same scenario in full (a marker table written after the import, and
the count of billing lines): it migrates it and empties the case tables instead
(``BENCH_DETECT_REBUILD=1`` imports afresh). Either way it is vacuumed, analysed and
checkpointed before the measurements; then:

1. a hand-written query, written straight from remediation-rules.md (not from the rule), computes
   the (contract, category, amount) set: best of 3, fetched in full, through psycopg2 (without
   JIT, as on the application's connections);
2. the rule's own query, ``refunds.detection.rule.findings_sql``, run the same way: ratio to (1);
3. ``manage.py detect`` on the empty case table (embedded Celery, eager), which creates every
   case with its evidence and events: the run's own time (``DetectionRun.started_at`` to
   ``finished_at``, what the goal is judged on) and, next to it, the command's wall time (which
   adds the Python and Django start-up and the printing of the data problems), both as ratios
   to (1);
4. the same command again, which changes nothing: the same two times and ratios.
   (3) and (4) are repeated ``BENCH_DETECT_RUNS`` (5) times, the case tables emptied and a
   checkpoint taken before each first run: the median and the worst of each are reported, and
   the goal holds only if the worst run meets it;
5. with a real Celery worker on Redis (prefork, 1, 2 and 4 processes, chunks of 5,000
   contracts), ``manage.py detect`` on an emptied case table: wall time, speed-up from 1 to 4.

With two sizes or more, how each of (1)-(4) grows from the smallest to the largest size is set
against the growth of the data (goal: linear). The case sets found by (1), (2) and every run are
checked against the generator's ``expected_cases.csv``; after every run, also that each case's
evidence lines add up to its amount and that each case has exactly one ``case.created`` event.
The results are printed as tables and written to ``benchmarks/results.json`` under the key
``detect``; with ``BENCH_STRICT=1`` a missed goal or a wrong case set makes the exit status 1.

The commands run with ``DJANGO_DEBUG=0`` (no query log). Before each size, the benchmark waits
(up to 20 minutes) while ``benchmarks/bench_import.py`` runs, so that the two do not share the
machine's cores; the load average at each measurement is recorded.
"""

import csv
import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import psycopg2
import redis
from common import BENCH_DIR, MANAGE, PYTHON, ROOT, Row, merge_results, print_aligned, rounded, step

CELERY = str(Path(PYTHON).parent / "celery")

SIZES = [int(s) for s in os.environ.get("BENCH_DETECT_SIZES", "1000000,10000000").split(",")]
WORKERS = [int(k) for k in os.environ.get("BENCH_DETECT_WORKERS", "1,2,4").split(",")]
SEED = int(os.environ.get("BENCH_SEED", "2010"))
REPEAT = int(os.environ.get("BENCH_DETECT_REPEAT", "3"))
RUNS = int(os.environ.get("BENCH_DETECT_RUNS", "5"))  # first and no-change runs, each
PG_SERVER = os.environ.get("BENCH_PG_SERVER", "postgres://postgres@127.0.0.1:5432")
REDIS_URL = os.environ.get("BENCH_DETECT_REDIS", "redis://127.0.0.1:6379/14")
CHUNK_CONTRACTS = os.environ.get("BENCH_DETECT_CHUNK", "5000")
REBUILD = os.environ.get("BENCH_DETECT_REBUILD") == "1"
MARKER = "bench_detect_scenario"  # in a database imported in full: the summary of its data
PROGRAM = "SONET-HIKARI-2010"
WAIT_FOR = "bench_import.py"
WAIT_POLL_SECONDS = 30
WAIT_MAX_SECONDS = 20 * 60

GOAL_RULE_RATIO = 1.5
GOAL_FIRST_RATIO = 10.0
GOAL_SECOND_RATIO = 3.0
GOAL_GROWTH_SLACK = 1.25  # linear: time grows at most 1.25 times as fast as the data

# Straight from remediation-rules.md (the program SONET-HIKARI-2010), written independently of
# refunds/detection/rule.py: rules 1-4 and the categories. A period is stored as the first day of
# its month (BillingLine), so "a month after the month of ended_on" is ``period > ended_on``; the
# literal ``period >= date_trunc('month', ended_on) + 1 month`` gives the same rows, but costs an
# expression per joined line (about 20% more time), which would flatter the ratios.
HAND_SQL = """
    SELECT c.id,
           CASE WHEN m.status = 'active' THEN 1
                WHEN c.ended_on >= DATE '2009-06-01' THEN 2
                ELSE 3 END AS category,
           SUM(b.amount_yen) AS amount
    FROM refunds_contract c
    JOIN refunds_member m ON m.id = c.member_id
    JOIN refunds_billingline b ON b.contract_id = c.id
    WHERE c.course = 'HIKARI_FLETS'
      AND c.applied_on >= DATE '2005-04-01'
      AND c.cancel_requested_on <= DATE '2009-09-16'
      AND c.ended_on IS NOT NULL
      AND b.item IN ('base_fee', 'refund')
      AND b.period > c.ended_on
    GROUP BY c.id, m.status, c.ended_on
    HAVING SUM(b.amount_yen) > 0
"""
CASE_TABLES = (
    "refunds_caseevidence",
    "refunds_dataproblem",
    "refunds_case",
    "refunds_detectionrun",
    "refunds_auditevent",
)
COUNTS = ("created", "updated", "unchanged", "flagged", "no_longer_affected", "reopened")

Triple = tuple[str, int, int]  # (contract_no, category, amount_yen)


@dataclass
class Run:
    """One timed command: wall seconds and its last stdout line."""

    seconds: float
    summary: str
    load: float = 0.0
    run_seconds: float | None = None  # the run's own started_at..finished_at

    def counts(self) -> dict[str, int]:
        return {k: int(v) for k, v in (p.split("=") for p in self.summary.split() if "=" in p)}


@dataclass
class Check:
    """A case set compared with expected_cases.csv; for a run, its cases' evidence and events."""

    source: str
    found: int
    expected: int
    missing: int
    unexpected: int
    examples: list[str] = field(default_factory=list)
    # Cases whose evidence lines do not add up to their amount, and cases without exactly one
    # ``case.created`` event (None: not a run).
    evidence_off: int | None = None
    events_off: int | None = None

    @property
    def ok(self) -> bool:
        return (
            self.missing == 0
            and self.unexpected == 0
            and not self.evidence_off
            and not (self.events_off)
        )


# -- processes ----------------------------------------------------------------------------
def _env(database_url: str, broker: str | None = None, **extra: str) -> dict[str, str]:
    env = dict(os.environ, DJANGO_SETTINGS_MODULE="config.settings.local", DJANGO_DEBUG="0")
    env["DATABASE_URL"] = database_url
    for name in ("CELERY_BROKER_URL", "CELERY_RESULT_BACKEND", "CACHE_URL"):
        env.pop(name, None)
    if broker:
        env["CELERY_BROKER_URL"] = broker
        env["CELERY_RESULT_BACKEND"] = broker
    env.update(extra)
    return env


def timed(cmd: list[str], env: dict[str, str], data: Path) -> Run:
    """Run a command to completion; its wall time and last stdout line."""
    out_path, err_path = data / "detect.stdout", data / "detect.stderr"
    load = os.getloadavg()[0]
    with out_path.open("wb") as out, err_path.open("wb") as err:
        started = time.perf_counter()
        proc = subprocess.run(cmd, stdout=out, stderr=err, env=env, cwd=ROOT, check=False)
        seconds = time.perf_counter() - started
    stdout = out_path.read_text(errors="replace").strip()
    if proc.returncode != 0:
        stderr = err_path.read_text(errors="replace")[-3000:]
        raise SystemExit(f"{' '.join(cmd)} failed ({proc.returncode}):\n{stdout}\n{stderr}")
    last = stdout.splitlines()[-1] if stdout else ""
    return Run(seconds=seconds, summary=last, load=load)


def wait_until_quiet() -> bool:
    """Wait while bench_import.py runs (it would share the two cores); False if it never ended."""
    waited = 0
    while True:
        found = subprocess.run(
            ["pgrep", "-f", WAIT_FOR], capture_output=True, text=True, check=False
        ).stdout.split()
        others = [pid for pid in found if int(pid) not in (os.getpid(), os.getppid())]
        if not others:
            if waited:
                step(f"{WAIT_FOR} is gone after {waited}s of waiting")
            return True
        if waited >= WAIT_MAX_SECONDS:
            step(f"WARNING: {WAIT_FOR} still running (pid {', '.join(others)}); going on anyway")
            return False
        if not waited:
            step(f"{WAIT_FOR} is running (pid {', '.join(others)}): waiting, polling every 30s")
        time.sleep(WAIT_POLL_SECONDS)
        waited += WAIT_POLL_SECONDS


# -- scenario -------------------------------------------------------------------------------
class Scenario:
    """One size: its data directory, its database and what was measured on it."""

    def __init__(self, lines: int) -> None:
        self.target = lines
        self.data = BENCH_DIR / "data" / f"lines-{lines}"
        self.db = f"refund_desk_bench_detect_{lines}"
        self.url = f"{PG_SERVER}/{self.db}"
        self.lines = 0
        self.expected: set[Triple] = set()
        self.numbers: dict[int, str] = {}
        self.loads: dict[str, float] = {}

    # data and database
    def ensure_data(self) -> None:
        summary = self.data / "expected_summary.json"
        if not summary.exists():
            step(f"generating about {self.target:,} billing lines into {self.data}")
            self.data.mkdir(parents=True, exist_ok=True)
            started = time.perf_counter()
            self.manage(
                "generate_demo", "--billing-lines", str(self.target), "--seed", str(SEED),
                "--output", str(self.data),
            )  # fmt: skip
            step(f"  generated in {time.perf_counter() - started:.0f}s")
        else:
            step(f"reusing {self.data}")
        self.summary = json.loads(summary.read_text())
        self.lines = int(self.summary["billing_lines"])
        with (self.data / "expected_cases.csv").open(encoding="utf-8", newline="") as fh:
            self.expected = {
                (r["contract_no"], int(r["category"]), int(r["amount_yen"]))
                for r in csv.DictReader(fh)
            }

    # A command prefix for every manage.py (bench_load runs the jobs as the heavy worker does:
    # ``nice -n 10``).
    prefix: tuple[str, ...] = ()

    def manage(self, *args: str, broker: str | None = None, **extra: str) -> Run:
        command = [*self.prefix, PYTHON, MANAGE, *args]
        return timed(command, _env(self.url, broker, **extra), self.data)

    def prepare(self) -> None:
        started = time.perf_counter()
        marker = json.dumps(self.summary, sort_keys=True)
        if not REBUILD and self.imported() == marker:
            step(f"reusing database {self.db} (BENCH_DETECT_REBUILD=1 imports it afresh)")
            self.manage("migrate", "--noinput")
            self.reset_cases()
        else:
            self.build(marker)
        with PgCursor(self.url, autocommit=True) as cur:
            cur.execute("VACUUM ANALYZE")
            cur.execute("CHECKPOINT")
        self.numbers = dict(self.query("SELECT id, contract_no FROM refunds_contract"))
        step(f"  ready in {time.perf_counter() - started:.0f}s")

    def build(self, marker: str) -> None:
        step(f"fresh database {self.db}: migrate, import members/contracts/tariffs/billing")
        with PgCursor(f"{PG_SERVER}/postgres", autocommit=True) as cur:
            cur.execute(f'DROP DATABASE IF EXISTS "{self.db}" WITH (FORCE)')
            cur.execute(f'CREATE DATABASE "{self.db}"')
        self.manage("migrate", "--noinput")
        for kind in ("members", "contracts", "tariffs", "billing"):
            run = self.manage("import_csv", kind, str(self.data / f"{kind}.csv"))
            if run.counts().get("rejected") != 0:
                raise SystemExit(f"import_csv {kind}: rows were rejected: {run.summary}")
            step(f"  {kind}: {run.summary} ({run.seconds:.0f}s)")
        (count,) = self.query("SELECT COUNT(*) FROM refunds_billingline")[0]
        if count != self.lines:
            raise SystemExit(f"billing lines: expected {self.lines}, imported {count}")
        with PgCursor(self.url, autocommit=True) as cur:
            cur.execute(f"CREATE TABLE {MARKER} (summary TEXT NOT NULL)")
            cur.execute(f"INSERT INTO {MARKER} VALUES (%s)", [marker])

    def imported(self) -> str | None:
        """The summary of the scenario the database holds in full, if it exists."""
        try:
            rows = self.query(f"SELECT summary FROM {MARKER}")
            (count,) = self.query("SELECT COUNT(*) FROM refunds_billingline")[0]
        except psycopg2.Error:
            return None
        return rows[0][0] if rows and count == self.lines else None

    def query(self, sql: str, params: list[Any] | None = None) -> list[tuple[Any, ...]]:
        with PgCursor(self.url) as cur:
            cur.execute(sql, params)
            return cur.fetchall() if cur.description else []

    # (1) and (2)
    def best_of(self, name: str, sql: str, params: list[Any]) -> tuple[float, list[Any]]:
        times: list[float] = []
        rows: list[Any] = []
        self.loads[name] = os.getloadavg()[0]
        with PgCursor(self.url) as cur:
            for _ in range(REPEAT):
                started = time.perf_counter()
                cur.execute(sql, params)
                rows = cur.fetchall()
                times.append(time.perf_counter() - started)
            cur.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}", params)
            plan = "\n".join(row[0] for row in cur.fetchall())
        (self.data / f"detect-explain-{name}.txt").write_text(plan + "\n")
        step(f"  {name}: {len(rows):,} rows, " + ", ".join(f"{t:.3f}s" for t in times))
        return min(times), rows

    def rule_sql(self) -> tuple[str, list[Any]]:
        from refunds.detection.rule import Parameters, findings_sql

        row = self.query(
            "SELECT courses, applied_on_or_after, cancel_requested_on_or_before, "
            "overcharge_items, offset_items, recent_leaver_from FROM refunds_remediationprogram "
            "WHERE code = %s ORDER BY is_active DESC, version DESC LIMIT 1",
            [PROGRAM],
        )[0]
        params = Parameters(
            courses=tuple(row[0]),
            applied_on_or_after=row[1],
            cancel_requested_on_or_before=row[2],
            overcharge_items=tuple(row[3]),
            offset_items=tuple(row[4]),
            recent_leaver_from=row[5],
        )
        return findings_sql(params)

    # (3), (4) and (5)
    def checkpoint(self) -> None:
        with PgCursor(self.url, autocommit=True) as cur:
            cur.execute("CHECKPOINT")

    def reset_cases(self) -> None:
        with PgCursor(self.url, autocommit=True) as cur:
            cur.execute(f"TRUNCATE {', '.join(CASE_TABLES)}, refunds_casenumbercounter CASCADE")
            cur.execute("VACUUM ANALYZE " + ", ".join(CASE_TABLES))

    def detect(self, broker: str | None = None, **extra: str) -> Run:
        run = self.manage("detect", "--program", PROGRAM, broker=broker, **extra)
        (seconds,) = self.query(
            "SELECT EXTRACT(EPOCH FROM finished_at - started_at) FROM refunds_detectionrun "
            "WHERE dry_run = false ORDER BY id DESC LIMIT 1"
        )[0]
        run.run_seconds = float(seconds)
        step(f"  {run.summary} in {run.seconds:.2f}s (run {run.run_seconds:.2f}s)")
        return run

    def cases(self) -> set[Triple]:
        rows = self.query(
            "SELECT k.contract_no, c.category, c.amount_yen FROM refunds_case c "
            "JOIN refunds_contract k ON k.id = c.contract_id "
            "WHERE c.program_code = %s AND c.status <> 'no_longer_affected'",
            [PROGRAM],
        )
        return {(no, int(cat), int(amount)) for no, cat, amount in rows}

    def check(self, source: str, found: set[Triple], *, run: bool = False) -> Check:
        missing = sorted(self.expected - found)
        unexpected = sorted(found - self.expected)
        examples = [f"missing {t}" for t in missing[:3]]
        examples += [f"unexpected {t}" for t in unexpected[:3]]
        check = Check(source, len(found), len(self.expected), len(missing), len(unexpected))
        check.examples = examples
        written = ""
        if run:
            check.evidence_off, check.events_off = self.written()
            written = f" evidence_off={check.evidence_off} events_off={check.events_off}"
        verdict = "OK" if check.ok else "MISMATCH"
        step(
            f"  check {source}: {verdict} found={check.found} expected={check.expected} "
            f"missing={check.missing} unexpected={check.unexpected}{written}"
        )
        for example in examples:
            step(f"    {example}")
        return check

    def written(self) -> tuple[int, int]:
        """Cases whose evidence lines do not add up to their amount; cases without exactly one
        ``case.created`` event."""
        (evidence_off,) = self.query(
            "SELECT COUNT(*) FROM refunds_case k LEFT JOIN (SELECT case_id, SUM(amount_yen) AS s "
            "FROM refunds_caseevidence GROUP BY case_id) e ON e.case_id = k.id "
            "WHERE e.s IS DISTINCT FROM k.amount_yen"
        )[0]
        (events_off,) = self.query(
            "SELECT COUNT(*) FROM refunds_case k FULL JOIN (SELECT object_id, COUNT(*) AS n "
            "FROM refunds_auditevent WHERE action = 'case.created' "
            "AND object_type = 'refunds.case' GROUP BY object_id) a "
            "ON a.object_id = CAST(k.id AS VARCHAR) WHERE a.n IS DISTINCT FROM 1 OR k.id IS NULL"
        )[0]
        return int(evidence_off), int(events_off)

    def triples(self, rows: list[tuple[Any, ...]], at: tuple[int, int, int]) -> set[Triple]:
        """(contract_no, category, amount) from the columns at positions ``at``."""
        c, k, a = at
        return {(self.numbers[row[c]], int(row[k]), int(row[a])) for row in rows}


class PgCursor:
    """A psycopg2 cursor on its own connection (no JIT), committed and closed on exit."""

    def __init__(self, url: str, autocommit: bool = False) -> None:
        self.url, self.autocommit = url, autocommit

    def __enter__(self) -> Any:
        # No JIT, as on the application's connections (config/settings/base.py).
        self.conn = psycopg2.connect(self.url, options="-c jit=off")
        self.conn.autocommit = self.autocommit
        self.cur = self.conn.cursor()
        return self.cur

    def __exit__(self, *exc: object) -> None:
        self.cur.close()
        if not self.autocommit:
            self.conn.commit()
        self.conn.close()


# -- Celery worker ---------------------------------------------------------------------------
class Worker:
    """``celery -A config worker -P prefork --concurrency K`` on the scenario's database."""

    def __init__(self, scenario: Scenario, concurrency: int) -> None:
        self.scenario, self.concurrency = scenario, concurrency
        self.log = scenario.data / f"detect-worker-{concurrency}.log"

    def __enter__(self) -> "Worker":
        redis.Redis.from_url(REDIS_URL).flushdb()
        chunk = {"DETECTION_CHUNK_CONTRACTS": CHUNK_CONTRACTS, "LOG_LEVEL": "INFO"}
        env = _env(self.scenario.url, REDIS_URL, **chunk)
        cmd = [
            CELERY, "-A", "config", "worker", "-P", "prefork",
            "--concurrency", str(self.concurrency), "-n", f"bench-detect-{self.concurrency}@%h",
            "--without-gossip", "--without-mingle", "-l", "INFO",
        ]  # fmt: skip
        self.fh = self.log.open("wb")
        self.proc = subprocess.Popen(
            cmd, stdout=self.fh, stderr=subprocess.STDOUT, env=env, cwd=ROOT, start_new_session=True
        )
        deadline = time.monotonic() + 60
        while b" ready." not in self.log.read_bytes():
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.stop()
                tail = self.log.read_text(errors="replace")[-3000:]
                raise SystemExit(f"the Celery worker did not start:\n{tail}")
            time.sleep(0.2)
        time.sleep(1)  # let the pool's processes finish starting
        return self

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)  # the worker's own process group
            try:
                self.proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        self.fh.close()

    def __exit__(self, *exc: object) -> None:
        self.stop()


# -- one size ---------------------------------------------------------------------------------
def bench_size(lines: int) -> dict[str, Any]:
    scenario = Scenario(lines)
    scenario.ensure_data()
    quiet = wait_until_quiet()
    scenario.prepare()
    quiet = wait_until_quiet() and quiet
    checks: list[Check] = []

    step("(1) hand-written SQL")
    hand_seconds, hand_rows = scenario.best_of("hand", HAND_SQL, [])
    checks.append(scenario.check("hand-written SQL", scenario.triples(hand_rows, (0, 1, 2))))
    step("(2) rule.findings_sql")
    sql, params = scenario.rule_sql()
    rule_seconds, rule_rows = scenario.best_of("rule", sql, params)
    checks.append(scenario.check("rule.findings_sql", scenario.triples(rule_rows, (0, 2, 3))))

    startup = scenario.manage("detect", "--help")
    step(f"manage.py detect --help (start-up of the command): {startup.seconds:.2f}s")
    firsts: list[Run] = []
    seconds: list[Run] = []
    for attempt in range(1, RUNS + 1):
        if attempt > 1:
            scenario.reset_cases()
            scenario.checkpoint()
        step(f"(3) manage.py detect, first run {attempt}/{RUNS} (Celery eager, in process)")
        firsts.append(scenario.detect())
        checks.append(scenario.check(f"first run {attempt}", scenario.cases(), run=True))
        step(f"(4) manage.py detect, second run {attempt}/{RUNS} (changes nothing)")
        second = scenario.detect()
        seconds.append(second)
        checks.append(scenario.check(f"second run {attempt}", scenario.cases(), run=True))
        if second.counts().get("unchanged") != len(scenario.expected) or any(
            second.counts().get(name) for name in COUNTS if name != "unchanged"
        ):
            step(f"  WARNING: the second run changed something: {second.summary}")
    first, second = _median_run(firsts), _median_run(seconds)

    celery: dict[str, dict[str, Any]] = {}
    for k in WORKERS:
        step(f"(5) Celery worker, prefork --concurrency {k}, chunks of {CHUNK_CONTRACTS}")
        scenario.reset_cases()
        with Worker(scenario, k):
            run = scenario.detect(broker=REDIS_URL, DETECTION_CHUNK_CONTRACTS=CHUNK_CONTRACTS)
        checks.append(scenario.check(f"celery x{k}", scenario.cases(), run=True))
        celery[str(k)] = asdict(run)

    return {
        "lines": scenario.lines,
        "contracts": int(scenario.summary["contracts"]),
        "expected_cases": len(scenario.expected),
        "database": scenario.db,
        "measured_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "quiet": quiet,
        "hand_sql_seconds": hand_seconds,
        "rule_sql_seconds": rule_seconds,
        "load_at_queries": scenario.loads,
        "detect_startup_seconds": startup.seconds,
        "runs": RUNS,
        "first": asdict(first),
        "second": asdict(second),
        "first_runs": [asdict(r) for r in firsts],
        "second_runs": [asdict(r) for r in seconds],
        "celery": celery,
        "chunk_contracts": int(CHUNK_CONTRACTS),
        "checks": [dict(asdict(c), ok=c.ok) for c in checks],
    }


def _median_run(runs: list[Run]) -> Run:
    """The run of median duration (the lower of the two middle ones for an even count)."""
    ordered = sorted(runs, key=lambda r: r.run_seconds or 0.0)
    return ordered[(len(ordered) - 1) // 2]


def build_rows(res: dict[str, Any]) -> list[Row]:
    hand, rule = res["hand_sql_seconds"], res["rule_sql_seconds"]
    first, second = res["first"]["seconds"], res["second"]["seconds"]
    first_run, second_run = res["first"]["run_seconds"], res["second"]["run_seconds"]
    runs = res.get("runs", 1)
    worst_first = max(r["run_seconds"] for r in res.get("first_runs", [res["first"]]))
    worst_second = max(r["run_seconds"] for r in res.get("second_runs", [res["second"]]))
    rows = [
        Row("(1) hand-written SQL", hand, "s", None, "", None, "baseline", None),
        Row("(2) rule.findings_sql", rule, "s", hand, "(1)", rule / hand,
            f"<= {GOAL_RULE_RATIO}", rule / hand <= GOAL_RULE_RATIO),
        Row(f"(3) first run: the run, median of {runs}", first_run, "s", hand, "(1)",
            first_run / hand, f"<= {GOAL_FIRST_RATIO:g}", first_run / hand <= GOAL_FIRST_RATIO),
        Row(f"(3) first run: the run, worst of {runs}", worst_first, "s", hand, "(1)",
            worst_first / hand, f"<= {GOAL_FIRST_RATIO:g}",
            worst_first / hand <= GOAL_FIRST_RATIO),
        Row("    (3) manage.py detect, wall time (median run)", first, "s", hand, "(1)",
            first / hand, "info", None),
        Row(f"(4) second run (no change): the run, median of {runs}", second_run, "s", hand,
            "(1)", second_run / hand, f"<= {GOAL_SECOND_RATIO:g}",
            second_run / hand <= GOAL_SECOND_RATIO),
        Row(f"(4) second run (no change): the run, worst of {runs}", worst_second, "s", hand,
            "(1)", worst_second / hand, f"<= {GOAL_SECOND_RATIO:g}",
            worst_second / hand <= GOAL_SECOND_RATIO),
        Row("    (4) manage.py detect, wall time (median run)", second, "s", hand, "(1)",
            second / hand, "info", None),
        Row("    manage.py detect --help (start-up)", res["detect_startup_seconds"], "s", None, "",
            None, "info", None),
    ]  # fmt: skip
    for k, run in res["celery"].items():
        rows.append(
            Row(f"(5) detect, Celery prefork x{k}", run["seconds"], "s", hand, "(1)",
                run["seconds"] / hand, "info", None)
        )  # fmt: skip
    ks = sorted(res["celery"], key=int)
    if len(ks) > 1:
        low, high = res["celery"][ks[0]]["seconds"], res["celery"][ks[-1]]["seconds"]
        rows.append(
            Row(f"(5) speed-up x{ks[0]} -> x{ks[-1]} ({os.cpu_count()} cores)", low / high, "x",
                None, "", None, "info", None)
        )  # fmt: skip
    return rows


def growth_rows(small: dict[str, Any], large: dict[str, Any]) -> list[Row]:
    data = large["lines"] / small["lines"]
    limit = data * GOAL_GROWTH_SLACK
    rows = []
    for name, get in (
        ("(1) hand-written SQL", lambda r: r["hand_sql_seconds"]),
        ("(2) rule.findings_sql", lambda r: r["rule_sql_seconds"]),
        ("(3) first run: the run", lambda r: r["first"]["run_seconds"]),
        ("(4) second run: the run", lambda r: r["second"]["run_seconds"]),
        ("    (3) manage.py detect, wall time", lambda r: r["first"]["seconds"]),
        ("    (4) manage.py detect, wall time", lambda r: r["second"]["seconds"]),
    ):
        grown = get(large) / get(small)
        goal = not name.endswith("wall time")
        rows.append(
            Row(name, get(large), "s", get(small), f"{small['lines']:,} lines", grown,
                f"~{data:.1f}x (<= {limit:.1f}x)" if goal else "info",
                grown <= limit if goal else None)
        )  # fmt: skip
    return rows


# -- report ---------------------------------------------------------------------------------
def _fmt(value: float | None) -> str:
    return "-" if value is None else f"{value:,.3f}" if value < 10 else f"{value:,.2f}"


def print_table(title: str, rows: list[Row], ratio_name: str = "ratio") -> None:
    header = ("metric", "value", "baseline", ratio_name, "goal", "result")
    cells = [header]
    for row in rows:
        result = "info" if row.passed is None else ("PASS" if row.passed else "FAIL")
        baseline = f"{_fmt(row.baseline)} ({row.baseline_name})" if row.baseline else "-"
        cells.append(
            (row.metric, f"{_fmt(row.value)} {row.unit}", baseline, _fmt(row.ratio), row.goal,
             result)
        )  # fmt: skip
    print_aligned(title, cells)


def print_loads(res: dict[str, Any]) -> None:
    loads = {f"{k} SQL": v for k, v in res["load_at_queries"].items()}
    loads.update(first=res["first"]["load"], second=res["second"]["load"])
    loads.update({f"celery x{k}": r["load"] for k, r in res["celery"].items()})
    print("  1-min load average before: " + ", ".join(f"{k} {v:.2f}" for k, v in loads.items()))
    if not res["quiet"]:
        print(f"  WARNING: {WAIT_FOR} was running during these measurements")


def print_checks(res: dict[str, Any]) -> None:
    for c in res["checks"]:
        verdict = "OK" if c["ok"] else "MISMATCH"
        written = ""
        if c.get("evidence_off") is not None:
            written = f" evidence_off={c['evidence_off']:,} events_off={c['events_off']:,}"
        print(
            f"  correctness {c['source']:<20} {verdict:<8} found={c['found']:,} "
            f"expected={c['expected']:,} missing={c['missing']:,} unexpected={c['unexpected']:,}"
            + written
        )


def write_results(scenarios: dict[str, Any], growth: list[Row]) -> None:
    def make(previous: dict[str, Any]) -> dict[str, Any]:
        merged = dict(previous.get("scenarios") or {})
        merged.update(scenarios)
        return rounded(
            {
                "measured_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
                "cores": os.cpu_count(),
                "sizes": sorted(int(s) for s in merged),
                "scenarios": dict(sorted(merged.items(), key=lambda kv: int(kv[0]))),
                "growth": [asdict(row) for row in growth] if growth else previous.get("growth", []),
            },
            digits=4,
        )

    merge_results("detect", make)


def main() -> int:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
    import django

    django.setup()  # for refunds.detection.rule; its queries run through psycopg2 here

    results: dict[str, dict[str, Any]] = {}
    all_rows: list[Row] = []
    for size in SIZES:
        res = bench_size(size)
        results[str(size)] = res
        rows = build_rows(res)
        res["metrics"] = [asdict(row) for row in rows]
        all_rows += [Row(**dict(asdict(r), metric=f"{r.metric.strip()} @{size:,}")) for r in rows]
        print_table(
            f"detect benchmark: {res['lines']:,} billing lines, {res['contracts']:,} contracts, "
            f"{res['expected_cases']:,} expected cases (PostgreSQL, {os.cpu_count()} cores)",
            rows,
        )
        print_checks(res)
        print_loads(res)
    growth: list[Row] = []
    if len(results) > 1:
        ordered = sorted(results.values(), key=lambda r: r["lines"])
        growth = growth_rows(ordered[0], ordered[-1])
        print_table(
            f"growth from {ordered[0]['lines']:,} to {ordered[-1]['lines']:,} billing lines",
            growth,
            ratio_name="growth",
        )
        all_rows += growth
    print(
        f"\nnote: this machine has {os.cpu_count()} cores; Celery speed-ups above 2x are not "
        "possible here, and more processes than cores only share them."
    )
    write_results(results, growth)
    missed = [row.metric for row in all_rows if row.passed is False]
    wrong = [c["source"] for r in results.values() for c in r["checks"] if not c["ok"]]
    if missed:
        print(f"goals missed: {', '.join(missed)}")
    if wrong:
        print(f"case sets wrong: {', '.join(wrong)}")
    return 1 if (missed or wrong) and os.environ.get("BENCH_STRICT") == "1" else 0


if __name__ == "__main__":
    sys.exit(main())
