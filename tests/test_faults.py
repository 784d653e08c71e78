"""Faults survived with a real Celery worker on Redis: a worker killed in the middle of a
detection run, a database connection dropped in the middle of an import.

The broker-down case (Redis stopped) is in test_broker_down.py.
"""

import csv
import io
import threading
import time
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection
from django.utils import translation

from refunds.demo import generate
from refunds.models import (
    AuditEvent,
    BillingLine,
    Case,
    DetectionRun,
    ImportBatch,
    ImportStatus,
    RemediationProgram,
    RunStatus,
)
from refunds.services.detection import detection_start
from refunds.services.imports import import_enqueue
from refunds.tasks import detection_run_task
from tests.factories import UserFactory

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

PROGRAM = "SONET-HIKARI-2010"


def _wait(predicate, *, timeout: float, what: str, interval: float = 0.05):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    pytest.fail(f"timed out waiting for {what}")


def _expected(directory: Path) -> set[tuple[str, int, int]]:
    with (directory / "expected_cases.csv").open(encoding="utf-8") as fh:
        return {
            (row["contract_no"], int(row["category"]), int(row["amount_yen"]))
            for row in csv.DictReader(fh)
        }


def _cases() -> list[tuple[str, int, int]]:
    return list(
        Case.objects.filter(program_code=PROGRAM).values_list(
            "contract__contract_no", "category", "amount_yen"
        )
    )


def _stopped_message_in(message: str, language: str) -> bool:
    """The batch's message is the translated 'the database stopped the import' sentence."""
    with translation.override(language):
        template = translation.gettext(
            "the database stopped the import (%(error)s); nothing of this file was kept, "
            "import it again"
        )
    head, tail = template.split("%(error)s")
    return message.startswith(head) and message.endswith(tail)


@pytest.fixture
def scenario(tmp_path) -> Path:
    """A generated scenario big enough for a detection run of many chunks."""
    directory = tmp_path / "scenario"
    generate(directory, members=1500, seed=8)
    for kind in ("members", "contracts", "tariffs", "billing"):
        call_command("import_csv", kind, str(directory / f"{kind}.csv"), stdout=io.StringIO())
    return directory


def test_worker_killed_mid_detection_then_rerun_gives_the_clean_case_set(
    celery_worker_process, scenario, settings
):
    from config.celery_app import app

    expected = _expected(scenario)
    program = RemediationProgram.objects.get(code=PROGRAM)
    run = detection_start(program=program)
    detection_run_task.delay(run.pk)

    def some_chunks_done():
        run.refresh_from_db()
        return run.chunks_total and 2 <= run.chunks_done < run.chunks_total - 2

    _wait(some_chunks_done, timeout=120, what="the run to be part-way", interval=0.01)
    celery_worker_process.kill()

    run.refresh_from_db()
    assert run.status == RunStatus.RUNNING  # nobody closed it: the worker died
    partial = _cases()
    assert 0 < len(partial) < len(expected)
    assert set(partial) <= expected

    # The dead run frees its lock once it has shown no sign of life for the stale period;
    # the chunks still queued for it do nothing when a worker picks them up.
    settings.DETECTION_STALE_AFTER_SECONDS = 1
    time.sleep(1.5)
    rerun = detection_start(program=program)
    run.refresh_from_db()
    assert run.status == RunStatus.FAILED and "abandoned" in run.message

    celery_worker_process.start(app)
    detection_run_task.delay(rerun.pk)

    def finished():
        rerun.refresh_from_db()
        return rerun.status != RunStatus.RUNNING

    _wait(finished, timeout=180, what="the re-run to finish", interval=0.1)
    assert rerun.status == RunStatus.SUCCEEDED, rerun.message
    assert rerun.created == len(expected) - len(partial)

    cases = _cases()
    assert len(cases) == len(set(cases)) == len(expected)  # no duplicate, none lost
    assert set(cases) == expected
    numbers = list(Case.objects.values_list("case_no", flat=True))
    assert len(numbers) == len(set(numbers))
    created = AuditEvent.objects.filter(action="case.created").values_list("object_id", flat=True)
    assert sorted(map(int, created)) == sorted(Case.objects.values_list("pk", flat=True))
    assert DetectionRun.objects.filter(status=RunStatus.RUNNING).count() == 0


@pytest.mark.skipif(
    "connection.vendor != 'postgresql'", reason="drops a PostgreSQL backend connection"
)
def test_connection_dropped_mid_import_leaves_nothing_and_the_retry_imports_it_whole(
    celery_worker_process, scenario, tmp_path
):
    """The worker's database connection is terminated while it is writing billing lines."""
    before = BillingLine.objects.count()
    BillingLine.objects.all().delete()
    assert before > 0
    content = (scenario / "billing.csv").read_bytes()
    admin = UserFactory(username="admin-f", roles=["admin"])

    killed: list[int] = []

    def terminate_the_import_backend():
        with connection.cursor() as cursor:
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline and not killed:
                cursor.execute(
                    "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
                    "AND pid <> pg_backend_pid() AND state = 'active' "
                    "AND (query ILIKE 'COPY%%' OR query ILIKE 'INSERT INTO refunds_billingline%%')"
                )
                for (pid,) in cursor.fetchall():
                    cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
                    killed.append(pid)
                time.sleep(0.005)
        connection.close()

    watcher = threading.Thread(target=terminate_the_import_backend)
    watcher.start()
    batch = import_enqueue(
        kind="billing", upload=SimpleUploadedFile("billing.csv", content), user=admin
    )
    watcher.join()
    assert killed, "the import's connection was never seen writing"

    def settled():
        batch.refresh_from_db()
        return not batch.is_open

    _wait(settled, timeout=120, what="the interrupted import to be closed", interval=0.1)
    assert batch.status == ImportStatus.FAILED
    assert any(_stopped_message_in(batch.message, language) for language in ("en", "ja")), (
        batch.message
    )
    assert BillingLine.objects.count() == 0  # nothing of it stays behind

    retry = import_enqueue(
        kind="billing", upload=SimpleUploadedFile("billing.csv", content), user=admin
    )

    def done():
        retry.refresh_from_db()
        return not retry.is_open

    _wait(done, timeout=180, what="the retried import", interval=0.1)
    assert retry.status == ImportStatus.SUCCEEDED, retry.message
    assert BillingLine.objects.count() == before
    assert retry.created == before
    assert ImportBatch.objects.filter(kind="billing").count() == 3  # scenario + failed + retry
