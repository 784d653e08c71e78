"""The audit log's hash chain: sealed, verified, and broken by a change made behind its back."""

import contextlib
import io
from collections.abc import Callable, Iterator
from typing import Any

import psycopg2
import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from refunds.models import AuditEvent, AuditSeal
from refunds.models.audit import AuditAction
from refunds.services.audit import audit_record, audit_seal, audit_unsealed, audit_verify
from tests.factories import CaseFactory, UserFactory

pytestmark = pytest.mark.django_db


def _events(n: int) -> list[AuditEvent]:
    user = UserFactory(roles=["staff"])
    case = CaseFactory()
    return [
        audit_record(
            actor=user, action=AuditAction.CASE_PREPARED, obj=case, changes={"n": i}, reason="x"
        )
        for i in range(n)
    ]


def _drop_triggers(table: str) -> None:
    """What a person with the owner's rights would do to alter a row unseen."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # no deferred check pending
            cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER USER")
        else:
            cursor.execute(f"DROP TRIGGER IF EXISTS {table}_no_update")
            cursor.execute(f"DROP TRIGGER IF EXISTS {table}_no_delete")


def test_events_are_sealed_in_a_chain_that_verifies():
    _events(5)
    before = AuditEvent.objects.count()
    assert audit_unsealed() == before
    assert audit_seal() == before
    assert audit_seal() == 0  # nothing twice
    _events(2)
    assert audit_seal() == 2
    checked, broken = audit_verify()
    assert (checked, broken) == (before + 2, None)
    assert list(AuditSeal.objects.values_list("seq", flat=True)) == list(range(1, before + 3))
    out = io.StringIO()
    call_command("audit_verify", stdout=out)
    assert "chain=intact" in out.getvalue() and "unsealed=0" in out.getvalue()


def test_a_changed_event_breaks_the_chain_at_its_link():
    events = _events(4)
    audit_seal()
    _drop_triggers("refunds_auditevent")
    AuditEvent.objects.filter(pk=events[2].pk).update(reason="nothing to see")
    checked, broken = audit_verify()
    assert broken is not None and broken.event_id == events[2].pk
    with pytest.raises(CommandError, match=f"event {events[2].pk}"):
        call_command("audit_verify", stdout=io.StringIO())


def test_a_removed_link_breaks_the_chain():
    _events(3)
    audit_seal()
    _drop_triggers("refunds_auditseal")
    AuditSeal.objects.filter(seq=2)._raw_delete(AuditSeal.objects.db)
    checked, broken = audit_verify()
    assert checked == 1 and broken is not None and broken.why == "link missing"


def test_an_event_that_commits_late_is_sealed_after_the_others():
    early, late = _events(2)
    audit_seal()
    assert AuditSeal.objects.get(event=late).seq == AuditSeal.objects.get(event=early).seq + 1


def test_seals_are_append_only():
    _events(1)
    audit_seal()
    with pytest.raises(PermissionError):
        AuditSeal.objects.get().save()
    with pytest.raises(Exception, match="append-only"):
        AuditSeal.objects.update(digest="0" * 64)


APPEND_ONLY = ("refunds_auditevent", "refunds_auditseal", "refunds_personaldataaccess")


@contextlib.contextmanager
def _signed_in_as_a_role(name: str, grant: Callable[[str], None]) -> Iterator[Any]:
    """A plain (not superuser) PostgreSQL role given its rights by ``grant``, connected; the
    role is dropped afterwards."""
    if connection.vendor != "postgresql":
        pytest.skip("database roles and TRUNCATE triggers are PostgreSQL's")
    database = connection.settings_dict
    with connection.cursor() as cursor:
        cursor.execute(f"DROP ROLE IF EXISTS {name}")
        cursor.execute(f"CREATE ROLE {name} LOGIN PASSWORD 'pw'")
    try:
        grant(name)
        app = psycopg2.connect(
            dbname=database["NAME"],
            user=name,
            password="pw",
            host=database["HOST"] or "127.0.0.1",
            port=database["PORT"] or 5432,
        )
        try:
            yield app
        finally:
            app.close()
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"REVOKE ALL ON ALL TABLES IN SCHEMA public FROM {name}")
            cursor.execute(f"REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM {name}")
            cursor.execute(f"REVOKE ALL ON SCHEMA public FROM {name}")
            cursor.execute(f"REVOKE ALL ON DATABASE {database['NAME']} FROM {name}")
            cursor.execute(f"DROP ROLE {name}")


def _grant_truncate(role: str) -> None:
    with connection.cursor() as cursor:
        for table in APPEND_ONLY:
            cursor.execute(f"GRANT SELECT, INSERT, TRUNCATE ON {table} TO {role}")


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_truncate_is_refused_to_the_application_role():
    _events(1)
    with _signed_in_as_a_role("refunds_app_test", _grant_truncate) as app:
        for table in APPEND_ONLY:
            with app.cursor() as cursor, pytest.raises(psycopg2.Error, match="append-only"):
                cursor.execute(f"TRUNCATE {table} CASCADE")
            app.rollback()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_application_role_appends_to_the_audit_log_and_nothing_more():
    """docker-compose's roles: the owner migrates and grants, the application role is refused
    every way of changing the audit log (UPDATE, DELETE, TRUNCATE, ALTER, DISABLE TRIGGER)."""
    _events(1)

    def grant(role: str) -> None:
        call_command("db_grant_app_role", role, stdout=io.StringIO())

    with _signed_in_as_a_role("refunds_app_grant_test", grant) as app:
        app.autocommit = True
        with app.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM refunds_auditevent")
            cursor.execute(
                "INSERT INTO refunds_auditevent (action, created_at, object_type, object_id, "
                "object_repr, changes, reason) VALUES ('case.updated', now(), 'refunds.case', "
                "'1', '', '{}', '')"
            )
            cursor.execute("UPDATE refunds_case SET flagged = flagged")  # ordinary tables: yes
        for statement in (
            "UPDATE refunds_auditevent SET reason = 'x'",
            "DELETE FROM refunds_auditevent",
            "TRUNCATE refunds_auditevent CASCADE",
            "ALTER TABLE refunds_auditevent DISABLE TRIGGER USER",
            "DELETE FROM refunds_auditseal",
            "UPDATE refunds_personaldataaccess SET fields = '[]'",
            "UPDATE refunds_portalattempt SET outcome = 'signed_in'",
            "DELETE FROM refunds_portalattempt",
        ):
            with app.cursor() as cursor, pytest.raises(psycopg2.Error):
                cursor.execute(statement)
