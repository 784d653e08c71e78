"""Load benchmark: ``BENCH_LOAD_USERS`` (50) call-center users on gunicorn and PostgreSQL.

The database is the search benchmark's ``refund_desk_bench_search`` with 1,000,000 members
(``bench_search.ensure_database()`` builds it on the first run, ~2–4 min, and reuses it after).
A staff user ``bench-load`` gets a fresh random password (and any django-axes failures of that
name are cleared), and ``BENCH_LOAD_VALUES_PER_KIND`` (500) members spread over the table give
the search values a caller would read out: the member number, the last four digits of the
phone, the kana surname and the postal code.

``manage.py collectstatic`` runs when a static file is missing or out of date, then gunicorn
serves ``config.wsgi`` on 127.0.0.1 (a free port) with ``config.settings.local``,
``DJANGO_DEBUG=0``, the bench database, ``CACHE_URL`` ``locmemcache://``, no Celery broker
(tasks in process), ``BENCH_LOAD_WORKERS`` workers (default 2 × cores + 1, gunicorn's own rule
of thumb) of the class docker-compose.yml runs (``config.workers.SyncWorker``: gunicorn's sync
worker, its loop in one large frame), ``--timeout 60`` and ``--worker-tmp-dir /dev/shm`` as
there, no control socket, and each worker's database connection kept for
``DATABASE_CONN_MAX_AGE`` seconds (60, the settings' default). Once ``/healthz`` answers 200,
locust runs ``benchmarks/locustfile.py`` headless (``FastHttpUser``; all users started in the
first second):

1. **think time** (the goal): ``BENCH_LOAD_USERS`` users log in once each, then, for
   ``BENCH_LOAD_SECONDS`` (60) counted from the moment the last of them has logged in, search
   by a value of a random kind, open one of the members found, and think 1–3 s (uniform,
   ``BENCH_LOAD_THINK``) after each page: the time to read a result list and click a row, or to
   read the member page and type the next query. A real call lasts minutes, so 50 users at this
   pace stand for many more agents on the phone;
2. **no think time** (capacity, for information): the same users with no pause at all for
   ``BENCH_LOAD_CAPACITY_SECONDS`` (20; 0 leaves it out): the pages per second the server can
   give while the load generator shares its cores.

3. **portal** (the member portal's goal): the operators as in (1) and, beside them,
   ``BENCH_LOAD_PORTAL_USERS`` (20) members claiming on the portal, one claim every
   ``BENCH_LOAD_PORTAL_PACING`` (6) s each: ``BENCH_LOAD_PORTAL_CLAIMS`` (200) claims in the
   minute, each the six requests of a phone (the QR code's page, code and birth date, the case,
   the bank details checked, sent, the receipt). The claimable cases (category 2, notified, on
   the last contracts of the table) and their letter codes are made for the run and removed
   after it (``LOADPORTAL-`` case numbers). The goal: the members' p95 under 300 ms, no error,
   and every claim recorded once (one claim per case with the channel ``web``, one
   ``claim.recorded`` audit event each, one ``claimed`` portal attempt each), read back from
   the database. ``BENCH_LOAD_PORTAL_CLAIMS=0`` leaves it out.

4. **busy** (the jobs' goal): first the jobs alone — on bench_detect's scenario of
   ``BENCH_LOAD_BUSY_LINES`` (10,000,000) billing lines, in its own database on the same
   PostgreSQL server (generated and imported once, ~10 min), its billing lines and cases emptied
   (untimed), ``manage.py import_csv billing`` of the whole file, then ``manage.py detect`` on the
   result, both under ``nice -n 10`` as docker-compose.yml's ``worker-heavy`` runs them; then the
   same jobs again while the same users work as in (1) for as long as the jobs took alone. The
   goal: the operators' p95 at most 1.5 times that of (1), no error, and neither job more than
   1.5 times slower than alone. ``BENCH_LOAD_BUSY_LINES=0`` leaves it out.

Before the first run the server's buffer pool is measured against the pages' database: where
the whole database fits in three quarters of ``shared_buffers`` and the server has
``pg_prewarm``, every table and index is read into the pool (as a server that has answered the
pages for a while holds them, and as production's autoprewarm reads them back after a restart);
otherwise the pages read what they need from the machine's file cache, and the bench says so.

The logins (PBKDF2 password hashing, ~0.3 s of CPU each, all at once) are timed apart and are
not in the window. Every request is recorded by the locustfile; the median, p95, p99 and max
(ms) are computed from those samples, per request type and over all searches and member pages,
and locust's own figures for the same window (its ``--csv`` files, rounded to its buckets) are
kept next to them. An error is any response but a 200 (except the redirect of a search by
member number to that member's page, which is how a unique hit answers), or a search that
finds nobody; a redirect to the login page is an error.

The share of the machine's CPU in use just before gunicorn starts is measured (3 s): above 25%
other processes compete for the cores and a warning says so; the p95 of every 10 s of the
window is printed to show when a run was disturbed. The CPU time gunicorn's workers spent in
the window (from ``/proc``; PostgreSQL's backends are not counted) gives the CPU per request,
a figure other processes on the machine hardly change.

The goal: p95 under 300 ms over the searches and member pages of run 1, with 0 errors (logins
included). The results are printed as a table and written to ``benchmarks/results.json`` under
the key ``load``; locust's CSV files and log, the samples and gunicorn's log go to
``var/bench/load/``. With ``BENCH_STRICT=1`` a missed goal makes the exit status 1.
"""

import csv
import json
import os
import random
import resource
import secrets
import subprocess
import sys
import threading
import time
from dataclasses import asdict, dataclass
from importlib.metadata import version
from pathlib import Path
from typing import Any

from bench_search import MEMBERS, PG_DB, PG_URL, SEED, Timing, ensure_database, manage
from common import BENCH_DIR, PYTHON, ROOT, Row, merge_results, print_aligned, rounded, step
from server import WORKER_CLASS, free_port, start_gunicorn, stop_gunicorn, wait_healthy

USERS = int(os.environ.get("BENCH_LOAD_USERS", "50"))
SECONDS = float(os.environ.get("BENCH_LOAD_SECONDS", "60"))
THINK = os.environ.get("BENCH_LOAD_THINK", "1,3")
CAPACITY_SECONDS = float(os.environ.get("BENCH_LOAD_CAPACITY_SECONDS", "20"))
WORKERS = int(os.environ.get("BENCH_LOAD_WORKERS", str(2 * (os.cpu_count() or 1) + 1)))
VALUES_PER_KIND = int(os.environ.get("BENCH_LOAD_VALUES_PER_KIND", "500"))
CONN_MAX_AGE = os.environ.get("DATABASE_CONN_MAX_AGE", "60")
LOGIN_ALLOWANCE_SECONDS = 120
USERNAME = "bench-load"
LOCUSTFILE = BENCH_DIR / "locustfile.py"
OUT = ROOT / "var" / "bench" / "load"
GOAL_P95_MS = 300.0
# The busy run: while the operators work, an admin imports a billing file of this many lines
# and a detection run follows (0 leaves it out).
BUSY_LINES = int(os.environ.get("BENCH_LOAD_BUSY_LINES", "10000000"))
GOAL_BUSY_RATIO = 1.5  # operators' p95 and each job's time, busy against quiet
JOB_NICE = ("nice", "-n", "10")  # as docker-compose.yml's worker-heavy
TIMELINE_SECONDS = 10
BUSY_WARNING = 0.25
PREWARM_SHARE = 0.75  # of shared_buffers the pages' database may fill (the jobs need the rest)
# The portal run: members claiming beside the operators.
PORTAL_CLAIMS = int(os.environ.get("BENCH_LOAD_PORTAL_CLAIMS", "200"))
PORTAL_USERS = int(os.environ.get("BENCH_LOAD_PORTAL_USERS", "20"))
PORTAL_PACING = os.environ.get("BENCH_LOAD_PORTAL_PACING", "6")
PORTAL_PREFIX = "LOADPORTAL"
PORTAL = "portal: "


# -- set-up ---------------------------------------------------------------------------------
def make_user() -> str:
    """The staff user ``bench-load`` with a new random password (returned), axes cleared."""
    from axes.models import AccessAttempt
    from django.contrib.auth.models import Group

    from accounts.models import User
    from accounts.roles import Role

    password = secrets.token_urlsafe(18)
    user, _created = User.objects.get_or_create(username=USERNAME)
    user.is_active = True
    user.set_password(password)
    user.save()
    user.groups.set([Group.objects.get(name=str(Role.STAFF))])
    AccessAttempt.objects.filter(username=USERNAME).delete()
    return password


def search_values() -> dict[str, list[str]]:
    """``VALUES_PER_KIND`` values per kind, from members spread over the whole table."""
    from refunds.models import Member
    from refunds.search import keys

    rng = random.Random(SEED + 2)
    numbers = [f"SN{n:08d}" for n in rng.sample(range(1, MEMBERS + 1), VALUES_PER_KIND)]
    members = list(
        Member.objects.filter(member_no__in=numbers)
        .order_by("member_no")
        .only("member_no", "phone", "name_kana", "postal_code")
    )
    phones = [keys.digits(m.phone) for m in members]
    return {
        "member number": [m.member_no for m in members],
        "phone, last 4 digits": [digits[-4:] for digits in phones if len(digits) >= 10],
        "kana surname": [
            m.name_kana.split("\u3000")[0] for m in members if "\u3000" in m.name_kana
        ],
        "postal code": [m.postal_code for m in members if m.postal_code],
    }


def static_outdated() -> bool:
    """Whether a static file the finders know is missing from STATIC_ROOT or older there."""
    from django.conf import settings
    from django.contrib.staticfiles import finders

    root = Path(settings.STATIC_ROOT)
    for finder in finders.get_finders():
        for path, storage in finder.list(["CVS", ".*", "*~"]):
            target = root / (getattr(storage, "prefix", None) or "") / path
            source = Path(storage.path(path))
            if not target.exists() or target.stat().st_mtime < source.stat().st_mtime:
                return True
    return False


def server_env() -> dict[str, str]:
    return dict(
        os.environ,
        DJANGO_SETTINGS_MODULE="config.settings.local",
        DJANGO_DEBUG="0",
        DATABASE_URL=PG_URL,
        DATABASE_CONN_MAX_AGE=CONN_MAX_AGE,
        CACHE_URL="locmemcache://",
        CELERY_BROKER_URL="",
        # as docker-compose.yml's web service
        DATABASE_STATEMENT_TIMEOUT_SECONDS="30",
    )


def database_memory() -> dict[str, Any]:
    """The server's buffer pool and WAL size; the pages' database read into the pool where it
    fits (``pg_prewarm``), as a server that has answered the pages for a while holds it."""
    from django.db import DatabaseError, connection

    with connection.cursor() as cur:
        cur.execute(
            "SELECT pg_size_bytes(current_setting('shared_buffers')),"
            " pg_size_bytes(current_setting('max_wal_size')),"
            " pg_database_size(current_database()),"
            " EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'pg_prewarm')"
        )
        buffers, wal, size, available = cur.fetchone()
        prewarmed, reason = 0, ""
        if not available:
            reason = "the server has no pg_prewarm"
        elif size > PREWARM_SHARE * buffers:
            reason = "larger than three quarters of shared_buffers"
        else:
            try:
                cur.execute("CREATE EXTENSION IF NOT EXISTS pg_prewarm")
                cur.execute(
                    "SELECT COALESCE(SUM(pg_prewarm(c.oid)), 0) FROM pg_class c"
                    " WHERE c.relkind IN ('r', 'i', 't', 'm') AND c.relpersistence = 'p'"
                    " AND c.relnamespace IN ('public'::regnamespace, 'pg_toast'::regnamespace)"
                )
                prewarmed = int(cur.fetchone()[0]) * 8192
            except DatabaseError as exc:
                reason = f"pg_prewarm refused: {exc}".strip()
    connection.close()
    return {
        "shared_buffers_bytes": buffers,
        "max_wal_size_bytes": wal,
        "database_bytes": size,
        "prewarmed_bytes": prewarmed,
        "not_prewarmed_because": reason or None,
    }


def describe_memory(memory: dict[str, Any]) -> str:
    def mb(key: str) -> str:
        return f"{memory[key] / 2**20:,.0f} MB"

    server = f"shared_buffers {mb('shared_buffers_bytes')}, max_wal_size {mb('max_wal_size_bytes')}"
    if memory["prewarmed_bytes"]:
        return f"{server}; the pages' database ({mb('database_bytes')}) read into the buffer pool"
    return (
        f"{server}; the pages' database ({mb('database_bytes')}) left to the machine's file "
        f"cache ({memory['not_prewarmed_because']})"
    )


def cpu_times() -> tuple[int, int]:
    """(busy, total) jiffies of the whole machine, from /proc/stat."""
    fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + fields[4]
    return sum(fields) - idle, sum(fields)


def machine_busy(seconds: float = 3.0) -> float:
    """The share of the machine's CPU in use over ``seconds`` (before anything of ours runs)."""
    busy0, total0 = cpu_times()
    time.sleep(seconds)
    busy1, total1 = cpu_times()
    return (busy1 - busy0) / max(total1 - total0, 1)


# -- the portal's members -------------------------------------------------------------------
def portal_cleanup() -> None:
    """The portal run's cases, codes, claims and attempts gone (its audit events stay)."""
    from refunds.models import Case, Claim, ClaimCode, PortalAttempt

    ours = Case.objects.filter(case_no__startswith=f"{PORTAL_PREFIX}-")
    PortalAttempt.objects.filter(code__case__in=ours).delete()
    PortalAttempt.objects.filter(code__isnull=True).delete()
    ClaimCode.objects.filter(case__in=ours).delete()
    Claim.objects.filter(case__in=ours).delete()
    ours.delete()


def portal_prepare() -> list[dict[str, str]]:
    """``PORTAL_CLAIMS`` claimable cases on the table's last contracts, each with the code its
    letter would print; what each member types (code, birth date, the holder name)."""
    import datetime

    from django.utils import timezone

    from refunds.models import Case, Contract, Member, RemediationProgram
    from refunds.services.portal import claim_codes_issue

    portal_cleanup()
    program = RemediationProgram.objects.order_by("pk").first()
    assert program is not None
    RemediationProgram.objects.filter(pk=program.pk).update(portal_closed=False)
    contracts = list(Contract.objects.order_by("-contract_no")[:PORTAL_CLAIMS])
    rng = random.Random(SEED + 3)
    for contract in contracts:
        Member.objects.filter(pk=contract.member_id, birth_date__isnull=True).update(
            birth_date=datetime.date(1940, 1, 1) + datetime.timedelta(days=rng.randrange(20000))
        )
    cases = Case.objects.bulk_create(
        Case(
            case_no=f"{PORTAL_PREFIX}-{n:06d}",
            program=program,
            program_code=program.code,
            contract=contract,
            member_id=contract.member_id,
            category=2,
            computed_amount_yen=6720,
            amount_yen=6720,
            status="notified",
        )
        for n, contract in enumerate(contracts, start=1)
    )
    cases = list(Case.objects.filter(pk__in=[c.pk for c in cases]).select_related("program"))
    codes = claim_codes_issue(cases=cases, letter_kind="notice", now=timezone.now())
    members = Member.objects.in_bulk([c.member_id for c in cases])
    return [
        {
            "code": codes[case.pk].code,
            "birth_date": members[case.member_id].birth_date.isoformat(),
            "holder_name": members[case.member_id].name_kana,
        }
        for case in cases
    ]


def portal_check() -> dict[str, int]:
    """What the database holds after the run: claims, their audit events, the attempts."""
    from refunds.models import AuditEvent, Claim, PortalAttempt

    claims = Claim.objects.filter(case__case_no__startswith=f"{PORTAL_PREFIX}-")
    ids = [str(pk) for pk in claims.values_list("pk", flat=True)]
    return {
        "claims": len(ids),
        "cases_claimed": claims.values("case_id").distinct().count(),
        "claims_web": claims.filter(channel="web").count(),
        "cases_claim_received": claims.filter(case__status="claim_received").count(),
        "audit_claim_recorded": AuditEvent.objects.filter(
            action="claim.recorded", object_type="refunds.claim", object_id__in=ids
        ).count(),
        "attempts_claimed": PortalAttempt.objects.filter(
            outcome="claimed", code__case__case_no__startswith=f"{PORTAL_PREFIX}-"
        ).count(),
    }


# -- one locust run ---------------------------------------------------------------------------
@dataclass
class Stat:
    """One request type in the window: counts and ms from the samples, and locust's own."""

    name: str
    requests: int
    errors: int
    rps: float
    timing: Timing
    locust_requests: int | None = None
    locust_failures: int | None = None
    locust_p95_ms: float | None = None


@dataclass
class RunResult:
    label: str
    think: str
    seconds: float
    total: Stat
    types: list[Stat]
    login: Stat
    errors: int
    error_reasons: dict[str, int]
    timeline: list[tuple[int, int, float, float]]
    cpu_busy: float
    locust_cpu_seconds: float
    server_cpu_seconds: float | None
    wall_seconds: float
    locust_exit: int
    portal: Stat | None = None
    portal_types: list[Stat] | None = None


def _stat(name: str, samples: list[dict[str, Any]], seconds: float) -> Stat:
    times = [s["ms"] for s in samples] or [0.0]
    errors = sum(1 for s in samples if not s["ok"])
    return Stat(name, len(samples), errors, len(samples) / seconds, Timing.of(times))


def _locust_rows(prefix: Path) -> dict[str, dict[str, str]]:
    path = prefix.with_name(prefix.name + "_stats.csv")
    if not path.exists():
        return {}
    with path.open(encoding="utf-8", newline="") as src:
        return {row["Name"]: row for row in csv.DictReader(src)}


def _error_reasons(prefix: Path) -> dict[str, int]:
    path = prefix.with_name(prefix.name + "_failures.csv")
    if not path.exists():
        return {}
    with path.open(encoding="utf-8", newline="") as src:
        return {
            f"{row['Name']}: {row['Error']}": int(row["Occurrences"]) for row in csv.DictReader(src)
        }


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_locust(
    label: str,
    base: str,
    server_pid: int,
    values: Path,
    think: str,
    seconds: float,
    portal: Path | None = None,
) -> RunResult:
    prefix = OUT / label
    samples_path = OUT / f"{label}_samples.jsonl"
    window_path = OUT / f"{label}_window.json"
    samples_path.unlink(missing_ok=True)
    window_path.unlink(missing_ok=True)
    env = dict(
        os.environ,
        BENCH_LOAD_VALUES=str(values),
        BENCH_LOAD_THINK=think,
        BENCH_LOAD_SECONDS=str(seconds),
        BENCH_LOAD_SAMPLES=str(samples_path),
        BENCH_LOAD_WINDOW=str(window_path),
        BENCH_LOAD_SERVER_PID=str(server_pid),
        BENCH_LOAD_USERS=str(USERS),
        BENCH_LOAD_PORTAL=str(portal or ""),
        BENCH_LOAD_PORTAL_USERS=str(PORTAL_USERS),
        BENCH_LOAD_PORTAL_PACING=PORTAL_PACING,
    )
    classes = ["CallCenterUser", *(["PortalMember"] if portal else [])]
    users = USERS + (PORTAL_USERS if portal else 0)
    command = [
        PYTHON, "-m", "locust", "-f", str(LOCUSTFILE), "--headless",
        "--users", str(users), "--spawn-rate", str(users),
        "--run-time", f"{int(seconds + LOGIN_ALLOWANCE_SECONDS)}s",
        "--host", base, "--csv", str(prefix), "--exit-code-on-error", "0",
        "--loglevel", "WARNING", *classes,
    ]  # fmt: skip
    step(f"locust '{label}': {USERS} users, think {think} s, {seconds:.0f} s after the logins")
    busy0, total0 = cpu_times()
    children0, wall0 = _children_cpu(), time.perf_counter()
    log = OUT / f"{label}_locust.log"
    with log.open("wb") as out:
        proc = subprocess.run(command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    busy1, total1 = cpu_times()
    locust_cpu, wall = _children_cpu() - children0, time.perf_counter() - wall0
    if not samples_path.exists():
        raise SystemExit(f"locust wrote no samples (exit {proc.returncode}): see {log}")
    samples = [json.loads(line) for line in samples_path.read_text(encoding="utf-8").splitlines()]
    if not any(s["t"] is not None for s in samples):
        raise SystemExit(f"the users never all logged in: see {log}")
    logins = [s for s in samples if s["name"].startswith("login")]
    members = [s for s in samples if s["name"].startswith(PORTAL) and s["t"] is not None]
    window = [
        s for s in samples if not s["name"].startswith(("login", PORTAL)) and 0 <= s["t"] < seconds
    ]
    locust = _locust_rows(prefix)
    types = []
    for name in sorted({s["name"] for s in window}):
        stat = _stat(name, [s for s in window if s["name"] == name], seconds)
        row = locust.get(name)
        if row:
            stat.locust_requests = int(row["Request Count"])
            stat.locust_failures = int(row["Failure Count"])
            stat.locust_p95_ms = float(row["95%"])
        types.append(stat)
    total = _stat("all searches and member pages", window, seconds)
    aggregated = locust.get("Aggregated")
    if aggregated:
        total.locust_requests = int(aggregated["Request Count"])
        total.locust_failures = int(aggregated["Failure Count"])
        total.locust_p95_ms = float(aggregated["95%"])
    login = _stat("login (form, post, first page)", logins, seconds)
    timeline = []
    for start in range(0, int(seconds), TIMELINE_SECONDS):
        times = [s["ms"] for s in window if start <= s["t"] < start + TIMELINE_SECONDS]
        if times:
            timing = Timing.of(times)
            timeline.append((start, len(times), timing.median_ms, timing.p95_ms))
    portal_stat = portal_types = None
    if portal:
        span = max([s["t"] for s in members] + [seconds])
        portal_stat = _stat("portal: every request of the claims", members, span)
        portal_types = [
            _stat(name, [s for s in members if s["name"] == name], span)
            for name in sorted({s["name"] for s in members})
        ]
    result = RunResult(
        label=label,
        think=think,
        seconds=seconds,
        total=total,
        types=types,
        login=login,
        errors=total.errors + login.errors,
        error_reasons=_error_reasons(prefix),
        timeline=timeline,
        cpu_busy=(busy1 - busy0) / max(total1 - total0, 1),
        locust_cpu_seconds=locust_cpu,
        server_cpu_seconds=json.loads(window_path.read_text())["server_cpu_seconds"],
        wall_seconds=wall,
        locust_exit=proc.returncode,
        portal=portal_stat,
        portal_types=portal_types,
    )
    if portal_stat is not None:
        step(
            f"  portal: {portal_stat.requests:,} requests, p95 {portal_stat.timing.p95_ms:.1f} "
            f"ms, {portal_stat.errors} errors"
        )
    step(
        f"  {total.requests:,} requests, {total.rps:.1f}/s, p95 {total.timing.p95_ms:.1f} ms, "
        f"{result.errors} errors; logins p95 {login.timing.p95_ms:.0f} ms"
    )
    return result


def _cpu_per_request(run: RunResult) -> float | None:
    if run.server_cpu_seconds is None or not run.total.requests:
        return None
    return run.server_cpu_seconds * 1000 / run.total.requests


# -- report ---------------------------------------------------------------------------------
def _ms(value: float) -> str:
    return f"{value:,.0f}" if value >= 100 else f"{value:.1f}"


# -- the jobs of the busy run --------------------------------------------------------------
@dataclass
class Jobs:
    """An import of the scenario's billing file, then a detection run on the result."""

    import_seconds: float
    detect_seconds: float  # the run's own started_at..finished_at
    detect_wall_seconds: float
    import_summary: str
    detect_summary: str
    started_at: float = 0.0  # perf_counter

    @property
    def total_seconds(self) -> float:
        return self.import_seconds + self.detect_wall_seconds


def jobs_scenario() -> Any:
    """bench_detect's scenario of ``BUSY_LINES`` lines (generated and imported once), its jobs
    run niced as the heavy worker runs them."""
    import bench_detect

    scenario = bench_detect.Scenario(BUSY_LINES)
    scenario.ensure_data()
    scenario.prepare()
    scenario.prefix = JOB_NICE
    return scenario


def jobs_database_priority(scenario: Any) -> str:
    """Whether the jobs' PostgreSQL sessions take their nice value too (refunds.dbpriority)."""
    import bench_detect

    from refunds.dbpriority import EXTENSION_PRESENT

    with bench_detect.PgCursor(scenario.url, autocommit=True) as cur:
        cur.execute(f"SELECT {EXTENSION_PRESENT}")
        present = cur.fetchone()[0]
    if present:
        return "their database sessions too (prioritize)"
    return "not their database sessions (no prioritize extension on this server)"


def jobs_reset(scenario: Any) -> None:
    """Untimed: the billing lines and cases gone, so that the import writes every line."""
    import bench_detect

    with bench_detect.PgCursor(scenario.url, autocommit=True) as cur:
        tables = ", ".join(("refunds_billingline", *bench_detect.CASE_TABLES))
        cur.execute(f"TRUNCATE {tables}, refunds_casenumbercounter CASCADE")
        cur.execute("VACUUM ANALYZE refunds_billingline")
        cur.execute("CHECKPOINT")


def jobs_run(scenario: Any) -> Jobs:
    started = time.perf_counter()
    imported = scenario.manage("import_csv", "billing", str(scenario.data / "billing.csv"))
    step(f"  import: {imported.summary} in {imported.seconds:.1f}s")
    detected = scenario.detect()
    return Jobs(
        import_seconds=imported.seconds,
        detect_seconds=detected.run_seconds or detected.seconds,
        detect_wall_seconds=detected.seconds,
        import_summary=imported.summary,
        detect_summary=detected.summary,
        started_at=started,
    )


def busy_rows(quiet: RunResult, busy: RunResult, alone: Jobs, during: Jobs) -> list[Row]:
    goal = f"<= {GOAL_BUSY_RATIO:g}x"
    quiet_p95, busy_p95 = quiet.total.timing.p95_ms, busy.total.timing.p95_ms
    return [
        Row("busy: p95, searches and member pages", busy_p95, "ms", quiet_p95, "quiet p95",
            busy_p95 / quiet_p95, goal, busy_p95 <= GOAL_BUSY_RATIO * quiet_p95),
        Row("busy: errors (logins included)", busy.errors, "requests", None, "", None, "0",
            busy.errors == 0),
        Row(f"busy: import of {BUSY_LINES:,} billing lines", during.import_seconds, "s",
            alone.import_seconds, "alone", during.import_seconds / alone.import_seconds, goal,
            during.import_seconds <= GOAL_BUSY_RATIO * alone.import_seconds),
        Row("busy: detection run on the result", during.detect_seconds, "s",
            alone.detect_seconds, "alone", during.detect_seconds / alone.detect_seconds, goal,
            during.detect_seconds <= GOAL_BUSY_RATIO * alone.detect_seconds),
    ]  # fmt: skip


def print_busy(rows: list[Row], quiet: RunResult, busy: RunResult, database: str) -> None:
    cells = [("", "quiet", "busy", "busy / quiet", "goal", "")]
    for row in rows:
        if row.baseline is None:
            cells.append((row.metric, "", f"{row.value:,.0f}", "", row.goal, _verdict(row)))
        else:
            cells.append(
                (row.metric, f"{row.baseline:,.1f}", f"{row.value:,.1f}", f"{row.ratio:.2f}x",
                 row.goal, _verdict(row))
            )  # fmt: skip
    print_aligned(
        f"quiet and busy side by side: the operators alone, the jobs alone, then both at once "
        f"({os.cpu_count()} cores; the jobs niced as the heavy worker, {database})",
        cells,
    )
    for run in (quiet, busy):
        slices = ", ".join(f"{p95:.0f}" for _start, _n, _median, p95 in run.timeline)
        print(f"  {run.label}: p95 per {TIMELINE_SECONDS} s: {slices} ms")


def _verdict(row: Row) -> str:
    return "" if row.passed is None else ("PASS" if row.passed else "FAIL")


def print_table(runs: list[RunResult]) -> None:
    header = (
        "run", "request", "requests", "req/s", "errors", "median", "p95", "p99", "max",
        "locust p95", f"p95 < {GOAL_P95_MS:g} ms",
    )  # fmt: skip
    cells = [header]
    for run in runs:
        portal = [*(run.portal_types or []), *([run.portal] if run.portal else [])]
        for stat in [*run.types, run.total, run.login, *portal]:
            goal = ""
            if stat is run.total:
                passed = stat.timing.p95_ms < GOAL_P95_MS
                goal = ("PASS" if passed else "FAIL") if run is runs[0] else "(info)"
            if stat is run.portal:
                goal = "PASS" if stat.timing.p95_ms < GOAL_P95_MS else "FAIL"
            locust_p95 = "" if stat.locust_p95_ms is None else _ms(stat.locust_p95_ms)
            cells.append(
                (run.label, stat.name, f"{stat.requests:,}",
                 "" if stat is run.login else f"{stat.rps:.1f}", str(stat.errors),
                 _ms(stat.timing.median_ms), _ms(stat.timing.p95_ms), _ms(stat.timing.p99_ms),
                 _ms(stat.timing.max_ms), locust_p95, goal)
            )  # fmt: skip
    print_aligned(
        f"load benchmark: {USERS} users on gunicorn ({WORKERS} workers, {WORKER_CLASS}) and "
        "PostgreSQL, "
        f"{MEMBERS:,} members, times in ms",
        cells,
    )


def portal_rows(think: RunResult, run: RunResult, check: dict[str, int]) -> list[Row]:
    assert run.portal is not None
    p95 = run.portal.timing.p95_ms
    once = all(value == PORTAL_CLAIMS for value in check.values())
    ops = run.total.timing.p95_ms
    return [
        Row(f"portal: p95 of {PORTAL_CLAIMS} members' claims (6 requests each)", p95, "ms",
            None, "", None, f"< {GOAL_P95_MS:g} ms", p95 < GOAL_P95_MS),
        Row("portal: errors", run.portal.errors, "requests", None, "", None, "0",
            run.portal.errors == 0),
        Row("portal: claims recorded once (claims, web, audit events, attempts)",
            min(check.values()), "claims", None, "", None, f"{PORTAL_CLAIMS} each", once),
        Row("portal: operators' p95 alongside", ops, "ms", think.total.timing.p95_ms,
            "operators alone", ops / think.total.timing.p95_ms, f"< {GOAL_P95_MS:g} ms",
            ops < GOAL_P95_MS),
        Row("portal: operators' errors alongside", run.errors, "requests", None, "", None, "0",
            run.errors == 0),
    ]  # fmt: skip


def build_rows(think: RunResult, capacity: RunResult | None) -> list[Row]:
    rows = [
        Row("p95, searches and member pages, think 1-3 s", think.total.timing.p95_ms, "ms",
            None, "", None, f"< {GOAL_P95_MS:g} ms", think.total.timing.p95_ms < GOAL_P95_MS),
        Row("errors, think 1-3 s (logins included)", think.errors, "requests", None, "", None,
            "0", think.errors == 0),
        Row("throughput, think 1-3 s", think.total.rps, "requests/s", None, "", None, "info",
            None),
    ]  # fmt: skip
    if capacity is not None:
        rows.append(
            Row("throughput, no think time", capacity.total.rps, "requests/s", None, "", None,
                "info", None)
        )  # fmt: skip
        rows.append(
            Row("p95, no think time", capacity.total.timing.p95_ms, "ms", None, "", None,
                "info", None)
        )  # fmt: skip
    return rows


def _run_dict(run: RunResult) -> dict[str, Any]:
    def stat(s: Stat) -> dict[str, Any]:
        return {
            "requests": s.requests,
            "rps": s.rps,
            "errors": s.errors,
            **{k: v for k, v in asdict(s.timing).items() if k != "n"},
            "locust_requests": s.locust_requests,
            "locust_failures": s.locust_failures,
            "locust_p95_ms": s.locust_p95_ms,
        }

    return {
        "think_seconds": run.think,
        "window_seconds": run.seconds,
        **stat(run.total),
        "errors": run.errors,
        "error_reasons": run.error_reasons,
        "per_type": {s.name: stat(s) for s in run.types},
        "login": stat(run.login),
        "timeline": [
            {"from_s": start, "requests": n, "median_ms": median, "p95_ms": p95}
            for start, n, median, p95 in run.timeline
        ],
        "portal": stat(run.portal) if run.portal else None,
        "portal_per_type": {s.name: stat(s) for s in run.portal_types or []},
        "cpu_busy": run.cpu_busy,
        "locust_cpu_seconds": run.locust_cpu_seconds,
        "server_cpu_seconds": run.server_cpu_seconds,
        "server_cpu_ms_per_request": _cpu_per_request(run),
        "wall_seconds": run.wall_seconds,
    }


def main() -> int:
    started = time.perf_counter()
    spent, _user = ensure_database()
    from django.db import connection

    from refunds.models import Member

    members = Member.objects.count()
    password = make_user()
    values = search_values()
    connection.close()
    OUT.mkdir(parents=True, exist_ok=True)
    values_path = OUT / "values.json"
    values_path.write_text(
        json.dumps({"username": USERNAME, "password": password, "values": values},
                   ensure_ascii=False),
        encoding="utf-8",
    )  # fmt: skip
    step("values: " + ", ".join(f"{kind} {len(v)}" for kind, v in values.items()))
    if static_outdated():
        mark = time.perf_counter()
        manage("collectstatic", "--noinput")
        step(f"collectstatic in {time.perf_counter() - mark:.1f}s")
    else:
        step("static files up to date (no collectstatic)")

    scenario = jobs_scenario() if BUSY_LINES else None
    memory = database_memory()
    step("database server: " + describe_memory(memory))
    portal_checked: dict[str, int] | None = None
    busy_result: tuple[Jobs, Jobs, RunResult] | None = None
    busy_before = machine_busy()
    step(f"machine CPU {busy_before:.0%} busy before the run (other processes)")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    step(f"gunicorn on {base}: {WORKERS} workers ({WORKER_CLASS}), CONN_MAX_AGE {CONN_MAX_AGE}")
    server = start_gunicorn(port, OUT / "gunicorn.log", server_env(), WORKERS)
    runs: list[RunResult] = []
    try:
        step(f"  /healthz 200 after {wait_healthy(base, server, OUT / 'gunicorn.log'):.1f}s")
        load_before = os.getloadavg()[0]
        runs.append(run_locust("think", base, server.pid, values_path, THINK, SECONDS))
        if PORTAL_CLAIMS > 0:
            codes = portal_prepare()
            connection.close()
            codes_path = OUT / "portal_codes.json"
            codes_path.write_text(json.dumps(codes), encoding="utf-8")
            step(f"the operators and {PORTAL_CLAIMS} portal claims by {PORTAL_USERS} members")
            portal_run = run_locust(
                "portal", base, server.pid, values_path, THINK, SECONDS, portal=codes_path
            )
            runs.append(portal_run)
            portal_checked = portal_check()
            step("  in the database: " + ", ".join(f"{k} {v}" for k, v in portal_checked.items()))
            portal_cleanup()
            connection.close()
        if CAPACITY_SECONDS > 0:
            runs.append(
                run_locust("capacity", base, server.pid, values_path, "0", CAPACITY_SECONDS)
            )
        if scenario is not None:
            step(f"the jobs alone: import {BUSY_LINES:,} billing lines, then detection")
            jobs_reset(scenario)
            alone = jobs_run(scenario)
            jobs_reset(scenario)
            busy_seconds = max(SECONDS, alone.total_seconds)
            step(f"the jobs again, the operators working for {busy_seconds:.0f} s")
            during: dict[str, Jobs] = {}
            thread = threading.Thread(target=lambda: during.update(jobs=jobs_run(scenario)))
            thread.start()
            busy = run_locust("busy", base, server.pid, values_path, THINK, busy_seconds)
            thread.join()
            if "jobs" not in during:
                raise SystemExit("the jobs of the busy run failed: see the messages above")
            busy_result = (alone, during["jobs"], busy)
        load_after = os.getloadavg()[0]
    finally:
        status = stop_gunicorn(server)
        step(f"gunicorn stopped (exit status {status})")

    think = runs[0]
    capacity = next((run for run in runs if run.label == "capacity"), None)
    print_table(runs)
    for run in runs:
        for reason, count in run.error_reasons.items():
            print(f"  {run.label}: {count} x {reason}")
        slices = ", ".join(f"{p95:.0f}" for _start, _n, _median, p95 in run.timeline)
        print(f"  {run.label}: p95 per {TIMELINE_SECONDS} s of the window: {slices} ms")
        if run.server_cpu_seconds is not None:
            print(
                f"  {run.label}: gunicorn used {run.server_cpu_seconds:.1f} CPU-s in the window "
                f"({run.server_cpu_seconds / run.seconds:.2f} of {os.cpu_count()} cores, "
                f"{_cpu_per_request(run):.1f} ms of CPU per request; PostgreSQL not counted)"
            )
        print(
            f"  {run.label}: {run.wall_seconds:.0f}s with the logins, machine CPU "
            f"{run.cpu_busy:.0%} busy, of which locust {run.locust_cpu_seconds:.1f} CPU-s; "
            f"locust exit status {run.locust_exit}"
        )
    total_seconds = time.perf_counter() - started
    print(f"\n1-min load average: {load_before:.2f} before, {load_after:.2f} after the runs")
    if busy_before > BUSY_WARNING:
        print(
            f"the machine was {busy_before:.0%} busy before the run: other processes shared "
            "its cores with gunicorn, PostgreSQL and locust, and the figures show it"
        )
    print(f"total run time: {total_seconds:.1f}s (data preparation {spent['total']:.1f}s)")
    print(f"locust CSV files, samples and logs: {OUT.relative_to(ROOT)}/")

    rows = build_rows(think, capacity)
    portal_run_result = next((run for run in runs if run.label == "portal"), None)
    if portal_run_result is not None and portal_checked is not None:
        rows += portal_rows(think, portal_run_result, portal_checked)
    busy_section: dict[str, Any] | None = None
    if busy_result is not None:
        alone, during, busy = busy_result
        extra = busy_rows(think, busy, alone, during)
        database_priority = jobs_database_priority(scenario)
        print_busy(extra, think, busy, database_priority)
        print("  database server: " + describe_memory(memory))
        rows += extra
        busy_section = {
            "lines": BUSY_LINES,
            "job_priority": " ".join(JOB_NICE),
            "job_database_priority": database_priority,
            "jobs_alone": asdict(alone),
            "jobs_during": asdict(during),
            "operators": _run_dict(busy),
        }

    def kept(previous: dict[str, Any] | None) -> dict[str, Any]:
        """A run that leaves the busy part out keeps the last one measured, with its date."""
        if busy_section is not None or not previous or not previous.get("busy"):
            return {"busy": busy_section, "metrics": []}
        busy = {"measured_at": previous.get("measured_at"), **previous["busy"]}
        rows = [r for r in previous.get("metrics", []) if r["metric"].startswith("busy:")]
        return {"busy": busy, "metrics": rows}

    merge_results(
        "load",
        lambda previous: rounded(
            {
                "members": members,
                "measured_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
                "database": PG_DB,
                "users": USERS,
                "spawn_rate": USERS,
                "goal_p95_ms": GOAL_P95_MS,
                "gunicorn": {
                    "workers": WORKERS,
                    "worker_class": WORKER_CLASS,
                    "cores": os.cpu_count(),
                    "conn_max_age": int(CONN_MAX_AGE),
                    "cache": "locmemcache://",
                },
                "locust": {"version": version("locust"), "user_class": "FastHttpUser"},
                "database_server": memory,
                "metrics": [asdict(row) for row in rows] + kept(previous)["metrics"],
                "runs": {run.label: _run_dict(run) for run in runs},
                "prepare_seconds": spent,
                "cpu_busy_before": busy_before,
                "load_before": load_before,
                "load_after": load_after,
                "total_seconds": total_seconds,
                "busy": kept(previous)["busy"],
                "portal": None
                if portal_checked is None
                else {
                    "claims": PORTAL_CLAIMS,
                    "members": PORTAL_USERS,
                    "pacing_seconds": float(PORTAL_PACING),
                    "database": portal_checked,
                },
            }
        ),
    )
    missed = [row.metric for row in rows if row.passed is False]
    if missed:
        print(f"goals missed: {', '.join(missed)}")
    return 1 if missed and os.environ.get("BENCH_STRICT") == "1" else 0


if __name__ == "__main__":
    sys.exit(main())
