"""Benchmark of the search box on PostgreSQL at ``BENCH_SEARCH_MEMBERS`` members (1,000,000).

A members file (and a few thousand contracts) is generated once into
``benchmarks/data/search-N/`` from the demo generator's names, phones, postal codes and
addresses, and imported, untimed, with ``manage.py import_csv`` (which computes the search keys)
into the database ``refund_desk_bench_search``; a handful of cases are added. The database is
reused by later runs while it holds the same numbers of members, contracts and cases.

For each kind of query (member, contract and case number, last four digits of a phone, a phone
with hyphens, a half-width kana full name, a hiragana surname, a kanji surname prefix, a kanji
substring of 3+ characters ending in the given name, a postal code without hyphen, an email),
``BENCH_SEARCH_REPEAT`` values (default 200) are taken from members spread over the table and:

* ``refunds.search.query.search(text)`` is timed in process (median, p95, p99 and max, ms);
* the page ``GET /search/?q=...`` is timed through ``django.test.Client`` as a staff user;
* the SQL queries of one request of each are counted;
* the baseline, what Django's admin does with ``search_fields = ["member_no", "name",
  "name_kana", "phone", "postal_code", "email"]`` (an OR of ``icontains``, first 50 rows), is
  timed on the same values (``BENCH_SEARCH_BASELINE_REPEAT``, default 20, within a time budget).

The goal (the issue): search p95 under 50 ms. ``EXPLAIN (ANALYZE, BUFFERS)`` of the queries of
each kind's first value and of its slowest one is written to ``var/bench/search_plans.txt``
(``var/`` is not in git); a plan that reads ``refunds_member`` with a sequential scan is
reported. The results are printed as a table and written to ``benchmarks/results.json`` under
the key ``search``; with ``BENCH_STRICT=1`` a missed goal makes the exit status 1. Commands and
pages run with ``DJANGO_DEBUG=0``.
"""

import datetime as dt
import os
import random
import re
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import psycopg2
from common import BENCH_DIR, MANAGE, PYTHON, ROOT, Row, merge_results, print_aligned, rounded, step

MEMBERS = int(os.environ.get("BENCH_SEARCH_MEMBERS", "1000000"))
CONTRACTS = int(os.environ.get("BENCH_SEARCH_CONTRACTS", "5000"))
CASES = int(os.environ.get("BENCH_SEARCH_CASES", "20"))
REPEAT = int(os.environ.get("BENCH_SEARCH_REPEAT", "200"))
BASELINE_REPEAT = int(os.environ.get("BENCH_SEARCH_BASELINE_REPEAT", "20"))
BASELINE_BUDGET_SECONDS = float(os.environ.get("BENCH_SEARCH_BASELINE_BUDGET", "20"))
BASELINE_MIN_REPEAT = 3
WARMUP = 10
SEED = int(os.environ.get("BENCH_SEED", "2010"))
PG_SERVER = os.environ.get("BENCH_PG_SERVER", "postgres://postgres@127.0.0.1:5432")
PG_DB = os.environ.get("BENCH_SEARCH_DB", "refund_desk_bench_search")
PG_URL = f"{PG_SERVER}/{PG_DB}"
DATA = BENCH_DIR / "data" / f"search-{MEMBERS}"
PLANS = ROOT / "var" / "bench" / "search_plans.txt"
USERNAME = "bench-search"

GOAL_P95_MS = 50.0
SEQ_SCAN = "Seq Scan on refunds_member"
_PHONE_HYPHENS_RE = re.compile(r"^0\d{1,3}-\d{1,4}-\d{4}$")
_EXECUTION_RE = re.compile(r"Execution Time: ([\d.]+) ms")
_INDEX_RE = re.compile(r"(?:Index(?: Only)? Scan(?: Backward)? using|Bitmap Index Scan on) (\w+)")


# -- processes ----------------------------------------------------------------------------
def _env() -> dict[str, str]:
    return dict(
        os.environ,
        DJANGO_SETTINGS_MODULE="config.settings.local",
        DJANGO_DEBUG="0",
        DATABASE_URL=PG_URL,
    )


def manage(*args: str) -> str:
    """Run ``manage.py`` on the bench database; its last stdout line."""
    proc = subprocess.run(
        [PYTHON, MANAGE, *args], env=_env(), cwd=ROOT, capture_output=True, text=True
    )
    if proc.returncode != 0:
        raise SystemExit(
            f"manage.py {' '.join(args)} failed ({proc.returncode}):\n"
            f"{proc.stdout[-2000:]}\n{proc.stderr[-3000:]}"
        )
    lines = proc.stdout.strip().splitlines()
    return lines[-1] if lines else ""


def pg_query(sql: str, database: str = PG_DB) -> list[tuple[Any, ...]]:
    conn = psycopg2.connect(f"{PG_SERVER}/{database}")
    conn.autocommit = True
    try:
        with conn.cursor() as cur:
            cur.execute(sql)
            return cur.fetchall() if cur.description else []
    finally:
        conn.close()


# -- data -----------------------------------------------------------------------------------
def write_members(path: Path) -> None:
    """Members in the import format, with the demo generator's names, phones and addresses."""
    from refunds.demo import generator as g

    rng = random.Random(SEED)
    first_day, last_day = dt.date(1998, 4, 1).toordinal(), dt.date(2009, 10, 31).toordinal()
    born_from, born_to = dt.date(1935, 1, 1).toordinal(), dt.date(1990, 12, 31).toordinal()
    tmp = path.with_suffix(".tmp")
    with tmp.open("w", encoding="utf-8", newline="", buffering=1 << 20) as out:
        out.write(g.MEMBER_HEADER + "\n")
        for number in range(1, MEMBERS + 1):
            member_no = f"SN{number:08d}"
            city, _area, postal_prefix, area_code = rng.choice(g.CITIES)
            surname, given = rng.randrange(len(g.SURNAMES)), rng.randrange(len(g.GIVEN_NAMES))
            name, kana = g._name(rng, surname, given)
            joined = rng.randint(first_day, last_day)
            withdrawn = ""
            status = "active"
            if rng.random() < 0.3:
                status = "withdrawn"
                withdrawn = dt.date.fromordinal(rng.randint(joined, last_day + 60)).isoformat()
            email = (
                "" if rng.random() < 0.15 else f"user{member_no[2:]}@{rng.choice(g.EMAIL_DOMAINS)}"
            )
            row = (
                member_no,
                name,
                kana,
                dt.date.fromordinal(rng.randint(born_from, born_to)).isoformat(),
                g._phone(rng, area_code),
                email,
                g._postal(rng, postal_prefix),
                g._address(rng, city),
                status,
                dt.date.fromordinal(joined).isoformat(),
                withdrawn,
            )
            out.write(",".join(row) + "\n")
    tmp.replace(path)


def write_contracts(path: Path) -> None:
    """``CONTRACTS`` contracts of members spread over the table."""
    from refunds.demo import generator as g

    step_size = max(MEMBERS // CONTRACTS, 1)
    with path.open("w", encoding="utf-8", newline="") as out:
        out.write(g.CONTRACT_HEADER + "\n")
        for n in range(1, CONTRACTS + 1):
            member = (n - 1) * step_size + 1 + (n * 7919) % step_size
            out.write(f"C{n:09d},SN{member:08d},{g.COURSE},family,east,2006-01-10,2006-02-01,,\n")


def database_ready() -> bool:
    if not pg_query(f"SELECT 1 FROM pg_database WHERE datname = '{PG_DB}'", "postgres"):
        return False
    try:
        (members, contracts, cases) = pg_query(
            "SELECT (SELECT COUNT(*) FROM refunds_member), (SELECT COUNT(*) FROM refunds_contract),"
            " (SELECT COUNT(*) FROM refunds_case)"
        )[0]
    except psycopg2.Error:
        return False
    return (members, contracts, cases) == (MEMBERS, CONTRACTS, CASES)


def prepare() -> dict[str, float]:
    """The bench database with its members, contracts and cases; seconds spent per step."""
    spent: dict[str, float] = {}
    started = time.perf_counter()
    if database_ready():
        step(f"reusing {PG_DB} ({MEMBERS:,} members); manage.py migrate")
        manage("migrate", "--noinput")
        spent["total"] = time.perf_counter() - started
        return spent
    DATA.mkdir(parents=True, exist_ok=True)
    members_csv, contracts_csv = DATA / "members.csv", DATA / "contracts.csv"
    if not members_csv.exists():
        step(f"generating {MEMBERS:,} members into {members_csv.relative_to(ROOT)}")
        write_members(members_csv)
        spent["generate"] = time.perf_counter() - started
    write_contracts(contracts_csv)
    step(f"fresh database {PG_DB}, migrate")
    pg_query(f'DROP DATABASE IF EXISTS "{PG_DB}" WITH (FORCE)', "postgres")
    pg_query(f'CREATE DATABASE "{PG_DB}"', "postgres")
    manage("migrate", "--noinput")
    mark = time.perf_counter()
    step("manage.py import_csv members (computes the search keys)")
    summary = manage("import_csv", "members", str(members_csv))
    spent["import_members"] = time.perf_counter() - mark
    step(f"  {summary} in {spent['import_members']:.1f}s")
    step(f"manage.py import_csv contracts ({CONTRACTS:,})")
    step(f"  {manage('import_csv', 'contracts', str(contracts_csv))}")
    mark = time.perf_counter()
    pg_query("VACUUM (ANALYZE) refunds_member")
    pg_query("VACUUM (ANALYZE) refunds_contract")
    spent["vacuum_analyze"] = time.perf_counter() - mark
    step(f"  VACUUM (ANALYZE) in {spent['vacuum_analyze']:.1f}s")
    spent["total"] = time.perf_counter() - started
    return spent


def make_cases_and_user() -> Any:
    """``CASES`` detected cases on the first contracts, and a staff user; the user."""
    from django.contrib.auth.models import Group

    from accounts.models import User
    from accounts.roles import Role
    from refunds.models import Case, Contract, RemediationProgram

    if Case.objects.count() != CASES:
        Case.objects.all().delete()
        program = RemediationProgram.objects.order_by("pk").first()
        if program is None:
            raise SystemExit("no remediation program: did migrate run?")
        contracts = Contract.objects.order_by("contract_no")[:CASES]
        Case.objects.bulk_create(
            Case(
                case_no=f"{program.case_prefix}-{n:06d}",
                program=program,
                program_code=program.code,
                contract=contract,
                member_id=contract.member_id,
                category=1,
                computed_amount_yen=6720,
                amount_yen=6720,
                status="detected",
            )
            for n, contract in enumerate(contracts, start=1)
        )
    user, _created = User.objects.get_or_create(username=USERNAME)
    user.groups.add(Group.objects.get(name=str(Role.STAFF)))
    return user


# -- the queries ------------------------------------------------------------------------------
def _spread(values: list[str], count: int) -> list[str]:
    """``count`` values taken evenly over ``values`` (cycled if there are fewer)."""
    if not values:
        return []
    if len(values) <= count:
        return [values[i % len(values)] for i in range(count)]
    stride = len(values) / count
    return [values[int(i * stride)] for i in range(count)]


def _split_name(name_key: str, given_names: list[str]) -> tuple[str, str] | None:
    for given in given_names:  # longest first
        if name_key.endswith(given) and len(name_key) > len(given):
            return name_key[: -len(given)], given
    return None


def _given_substring(name_key: str, given_names: list[str]) -> str | None:
    """The given name if 3+ characters, else with the end of the surname: never a prefix."""
    split = _split_name(name_key, given_names)
    if split is None:
        return None
    surname, given = split
    need = max(3 - len(given), 0)
    if need >= len(surname):
        return None
    return surname[len(surname) - need :] + given


def query_values() -> dict[str, list[str]]:
    """``REPEAT`` values per kind, taken from members spread over the table."""
    import jaconv

    from refunds.demo import generator as g
    from refunds.models import Case, Contract, Member
    from refunds.search import keys

    rng = random.Random(SEED + 1)
    pool = min(MEMBERS, REPEAT * 20)
    stride = MEMBERS // pool
    numbers = [f"SN{i * stride + 1 + rng.randrange(stride):08d}" for i in range(pool)]
    members = list(
        Member.objects.filter(member_no__in=numbers)
        .order_by("member_no")
        .only("member_no", "name_key", "name_kana", "phone", "postal_code", "email")
    )
    given_names = sorted(
        (keys.name_key(kanji) for kanji, _kana in g.GIVEN_NAMES), key=len, reverse=True
    )

    def each(get: Callable[[Any], str | None]) -> list[str]:
        return _spread([v for v in (get(m) for m in members) if v], REPEAT)

    def half_width_name(m: Any) -> str | None:
        parts = m.name_kana.split("\u3000")
        if len(parts) != 2:
            return None
        return jaconv.z2h(" ".join(parts), kana=True, ascii=False, digit=False)

    def hiragana_surname(m: Any) -> str | None:
        parts = m.name_kana.split("\u3000")
        return jaconv.kata2hira(parts[0]) if len(parts) == 2 else None

    def phone_last4(m: Any) -> str | None:
        digits = keys.digits(m.phone)
        return digits[-4:] if len(digits) >= 10 else None

    contracts = list(Contract.objects.order_by("contract_no").values_list("contract_no", flat=True))
    cases = list(Case.objects.order_by("case_no").values_list("case_no", flat=True))
    return {
        "member number": each(lambda m: m.member_no),
        "contract number": _spread(contracts, REPEAT),
        "case number": _spread(cases, REPEAT),
        "phone, last 4 digits": each(phone_last4),
        "phone with hyphens": each(lambda m: m.phone if _PHONE_HYPHENS_RE.match(m.phone) else None),
        "kana full name (half-width)": each(half_width_name),
        "hiragana surname": each(hiragana_surname),
        "kanji surname prefix (2)": each(lambda m: m.name_key[:2]),
        "kanji given-name substring (3+)": each(
            lambda m: _given_substring(m.name_key, given_names)
        ),
        "postal code, no hyphen": each(lambda m: m.postal_code.replace("-", "") or None),
        "email": each(lambda m: m.email or None),
    }


# -- measuring --------------------------------------------------------------------------------
@dataclass
class Timing:
    """Milliseconds per call over ``n`` calls."""

    n: int
    median_ms: float
    p95_ms: float
    p99_ms: float
    max_ms: float

    @classmethod
    def of(cls, samples: list[float]) -> "Timing":
        ordered = sorted(samples)
        if len(ordered) == 1:
            return cls(1, ordered[0], ordered[0], ordered[0], ordered[0])
        cuts = statistics.quantiles(ordered, n=100, method="inclusive")
        return cls(len(ordered), statistics.median(ordered), cuts[94], cuts[98], ordered[-1])


@dataclass
class KindResult:
    kind: str
    example: str
    search: Timing
    page: Timing
    baseline: Timing
    search_queries: int
    page_queries: int
    hits_mean: float
    truncated_share: float
    baseline_hits_mean: float
    page_statuses: dict[str, int]
    slowest: str = ""  # the value of the slowest search() call
    indexes: list[str] = field(default_factory=list)
    seq_scans: list[str] = field(default_factory=list)

    @property
    def ratio(self) -> float:
        return self.baseline.p95_ms / self.search.p95_ms

    @property
    def search_ok(self) -> bool:
        return self.search.p95_ms < GOAL_P95_MS

    @property
    def page_ok(self) -> bool:
        return self.page.p95_ms < GOAL_P95_MS


def timed(
    call: Callable[[str], Any], values: list[str], budget: float | None = None
) -> tuple[list[float], list[Any]]:
    """Milliseconds of ``call(value)`` for each value (stopping after ``budget`` seconds)."""
    samples, outcomes = [], []
    started = time.perf_counter()
    for value in values:
        t0 = time.perf_counter()
        outcome = call(value)
        samples.append((time.perf_counter() - t0) * 1000)
        outcomes.append(outcome)
        if (
            budget is not None
            and len(samples) >= BASELINE_MIN_REPEAT
            and time.perf_counter() - started > budget
        ):
            break
    return samples, outcomes


def admin_baseline(text: str) -> list[Any]:
    """What the admin's ``search_fields`` would run: an OR of icontains, first 50 rows."""
    from django.db.models import Q

    from refunds.models import Member

    q = (
        Q(member_no__icontains=text)
        | Q(name__icontains=text)
        | Q(name_kana__icontains=text)
        | Q(phone__icontains=text)
        | Q(postal_code__icontains=text)
        | Q(email__icontains=text)
    )
    return list(Member.objects.filter(q)[:50])


def count_queries(call: Callable[[], Any]) -> tuple[int, list[str]]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        call()
    return len(ctx.captured_queries), [q["sql"] for q in ctx.captured_queries]


def explain(sql: str, settings_sql: tuple[str, ...] = ()) -> str:
    """The plan of one SELECT, under the session settings the search itself used."""
    from django.db import connection, transaction

    with transaction.atomic(), connection.cursor() as cur:
        for statement in settings_sql:
            cur.execute(statement)
        cur.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
        return "\n".join(row[0] for row in cur.fetchall())


def selects(sqls: list[str]) -> tuple[list[str], tuple[str, ...]]:
    """The SELECTs of a capture, and the SET LOCAL statements that ran with them."""
    settings_sql = tuple(sql for sql in sqls if sql.upper().startswith("SET LOCAL"))
    return [sql for sql in sqls if sql.lstrip().upper().startswith("SELECT")], settings_sql


def measure_kind(kind: str, values: list[str], client: Any, plans: list[str]) -> KindResult:
    from django.urls import reverse

    from refunds.search.query import search

    url = reverse("refunds:search")
    for value in values[:WARMUP]:
        search(value)
        client.get(url, {"q": value})
    search_ms, results = timed(search, values)
    page_ms, responses = timed(lambda v: client.get(url, {"q": v}), values)
    statuses: dict[str, int] = {}
    for response in responses:
        statuses[str(response.status_code)] = statuses.get(str(response.status_code), 0) + 1
    if set(statuses) - {"200", "302"}:
        raise SystemExit(f"{kind}: unexpected page statuses {statuses}")
    base_ms, base_rows = timed(
        admin_baseline, _spread(values, BASELINE_REPEAT), budget=BASELINE_BUDGET_SECONDS
    )

    example = values[0]
    slowest = values[max(range(len(search_ms)), key=search_ms.__getitem__)]
    search_queries, _ = count_queries(lambda: search(example))
    page_queries, _ = count_queries(lambda: client.get(url, {"q": example}))
    indexes: list[str] = []
    seq_scans: list[str] = []
    for label, value in (("example", example), ("slowest", slowest)):
        if label == "slowest" and value == example:
            continue
        _count, sqls = count_queries(lambda v=value: search(v))
        plans.append(
            f"\n{'=' * 100}\n{kind}, {label}: search({value!r}), {len(sqls)} queries\n{'=' * 100}"
        )
        select_sqls, settings_sql = selects(sqls)
        for number, sql in enumerate(select_sqls, start=1):
            plan = explain(sql, settings_sql if "_key" in sql else ())
            plans.append(f"\n-- query {number}\n{sql}\n\n{plan}")
            indexes += [name for name in _INDEX_RE.findall(plan) if name not in indexes]
            if SEQ_SCAN in plan:
                where = sql.partition(" WHERE ")[2] or sql
                took = _EXECUTION_RE.search(plan)
                seq_scans.append(
                    f"{label} {value!r}: WHERE {where} ({took.group(1) if took else '?'} ms)"
                )
    result = KindResult(
        kind=kind,
        example=example,
        search=Timing.of(search_ms),
        page=Timing.of(page_ms),
        baseline=Timing.of(base_ms),
        search_queries=search_queries,
        page_queries=page_queries,
        hits_mean=statistics.mean(len(r.hits) for r in results),
        truncated_share=statistics.mean(1.0 if r.truncated else 0.0 for r in results),
        baseline_hits_mean=statistics.mean(len(rows) for rows in base_rows),
        page_statuses=statuses,
        slowest=slowest,
        indexes=indexes,
        seq_scans=seq_scans,
    )
    step(
        f"  {kind:<32} search p95 {result.search.p95_ms:7.2f} ms, page p95 "
        f"{result.page.p95_ms:7.2f} ms, baseline p95 {result.baseline.p95_ms:9.2f} ms "
        f"({result.baseline.n} runs)"
    )
    return result


def baseline_plan(value: str) -> str:
    _count, sqls = count_queries(lambda: admin_baseline(value))
    return (
        f"\n{'=' * 100}\nbaseline (admin search_fields) for {value!r}\n{'=' * 100}\n"
        + "\n".join(f"\n{sql}\n\n{explain(sql)}" for sql in selects(sqls)[0])
    )


# -- report ---------------------------------------------------------------------------------
def _ms(value: float) -> str:
    return f"{value:,.1f}" if value >= 100 else f"{value:.2f}"


def print_table(results: list[KindResult], members: int) -> None:
    header = (
        "query kind", "example", "search med", "search p95", "search p99", "search max",
        "page med", "page p95", "page p99", "SQL s/p", "hits", "base n", "base med", "base p95",
        "base/ours p95", "p95 < 50 ms",
    )  # fmt: skip
    cells = [header]
    for r in results:
        verdict = (
            "PASS" if r.search_ok and r.page_ok else ("FAIL" if not r.search_ok else "FAIL (page)")
        )
        cells.append(
            (r.kind, r.example, _ms(r.search.median_ms), _ms(r.search.p95_ms),
             _ms(r.search.p99_ms), _ms(r.search.max_ms), _ms(r.page.median_ms),
             _ms(r.page.p95_ms), _ms(r.page.p99_ms), f"{r.search_queries}/{r.page_queries}",
             f"{r.hits_mean:.1f}", str(r.baseline.n), _ms(r.baseline.median_ms),
             _ms(r.baseline.p95_ms), f"{r.ratio:,.1f}x", verdict)
        )  # fmt: skip
    print_aligned(
        f"search benchmark: {members:,} members on PostgreSQL, times in ms "
        f"({REPEAT} values per kind; baseline = admin search_fields, icontains OR, first 50)",
        cells,
    )


def build_rows(results: list[KindResult]) -> list[Row]:
    rows = []
    for r in results:
        rows.append(
            Row(f"{r.kind}: search() p95", r.search.p95_ms, "ms", r.baseline.p95_ms,
                "admin search_fields p95", r.ratio, f"< {GOAL_P95_MS:g} ms", r.search_ok)
        )  # fmt: skip
        rows.append(
            Row(f"{r.kind}: page p95", r.page.p95_ms, "ms", None, "", None,
                f"< {GOAL_P95_MS:g} ms", r.page_ok)
        )  # fmt: skip
    return rows


def write_results(
    members: int, results: list[KindResult], rows: list[Row], extra: dict[str, Any]
) -> None:
    kinds = {
        r.kind: dict(
            asdict(r), ratio_baseline_p95=r.ratio, search_ok=r.search_ok, page_ok=r.page_ok
        )
        for r in results
    }
    merge_results(
        "search",
        lambda _previous: rounded(
            {
                "members": members,
                "measured_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
                "database": PG_DB,
                "repeat": REPEAT,
                "goal_p95_ms": GOAL_P95_MS,
                "metrics": [asdict(row) for row in rows],
                "kinds": kinds,
                **extra,
            }
        ),
    )


def _setup_django() -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.update(
        DJANGO_SETTINGS_MODULE="config.settings.local", DJANGO_DEBUG="0", DATABASE_URL=PG_URL
    )
    hosts = [h for h in os.environ.get("DJANGO_ALLOWED_HOSTS", "").split(",") if h]
    hosts += [h for h in ("testserver", "127.0.0.1", "localhost") if h not in hosts]
    os.environ["DJANGO_ALLOWED_HOSTS"] = ",".join(hosts)
    import django

    django.setup()


def ensure_database() -> tuple[dict[str, float], Any]:
    """Django set up on the bench database, built or reused, with its cases and staff user.

    The seconds spent per step and the user; ``bench_load.py`` starts from here too.
    """
    _setup_django()
    spent = prepare()
    return spent, make_cases_and_user()


def main() -> int:
    started = time.perf_counter()
    spent, user = ensure_database()
    from django.db import connection
    from django.test import Client

    (members,) = pg_query("SELECT COUNT(*) FROM refunds_member")[0]
    values = query_values()
    client = Client()
    client.force_login(user)
    load_before = os.getloadavg()[0]
    step(f"timing {len(values)} kinds, 1-min load average {load_before:.2f}")
    plans: list[str] = [
        f"EXPLAIN (ANALYZE, BUFFERS) of search() at {members:,} members "
        f"({time.strftime('%Y-%m-%d %H:%M:%S')}, database {PG_DB})"
    ]
    results = [measure_kind(kind, vals, client, plans) for kind, vals in values.items() if vals]
    plans.append(baseline_plan(values["member number"][0]))
    connection.close()
    PLANS.parent.mkdir(parents=True, exist_ok=True)
    PLANS.write_text("\n".join(plans) + "\n", encoding="utf-8")

    rows = build_rows(results)
    print_table(results, members)
    print(f"\nplans: {PLANS.relative_to(ROOT)}")
    for r in results:
        print(
            f"  {r.kind:<32} slowest search() {_ms(r.search.max_ms):>7} ms for {r.slowest!r}; "
            f"indexes: {', '.join(r.indexes) or '-'}"
        )
    for r in results:
        for where in r.seq_scans:
            print(f"  {SEQ_SCAN} in {r.kind}, {where}")
    if not any(r.seq_scans for r in results):
        print(f"  no search() plan contains '{SEQ_SCAN}'")
    load_after = os.getloadavg()[0]
    total = time.perf_counter() - started
    print(f"\n1-min load average: {load_before:.2f} before, {load_after:.2f} after timing")
    print(f"total run time: {total:.1f}s (data preparation {spent['total']:.1f}s)")
    write_results(
        members,
        results,
        rows,
        {"prepare_seconds": spent, "load_before": load_before, "load_after": load_after,
         "total_seconds": total},
    )  # fmt: skip
    missed = [row.metric for row in rows if row.passed is False]
    if missed:
        print(f"goals missed: {', '.join(missed)}")
    return 1 if missed and os.environ.get("BENCH_STRICT") == "1" else 0


if __name__ == "__main__":
    sys.exit(main())
