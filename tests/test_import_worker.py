"""An upload handed to a real Celery worker over Redis."""

import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from refunds.models import ImportBatch, ImportStatus, Member
from refunds.services.imports import import_enqueue
from tests.factories import UserFactory

pytestmark = pytest.mark.worker


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
