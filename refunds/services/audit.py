"""The one writer of the audit log: every event is appended here, one at a time or in bulk.

Events are append-only (database triggers refuse UPDATE, DELETE and TRUNCATE); call these
inside the transaction that made the change, so that the change and its event stand or fall
together. ``audit_seal`` then chains the committed events (``AuditSeal``: each link the SHA-256
of the previous link and of the event's content) and ``audit_verify`` walks the chain.
"""

import functools
import hashlib
import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, ParamSpec, TypeVar

from django.core.exceptions import PermissionDenied
from django.db import connection, models, transaction

from accounts.models import User
from refunds.models import AuditEvent, AuditSeal
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


# -- the hash chain -------------------------------------------------------------------------

GENESIS = "0" * 64  # the "previous digest" of the first link
SEAL_BATCH = 5000


def event_content(event: AuditEvent) -> bytes:
    """What a link's digest covers: every column of the event, in a canonical form."""
    return json.dumps(
        [
            event.pk,
            event.created_at.isoformat(),
            event.actor_id,
            event.action,
            event.object_type,
            event.object_id,
            event.object_repr,
            event.changes,
            event.reason,
        ],
        sort_keys=True,
        ensure_ascii=False,
        separators=(",", ":"),
        default=str,
    ).encode()


def link_digest(previous: str, event: AuditEvent) -> str:
    return hashlib.sha256(previous.encode() + event_content(event)).hexdigest()


def _head() -> tuple[int, str]:
    last = AuditSeal.objects.order_by("-seq").values_list("seq", "digest").first()
    return last if last is not None else (0, GENESIS)


def _unsealed() -> Iterator[list[AuditEvent]]:
    """The events without a link, in batches, oldest id first: the few that committed after a
    later event was sealed (one anti-join), then every event after the last sealed one (by id)."""
    last = AuditSeal.objects.order_by("-seq").values_list("event_id", flat=True).first() or 0
    late = list(AuditEvent.objects.filter(pk__lt=last, seal__isnull=True).order_by("pk"))
    for start in range(0, len(late), SEAL_BATCH):
        yield late[start : start + SEAL_BATCH]
    while True:
        batch = list(AuditEvent.objects.filter(pk__gt=last).order_by("pk")[:SEAL_BATCH])
        if not batch:
            return
        yield batch
        last = batch[-1].pk


@transaction.atomic
def audit_seal() -> int:
    """Chain the committed events that have no link yet; how many were sealed.

    One sealer at a time (an advisory lock on PostgreSQL; SQLite writes one at a time). The
    ``refunds.audit_seal`` task runs it every minute (Celery beat); ``audit_verify --seal``
    before it verifies.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(hashtext('refunds.audit_seal'))")
    seq, digest = _head()
    sealed = 0
    for batch in _unsealed():
        links = []
        for event in batch:
            seq += 1
            digest = link_digest(digest, event)
            links.append(AuditSeal(seq=seq, event=event, digest=digest))
        AuditSeal.objects.bulk_create(links, batch_size=SEAL_BATCH)
        sealed += len(links)
    return sealed


@dataclass(frozen=True)
class ChainBreak:
    seq: int
    event_id: int | None
    why: str


def _links() -> Iterator[tuple[AuditSeal, AuditEvent]]:
    seals = AuditSeal.objects.select_related("event").order_by("seq")
    for seal in seals.iterator(chunk_size=SEAL_BATCH):
        yield seal, seal.event


def audit_unsealed() -> int:
    """Events written and not chained yet (the next ``audit_seal`` chains them)."""
    return AuditEvent.objects.filter(seal__isnull=True).count()


def audit_verify() -> tuple[int, ChainBreak | None]:
    """Walk the chain: (links checked, the first broken link or None)."""
    digest, expected_seq, checked = GENESIS, 1, 0
    for seal, event in _links():
        if seal.seq != expected_seq:
            return checked, ChainBreak(expected_seq, None, "link missing")
        digest = link_digest(digest, event)
        if seal.digest != digest:
            return checked, ChainBreak(seal.seq, event.pk, "content or order changed")
        expected_seq += 1
        checked += 1
    return checked, None
