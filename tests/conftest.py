import importlib
import os
import types
from pathlib import Path

import pytest
from django.test import Client

from tests.factories import UserFactory

# The sync Playwright API runs an event loop in the test thread.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

DATA = Path(__file__).parent / "data"
ROLES = ("staff", "supervisor", "admin")


@pytest.fixture(autouse=True)
def fresh_rate_limits():
    """The portal's rate-limit windows start empty in every test."""
    from django.core.cache import caches

    caches["ratelimit"].clear()
    yield


@pytest.fixture(autouse=True)
def english_messages():
    """Messages produced in the test thread are asserted on in English.

    Pages fetched with a client follow the product's own rule (Japanese unless switched).
    """
    from django.utils import translation

    with translation.override("en"):
        yield


@pytest.fixture
def data_dir() -> Path:
    return DATA


@pytest.fixture
def staff_user(db):
    return UserFactory(username="staff1", roles=["staff"])


@pytest.fixture
def supervisor_user(db):
    return UserFactory(username="super1", roles=["supervisor"])


@pytest.fixture
def admin_user(db):
    return UserFactory(username="admin1", roles=["admin"])


def _client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def staff_client(staff_user) -> Client:
    return _client_for(staff_user)


@pytest.fixture
def supervisor_client(supervisor_user) -> Client:
    return _client_for(supervisor_user)


@pytest.fixture
def admin_client_role(admin_user) -> Client:
    return _client_for(admin_user)


@pytest.fixture
def role_client(request, db) -> Client | None:
    """A client logged in with the role named by the parameter (None: anonymous)."""
    role = request.param
    if role == "anonymous":
        return Client()
    return _client_for(UserFactory(username=f"{role}-user", roles=[role]))


# -- a real Celery worker on Redis -----------------------------------------------------------
class WorkerProcess:
    """``celery worker -P solo`` as a child process: started, killed and restarted by tests."""

    ARGS = (
        "-A",
        "config",
        "worker",
        "-P",
        "solo",
        "--without-gossip",
        "--without-mingle",
        "-l",
        "info",
    )

    def __init__(self, env: dict[str, str], log_path: Path) -> None:
        self.env = env
        self.log_path = log_path
        self.process = None
        self.log = None

    def start(self, app) -> None:
        import subprocess
        import sys
        import time

        self.log = self.log_path.open("a")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "celery", *self.ARGS],
            env=self.env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            cwd=Path(__file__).parent.parent,
        )
        deadline = time.monotonic() + 30
        while not app.control.ping(timeout=0.5):
            if self.process.poll() is not None or time.monotonic() > deadline:
                pytest.fail("the Celery worker did not start: " + self.log_path.read_text())

    def kill(self) -> None:
        """SIGKILL: no warm shutdown, nothing acknowledged or handed back to the broker."""
        import signal

        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=20)
        self.log.close()

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=20)
        if self.log is not None:
            self.log.close()


@pytest.fixture
def celery_worker_process(db, settings, tmp_path):
    """Start ``celery worker`` against Redis and the test database; route tasks to it."""
    import socket
    import subprocess

    from django.db import connection

    from config.celery_app import app

    broker = os.environ.get("TEST_CELERY_BROKER_URL", "redis://127.0.0.1:6379/15")
    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=1).close()
    except OSError:
        if os.environ.get("REQUIRE_WORKER"):
            pytest.fail("Redis is not running on 127.0.0.1:6379")
        pytest.skip("needs Redis on 127.0.0.1:6379 (redis-server --daemonize yes); CI runs it")
    db = connection.settings_dict
    if db["ENGINE"].endswith("sqlite3"):
        database_url = f"sqlite:///{db['NAME']}"
    else:
        database_url = (
            f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
        )
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.local",
        "DATABASE_URL": database_url,
        "CELERY_BROKER_URL": broker,
        "CELERY_RESULT_BACKEND": broker,
        "CACHE_URL": "locmemcache://",
        "DETECTION_CHUNK_CONTRACTS": "40",
        "DJANGO_MEDIA_ROOT": str(settings.MEDIA_ROOT),
    }
    subprocess.run(
        ["redis-cli", "-n", broker.rsplit("/", 1)[-1], "flushdb"], check=False, capture_output=True
    )
    worker = WorkerProcess(env, tmp_path / "worker.log")
    saved = dict(app.conf)
    app.conf.update(task_always_eager=False, broker_url=broker, result_backend=broker)
    _forget_connections(app)
    try:
        worker.start(app)
        yield worker
    finally:
        worker.stop()
        app.conf.update(
            task_always_eager=saved["task_always_eager"],
            broker_url=saved["broker_url"],
            result_backend=saved["result_backend"],
        )
        _forget_connections(app)


def _forget_connections(app) -> None:
    """Drop pooled broker connections and the result backend made for another broker URL."""
    import threading

    app._pool = None
    if "amqp" in app.__dict__:
        app.__dict__["amqp"]._producer_pool = None
    app._local = threading.local()


@pytest.fixture(autouse=True)
def append_only_triggers(request):
    """The append-only triggers are in place for every test; a transactional test lifts them
    just before its flush (which deletes every row) and the next test puts them back."""
    marker = request.node.get_closest_marker("django_db")
    if marker is None:
        yield
        return
    from django.db import connection

    # The migration that installs them, run forward and back on the test database.
    triggers = importlib.import_module("refunds.migrations.0013_append_only_triggers")
    editor = types.SimpleNamespace(connection=connection)
    transactional = marker.kwargs.get("transaction", False)
    request.getfixturevalue("transactional_db" if transactional else "db")
    triggers.install(None, editor)
    yield
    if transactional:
        triggers.remove(None, editor)


@pytest.fixture
def people(db):
    """A staff member who prepares and two supervisors who decide (review and payments)."""
    return {
        "staff": UserFactory(username="prep", roles=["staff"]),
        "a": UserFactory(username="sup-a", roles=["supervisor"]),
        "b": UserFactory(username="sup-b", roles=["supervisor"]),
        "qa": UserFactory(username="sup-qa", roles=["supervisor"]),
    }
