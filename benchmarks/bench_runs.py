"""Benchmark of a payment run on PostgreSQL: build, release and reconcile N approved cases, and
the audit log's hash chain.

For each size in ``BENCH_RUNS_SIZES`` (approved cases, default ``1000,100000``) a process of its
own (``--size N``) recreates the database ``refund_desk_bench_runs`` (``manage.py migrate``),
writes N members, contracts, approved category 3 cases and their bank-transfer claims with
``bulk_create`` (untimed), then times, through the services the pages call and with the SQL
queries of each step counted (``CaptureQueriesContext``):

1. ``batch_create`` (a supervisor builds the run's proposal of every approved case);
2. ``batch_export`` (another supervisor releases it: the Zengin file is written, the cases
   move to ``in_payment``, the audit events are written in bulk);
3. the Zengin writer alone on the same payments (``zengin.write_transfer_file``), the floor of
   step 2;
4. ``batch_apply_result_file`` of the bank's own result file (Zengin records, every result code
   0, paid), by the builder;
5. ``audit_seal`` (the hash chain takes in the run's events) and ``audit_verify``.

Then ``BENCH_RUNS_AUDIT_EVENTS`` (default 1,000,000) audit events are added with one
``INSERT … SELECT generate_series`` and sealed and verified, for the chain's rate at that size.

The queries of a step grow with the number of chunks of 2,000 rows it writes (locks, inserts,
updates), never with the rows one by one: the table prints them with the chunks. Results are
printed and merged into ``benchmarks/results.json`` under ``runs``.

Reproduce: ``make bench-runs`` (PostgreSQL at ``BENCH_PG_SERVER``).
"""

import json
import os
import subprocess
import sys
import time
from typing import Any

from common import BENCH_DIR, MANAGE, PYTHON, ROOT, merge_results, print_aligned, rounded, step

SIZES = [int(s) for s in os.environ.get("BENCH_RUNS_SIZES", "1000,100000").split(",")]
AUDIT_EVENTS = int(os.environ.get("BENCH_RUNS_AUDIT_EVENTS", "1000000"))
PG_SERVER = os.environ.get("BENCH_PG_SERVER", "postgres://postgres@127.0.0.1:5432")
PG_DB = os.environ.get("BENCH_RUNS_DB", "refund_desk_bench_runs")
CHUNK = 2000


def _env() -> dict[str, str]:
    return dict(
        os.environ,
        DJANGO_SETTINGS_MODULE="config.settings.local",
        DJANGO_DEBUG="0",
        DATABASE_URL=f"{PG_SERVER}/{PG_DB}",
        CELERY_BROKER_URL="",
        CACHE_URL="locmemcache://",
        LOG_LEVEL=os.environ.get("LOG_LEVEL", "WARNING"),
        PYTHONPATH=os.pathsep.join([str(ROOT), str(BENCH_DIR)]),
        DJANGO_MEDIA_ROOT=str(ROOT / "var" / "bench" / "media"),
    )


def fresh_database() -> None:
    import psycopg2

    conn = psycopg2.connect(f"{PG_SERVER}/postgres")
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute(f'DROP DATABASE IF EXISTS "{PG_DB}" WITH (FORCE)')
        cur.execute(f'CREATE DATABASE "{PG_DB}"')
    conn.close()
    subprocess.run([PYTHON, MANAGE, "migrate", "--noinput"], env=_env(), cwd=ROOT, check=True,
                   capture_output=True)  # fmt: skip


# -- in the child process ---------------------------------------------------------------------


def _timed(label: str, work: Any) -> tuple[Any, dict[str, Any]]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    started = time.perf_counter()
    with CaptureQueriesContext(connection) as queries:
        result = work()
    seconds = time.perf_counter() - started
    step(f"  {label}: {seconds:.2f}s, {len(queries.captured_queries)} queries")
    return result, {"seconds": seconds, "queries": len(queries.captured_queries)}


def _data(size: int) -> dict[str, Any]:
    import datetime

    from django.utils import timezone

    from accounts.models import User
    from refunds.models import Case, Claim, Contract, Member, RemediationProgram
    from tests.factories import UserFactory

    program = RemediationProgram.objects.get(code="SONET-HIKARI-2010")
    program.qa_rate_percent = 0
    program.save(update_fields=["qa_rate_percent"])
    people = {role: UserFactory(username=role, roles=["supervisor"]) for role in ("a", "b")}
    staff = UserFactory(username="prep", roles=["staff"])
    members = Member.objects.bulk_create(
        (
            Member(member_no=f"SN{i:08d}", name="山田 太郎", name_kana="ヤマダ タロウ",
                   status="withdrawn", withdrawn_on=datetime.date(2009, 8, 1))
            for i in range(size)
        ),
        batch_size=CHUNK,
    )  # fmt: skip
    contracts = Contract.objects.bulk_create(
        (
            Contract(contract_no=f"C{i:09d}", member=m, course="HIKARI_FLETS", plan="family",
                     area="east", applied_on=datetime.date(2006, 1, 1),
                     ended_on=datetime.date(2009, 6, 30))
            for i, m in enumerate(members)
        ),
        batch_size=CHUNK,
    )  # fmt: skip
    now = timezone.now() - datetime.timedelta(days=1)
    cases = Case.objects.bulk_create(
        (
            Case(case_no=f"SH10-{i + 1:06d}", program=program, program_code=program.code,
                 contract=c, member=c.member, category=3, computed_amount_yen=6720,
                 amount_yen=6720, status="approved", prepared_by=staff, prepared_at=now,
                 approved_by=people["a"], approved_at=now)
            for i, c in enumerate(contracts)
        ),
        batch_size=CHUNK,
    )  # fmt: skip
    Claim.objects.bulk_create(
        (
            Claim(case=case, member=case.member, channel="letter", received_at=now,
                  method="bank_transfer", bank_code="0005", bank_name="三菱ＵＦＪ",
                  branch_code="001", branch_name="本店", account_type="1",
                  account_number=f"{i % 10_000_000:07d}", holder_name="ﾔﾏﾀﾞ ﾀﾛｳ",
                  created_by=staff)
            for i, case in enumerate(cases)
        ),
        batch_size=CHUNK,
    )  # fmt: skip
    del members, contracts, cases
    return {"a": people["a"], "b": people["b"], "users": User.objects.count()}


def child(size: int) -> dict[str, Any]:
    import django

    django.setup()
    from django.db import connection

    from refunds import bankdays
    from refunds.services import audit, payments

    started = time.perf_counter()
    people = _data(size)
    prepare = time.perf_counter() - started
    step(f"  {size:,} approved cases written in {prepare:.1f}s")
    day = bankdays.earliest_transfer_date()
    results: dict[str, Any] = {"size": size, "prepare_seconds": prepare}
    run, results["build"] = _timed(
        "build",
        lambda: payments.batch_create(method="bank_transfer", user=people["a"], transfer_date=day),
    )
    run, results["release"] = _timed(
        "release", lambda: payments.batch_export(batch=run, user=people["b"])
    )
    items = list(run.items.select_related("case").order_by("pk"))
    _file, results["zengin_writer"] = _timed(
        "Zengin writer alone", lambda: payments._file_for(run, items)
    )
    # The bank's own result file: the run's records, each with result code 0 (paid) at byte 113.
    run.file.open("rb")
    records = run.file.read().split(b"\r\n")
    run.file.close()
    data = b"\r\n".join(r[:112] + b"0" + r[113:] if r[:1] == b"2" else r for r in records)
    (_kept, outcome), results["results"] = _timed(
        "results applied",
        lambda: payments.batch_apply_result_file(
            batch=run, user=people["a"], data=data, file_name="kekka.txt"
        ),
    )
    assert not outcome.errors and outcome.paid == size, outcome.errors[:3]
    sealed, results["seal"] = _timed("audit seal", audit.audit_seal)
    (checked, broken), results["verify"] = _timed("audit verify", audit.audit_verify)
    assert broken is None and checked == sealed
    results["events"] = checked
    if AUDIT_EVENTS and size == max(SIZES):
        with connection.cursor() as cursor:
            mark = time.perf_counter()
            cursor.execute(
                "INSERT INTO refunds_auditevent (actor_id, action, created_at, object_type, "
                "object_id, object_repr, changes, reason) SELECT NULL, 'case.updated', now(), "
                "'refunds.case', n::text, 'SH10-' || n, jsonb_build_object('n', n), '' "
                "FROM generate_series(1, %s) n",
                [AUDIT_EVENTS],
            )
            step(f"  {AUDIT_EVENTS:,} audit events inserted in {time.perf_counter() - mark:.1f}s")
        sealed, results["seal_events"] = _timed(f"seal {AUDIT_EVENTS:,} events", audit.audit_seal)
        (checked, broken), results["verify_events"] = _timed(
            f"verify {checked + sealed:,} links", audit.audit_verify
        )
        assert broken is None
        results["chain_links"] = checked
    return results


# -- the parent ----------------------------------------------------------------------------------


def main() -> int:
    if sys.argv[1:2] == ["--size"]:
        print(json.dumps(child(int(sys.argv[2]))))
        return 0
    runs = []
    for size in SIZES:
        step(f"size {size:,}: fresh database {PG_DB}, migrate")
        fresh_database()
        proc = subprocess.run([PYTHON, __file__, "--size", str(size)], env=_env(), cwd=ROOT,
                              capture_output=True, text=True)  # fmt: skip
        print("\n".join(proc.stdout.strip().splitlines()[:-1]), flush=True)
        if proc.returncode != 0:
            raise SystemExit(f"size {size} failed:\n{proc.stderr[-4000:]}")
        runs.append(json.loads(proc.stdout.strip().splitlines()[-1]))
    steps = ["build", "release", "zengin_writer", "results", "seal", "verify"]
    cells = [("step", *(f"{r['size']:,}: s" for r in runs), *(f"{r['size']:,}: SQL" for r in runs),
              "SQL per 2,000 rows (largest)")]  # fmt: skip
    for name in steps:
        largest = runs[-1][name]["queries"] / max(runs[-1]["size"] / CHUNK, 1)
        cells.append((name, *(f"{r[name]['seconds']:.2f}" for r in runs),
                      *(str(r[name]["queries"]) for r in runs), f"{largest:.1f}"))  # fmt: skip
    print_aligned("a payment run on PostgreSQL: seconds and SQL queries per step", cells)
    last = runs[-1]
    if "seal_events" in last:
        rate = last["chain_links"] / last["verify_events"]["seconds"]
        print(f"\naudit chain: sealed {AUDIT_EVENTS:,} events in "
              f"{last['seal_events']['seconds']:.1f}s, verified {last['chain_links']:,} links "
              f"in {last['verify_events']['seconds']:.1f}s ({rate:,.0f} links/s)")  # fmt: skip
    merge_results(
        "runs",
        lambda _previous: rounded(
            {
                "measured_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
                "load_average": os.getloadavg()[0],
                "sizes": runs,
            }
        ),
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
