"""Redis down: the page says background jobs are unavailable, nothing waits or holds a lock, and
the same action works again once the broker is back."""

import contextlib
import socket
import threading
import time

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
def broker_at(settings):
    """Point the app at another broker address with the product's own publishing settings."""
    saved = (app.conf.task_always_eager, app.conf.broker_url)

    def point(url: str) -> None:
        app.conf.task_always_eager = False
        app.conf.broker_url = url
        _fresh_pool()

    yield point
    app.conf.task_always_eager, app.conf.broker_url = saved
    _fresh_pool()


@pytest.fixture
def broker_down(broker_at):
    broker_at("redis://127.0.0.1:1/0")  # nothing listens there


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


class _Proxy:
    """A TCP relay to Redis that can be cut, as a Redis that goes away on a running site."""

    def __init__(self, port: int) -> None:
        self.target = ("127.0.0.1", port)
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.sockets: list[socket.socket] = []
        self.is_cut = False
        self.is_silent = False
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _address = self.listener.accept()
            except OSError:
                return
            if self.is_cut:
                client.close()
                return
            if self.is_silent:  # taken, and never answered
                self.sockets.append(client)
                continue
            upstream = socket.create_connection(self.target)
            self.sockets += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    def _pipe(self, source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                if not self.is_silent:
                    sink.sendall(data)
        except OSError:
            pass

    def silence(self) -> None:
        """Redis that stops answering (a host gone, a network cut): nothing comes back."""
        self.is_silent = True

    def cut(self) -> None:
        self.is_cut = True
        with contextlib.suppress(OSError):  # wakes the thread blocked in accept()
            self.listener.shutdown(socket.SHUT_RDWR)
        self.listener.close()
        for sock in self.sockets:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()


def _redis_port() -> int | None:
    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=0.5).close()
    except OSError:
        return None
    return 6379


@pytest.mark.parametrize("how", ["refused", "silent"])
def test_redis_lost_after_a_first_task_is_told_in_seconds(
    admin_client_role, data_dir, broker_at, how
):
    """A web process that has sent a task holds pooled connections; Redis going away after
    that (refusing connections, or no longer answering at all) is caught at the next hand-off
    within seconds, whatever the library would retry."""
    port = _redis_port()
    if port is None:
        pytest.skip("needs Redis on 127.0.0.1:6379 (CI has it)")
    proxy = _Proxy(port)
    broker_at(f"redis://127.0.0.1:{proxy.port}/15")
    from refunds.queue import DASHBOARD_REFRESH, send

    send(DASHBOARD_REFRESH, on_failure=lambda message: None)  # a first task, through the pool
    proxy.cut() if how == "refused" else proxy.silence()
    admin_client_role.cookies["django_language"] = "en"
    upload = SimpleUploadedFile("members.csv", (data_dir / "members.csv").read_bytes())
    started = time.monotonic()
    response = admin_client_role.post(
        reverse("refunds:import_create"), {"kind": "members", "file": upload, "encoding": "auto"}
    )
    elapsed = time.monotonic() - started
    assert response.status_code == 200
    assert "Background jobs are unavailable" in response.content.decode()
    assert ImportBatch.objects.get().status == "failed"
    assert elapsed < 10, f"the page waited {elapsed:.1f}s"
    import redis

    redis.Redis(port=port, db=15).flushdb()  # the first task, never to be run


def test_jobs_no_worker_took_are_failed_and_free_the_lock(supervisor_client, settings):
    import datetime

    from django.utils import timezone

    from refunds.models import AuditEvent, ExportJob
    from tests.factories import UserFactory

    old = timezone.now() - datetime.timedelta(seconds=settings.JOB_QUEUE_TIMEOUT_SECONDS + 60)
    batch = ImportBatch.objects.create(kind="members", file_name="m.csv", status="queued")
    job = ExportJob.objects.create(
        created_by=UserFactory(roles=["supervisor"]), list_name="refunds:case_list", format="csv"
    )
    ImportBatch.objects.filter(pk=batch.pk).update(created_at=old)
    ExportJob.objects.filter(pk=job.pk).update(created_at=old)
    fresh = ImportBatch.objects.create(kind="billing", file_name="b.csv", status="queued")
    # The import's page says so (a site with no worker has nobody to run the beat's task).
    page = supervisor_client.get(reverse("refunds:import_detail", args=[batch.pk]))
    assert page.status_code == 200
    batch.refresh_from_db()
    job.refresh_from_db()
    fresh.refresh_from_db()
    assert batch.status == job.status == "failed" and batch.message == job.message != ""
    assert fresh.status == "queued"  # not old enough yet
    timed_out = AuditEvent.objects.filter(action="job.timed_out")
    assert sorted(timed_out.values_list("object_type", flat=True)) == [
        "refunds.exportjob",
        "refunds.importbatch",
    ]
    # The members import's lock is free: a new one can start.
    ImportBatch.objects.create(kind="members", file_name="again.csv", status="queued")
