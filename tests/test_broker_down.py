"""Redis down: the page says background jobs are unavailable, nothing waits or holds a lock, and
the same action works again once the broker is back."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from config.celery_app import app
from refunds.models import DetectionRun, ImportBatch, RemediationProgram

pytestmark = pytest.mark.django_db(transaction=True)


def _fresh_pool() -> None:
    """Drop the connections made with the previous broker address."""
    app._pool = None
    app.amqp._producer_pool = None


@pytest.fixture
def broker_down(settings):
    saved = (app.conf.task_always_eager, app.conf.broker_url, app.conf.broker_transport_options)
    app.conf.task_always_eager = False
    app.conf.broker_url = "redis://127.0.0.1:1/0"  # nothing listens there
    app.conf.broker_transport_options = {"max_retries": 0}
    app.conf.task_publish_retry = False
    _fresh_pool()
    yield
    app.conf.task_always_eager, app.conf.broker_url, app.conf.broker_transport_options = saved
    app.conf.task_publish_retry = True
    _fresh_pool()


def test_an_upload_while_redis_is_down(admin_client_role, data_dir, broker_down):
    admin_client_role.cookies["django_language"] = "en"
    upload = SimpleUploadedFile("members.csv", (data_dir / "members.csv").read_bytes())
    response = admin_client_role.post(
        reverse("refunds:import_create"), {"kind": "members", "file": upload, "encoding": "auto"}
    )
    assert response.status_code == 200
    assert "Background jobs are unavailable" in response.content.decode()
    batch = ImportBatch.objects.get()
    assert batch.status == "failed" and batch.file  # the file is kept, the lock is free


def test_a_detection_run_while_redis_is_down(admin_client_role, broker_down):
    admin_client_role.cookies["django_language"] = "en"
    program = RemediationProgram.objects.first()
    response = admin_client_role.post(
        reverse("refunds:detection"), {"program": program.pk}, follow=True
    )
    assert "Background jobs are unavailable" in response.content.decode()
    assert DetectionRun.objects.get().status == "failed"  # the program is free for a new run
