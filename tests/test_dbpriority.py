"""A process at a lower CPU priority gives its PostgreSQL sessions the same (refunds.dbpriority)."""

import os

import pytest
from django.db import connection, connections

from refunds import dbpriority

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def prioritize():
    if connection.vendor != "postgresql":
        pytest.skip("a PostgreSQL backend's priority; run with DATABASE_URL=postgres://… (CI does)")
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regprocedure('get_backend_priority(integer)') IS NOT NULL")
        present = cursor.fetchone()[0]
    if not present:
        if os.environ.get("CI"):
            pytest.fail("CI installs postgresql-NN-prioritize: migration 0054 should create it")
        pytest.skip("the prioritize extension is not installed on this PostgreSQL server")


def _new_session_nice(monkeypatch, nice: int) -> int:
    """The nice value of the backend of a connection opened by a process at ``nice``."""
    monkeypatch.setattr(dbpriority, "process_nice", lambda: nice)
    other = connections.create_connection("default")
    try:
        with other.cursor() as cursor:
            cursor.execute("SELECT get_backend_priority(pg_backend_pid())")
            return cursor.fetchone()[0]
    finally:
        other.close()


def test_a_niced_processs_session_takes_its_nice_value(monkeypatch):
    assert _new_session_nice(monkeypatch, 10) == 10
    assert _new_session_nice(monkeypatch, 7) == 7


def test_a_process_at_normal_priority_leaves_its_session_alone(monkeypatch):
    with connection.cursor() as cursor:
        cursor.execute("SELECT get_backend_priority(pg_backend_pid())")
        server = cursor.fetchone()[0]
    assert _new_session_nice(monkeypatch, 0) == server


def test_without_the_extension_nothing_happens(monkeypatch):
    monkeypatch.setattr(dbpriority, "process_nice", lambda: 10)
    with connection.cursor() as cursor:
        cursor.execute("DROP EXTENSION prioritize")  # rolled back with the test's transaction
        dbpriority.follow_process_nice(connection=connection)
        cursor.execute("SELECT 1")
        assert cursor.fetchone() == (1,)
