"""The one writer of the audit log: every event is appended here, one at a time or in bulk.

Events are append-only (database triggers refuse UPDATE and DELETE); call these inside the
transaction that made the change, so that the change and its event stand or fall together.
"""

import functools
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, ParamSpec, TypeVar

from django.core.exceptions import PermissionDenied
from django.db import connection, models, transaction

from accounts.models import User
from refunds.models import AuditEvent
from refunds.models.audit import AuditAction

BULK_BATCH = 2000


def _actor(actor: User | None) -> Any:
    return actor if getattr(actor, "is_authenticated", False) else None


def audit_record(
    *,
    actor: User | None,
    action: AuditAction,
    obj: models.Model,
    changes: dict[str, Any] | None = None,
    reason: str = "",
) -> AuditEvent:
    """Append one audit event for ``obj``."""
    return AuditEvent.objects.create(
        actor=_actor(actor),
        action=action,
        object_type=obj._meta.label_lower,
        object_id=str(obj.pk),
        object_repr=str(obj)[:200],
        changes=changes or {},
        reason=reason,
    )


@dataclass(frozen=True)
class Entry:
    """One event of a bulk write: the object by type, id and text, and what changed."""

    object_type: str
    object_id: int | str
    object_repr: str = ""
    changes: dict[str, Any] = field(default_factory=dict)
    reason: str = ""


def audit_record_many(*, actor: User | None, action: AuditAction, entries: Iterable[Entry]) -> None:
    """Append one event of ``action`` per entry, in batches of inserts."""
    who = _actor(actor)
    AuditEvent.objects.bulk_create(
        (
            AuditEvent(
                actor=who,
                action=action,
                object_type=entry.object_type,
                object_id=str(entry.object_id),
                object_repr=entry.object_repr[:200],
                changes=entry.changes,
                reason=entry.reason,
            )
            for entry in entries
        ),
        batch_size=BULK_BATCH,
    )


def audit_record_select(
    *, actor_id: int | None, action: AuditAction, select_sql: str, params: Sequence[Any]
) -> int:
    """Append one event per row of ``select_sql`` (``INSERT … SELECT``, for sets too large to
    read into Python). The query gives the columns ``created_at, object_type, object_id,
    object_repr, changes, reason`` (``changes`` as JSON built in SQL) and ``sort_key``, the order
    in which the events are appended."""
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO refunds_auditevent (actor_id, action, created_at, object_type, "
            "object_id, object_repr, changes, reason) "
            "SELECT %s, %s, s.created_at, s.object_type, s.object_id, s.object_repr, s.changes, "
            f"s.reason FROM ({select_sql}) s ORDER BY s.sort_key",
            [actor_id, str(action), *params],
        )
        return int(cursor.rowcount)


P = ParamSpec("P")
R = TypeVar("R")


def refusals_recorded(attempt: AuditAction) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """A service whose refusals (``PermissionDenied``) are kept in the audit log.

    The service's own transaction is rolled back by the refusal; the event ``attempt.refused``
    (who, the object, what was attempted and why it was refused) is written after it, in a
    transaction of its own, and the refusal raised again. The object is the service's ``case``
    or ``batch`` argument.
    """

    def decorate(service: Callable[P, R]) -> Callable[P, R]:
        @functools.wraps(service)
        def recorded(*args: P.args, **kwargs: P.kwargs) -> R:
            try:
                return service(*args, **kwargs)
            except PermissionDenied as refusal:
                obj = kwargs.get("case") or kwargs.get("batch")
                actor = kwargs.get("user")
                if isinstance(obj, models.Model) and isinstance(actor, User):
                    with transaction.atomic():
                        audit_record(
                            actor=actor,
                            action=AuditAction.ATTEMPT_REFUSED,
                            obj=obj,
                            changes={"attempt": str(attempt)},
                            reason=str(refusal)[:500],
                        )
                raise

        return recorded

    return decorate
