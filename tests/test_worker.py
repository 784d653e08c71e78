"""An upload handed to a real Celery worker over Redis."""

import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from refunds.models import ImportBatch, ImportStatus, Member
from refunds.services.imports import import_enqueue
from tests.factories import UserFactory

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def test_upload_is_imported_by_a_real_worker(celery_worker_process, data_dir):
    user = UserFactory(username="admin-w", roles=["admin"])
    upload = SimpleUploadedFile("members.csv", (data_dir / "members.csv").read_bytes())
    batch = import_enqueue(kind="members", upload=upload, user=user)
    deadline = time.monotonic() + 60
    while batch.is_open and time.monotonic() < deadline:
        time.sleep(0.2)
        batch.refresh_from_db()
    assert batch.status == ImportStatus.SUCCEEDED, batch.message
    assert (batch.created, batch.rejected, batch.encoding) == (400, 0, "cp932")
    assert Member.objects.count() == 400
    assert ImportBatch.objects.count() == 1


def test_detection_runs_on_a_real_worker(celery_worker_process, data_dir):
    import io

    from django.core.management import call_command

    from refunds.models import Case, RemediationProgram
    from refunds.services.detection import detection_start
    from refunds.tasks import detection_run_task

    for kind in ("members", "contracts", "tariffs", "billing"):
        call_command("import_csv", kind, str(data_dir / f"{kind}.csv"), stdout=io.StringIO())
    run = detection_start(program=RemediationProgram.objects.get(code="SONET-HIKARI-2010"))
    detection_run_task.delay(run.pk).get(timeout=60)
    deadline = time.monotonic() + 60
    while run.status == "running" and time.monotonic() < deadline:
        time.sleep(0.2)
        run.refresh_from_db()
    assert run.status == "succeeded", run.message
    assert run.chunks_total == run.chunks_done > 1  # fanned out as a chord
    assert (run.created, Case.objects.count()) == (100, 100)
