"""The import lock: one open import per kind; a batch that died frees it after a while."""

import io
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from refunds.models import ImportBatch, ImportStatus

pytestmark = pytest.mark.django_db


def test_an_abandoned_import_frees_the_lock(tmp_path, settings):
    settings.IMPORT_STALE_AFTER_SECONDS = 60
    dead = ImportBatch.objects.create(
        kind="tariffs", file_name="old.csv", status=ImportStatus.RUNNING
    )
    ImportBatch.objects.filter(pk=dead.pk).update(
        created_at=timezone.now() - timedelta(minutes=5),
        started_at=timezone.now() - timedelta(minutes=5),
    )
    path = tmp_path / "t.csv"
    path.write_text("course,plan,area,valid_from,monthly_fee_yen\nX,p,east,2005-04-01,100\n")
    call_command("import_csv", "tariffs", str(path), stdout=io.StringIO())
    dead.refresh_from_db()
    assert dead.status == ImportStatus.FAILED and dead.message
    assert ImportBatch.objects.latest("id").status == ImportStatus.SUCCEEDED


def test_imports_of_different_kinds_may_run_together(tmp_path):
    ImportBatch.objects.create(kind="billing", file_name="b.csv", status=ImportStatus.RUNNING)
    path = tmp_path / "t.csv"
    path.write_text("course,plan,area,valid_from,monthly_fee_yen\nX,p,east,2005-04-01,100\n")
    call_command("import_csv", "tariffs", str(path), stdout=io.StringIO())
    assert ImportBatch.objects.filter(status=ImportStatus.SUCCEEDED).count() == 1


def test_every_import_writes_an_audit_event(tmp_path):
    from refunds.models import AuditEvent

    path = tmp_path / "t.csv"
    path.write_text("course,plan,area,valid_from,monthly_fee_yen\nX,p,east,2005-04-01,100\n")
    call_command("import_csv", "tariffs", str(path), stdout=io.StringIO())
    event = AuditEvent.objects.get(action="import.finished")
    assert event.changes["created"] == 1
    with pytest.raises(PermissionError):
        event.delete()
