"""Case moves: the only code that writes ``Case.status``.

``case_move`` moves one locked case; ``cases_move`` moves many in one ``UPDATE``. Both ask the
state table (``refunds.workflow``) first, for every case, and write one audit event per case
through the audit writer, in the caller's transaction. ``lock_cases`` takes the row locks.
"""

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.utils import timezone

from accounts.models import User
from refunds.models import Case
from refunds.models.audit import AuditAction
from refunds.services.audit import Entry, audit_record, audit_record_many
from refunds.workflow import check_transition, check_transitions

CHUNK = 2000


def lock_cases(case_ids: Iterable[int]) -> None:
    """Row locks on these cases, taken in pk order (no deadlocks), in chunks of ids."""
    ordered = sorted(set(case_ids))
    for start in range(0, len(ordered), CHUNK):
        chunk = ordered[start : start + CHUNK]
        list(Case.objects.select_for_update().filter(pk__in=chunk).order_by("pk").values("pk"))


def case_move(
    *,
    case: Case,
    to: str,
    actor: User | None,
    action: AuditAction,
    reason: str = "",
    changes: dict[str, Any] | None = None,
    fields: dict[str, Any] | None = None,
) -> None:
    """Move a locked case to ``to`` (if the table allows it), save it and write the event;
    ``fields`` are other values of the case the move sets, saved with it."""
    check_transition(case, to)
    before = case.status
    case.status = to
    for name, value in (fields or {}).items():
        setattr(case, name, value)
    case.save(update_fields=["status", "updated_at", *(fields or {})])
    audit_record(
        actor=actor,
        action=action,
        obj=case,
        changes={"status": [before, to], **(changes or {})},
        reason=reason,
    )


@dataclass(frozen=True)
class CaseRow:
    """What a move of many cases needs to know of each one, read under its lock."""

    pk: int
    case_no: str
    status: str


def case_rows(case_ids: Iterable[int]) -> list[CaseRow]:
    """The cases' numbers and states, in pk order (lock them first)."""
    ordered = sorted(set(case_ids))
    rows: list[CaseRow] = []
    for start in range(0, len(ordered), CHUNK):
        chunk = ordered[start : start + CHUNK]
        rows += [
            CaseRow(*row)
            for row in Case.objects.filter(pk__in=chunk)
            .order_by("pk")
            .values_list("pk", "case_no", "status")
        ]
    return rows


def cases_move(
    *,
    cases: Sequence[CaseRow],
    to: str,
    actor: User | None,
    action: AuditAction,
    values: dict[str, Any] | None = None,
    changes: dict[str, Any] | Callable[[CaseRow], dict[str, Any]] | None = None,
    reason: str = "",
) -> int:
    """Move many locked cases to ``to``: each is checked against the state table (one refused,
    none moved), then one ``UPDATE`` per chunk of ids sets the state and ``values`` (fields or
    expressions, e.g. a subquery per case), and one event per case is written in bulk."""
    check_transitions(((row.case_no, row.status) for row in cases), to)
    now = timezone.now()
    for start in range(0, len(cases), CHUNK):
        chunk = [row.pk for row in cases[start : start + CHUNK]]
        Case.objects.filter(pk__in=chunk).update(status=to, updated_at=now, **(values or {}))

    def entry(row: CaseRow) -> Entry:
        extra = changes(row) if callable(changes) else (changes or {})
        return Entry(
            object_type="refunds.case",
            object_id=row.pk,
            object_repr=row.case_no,
            changes={"status": [row.status, to], **extra},
            reason=reason,
        )

    audit_record_many(actor=actor, action=action, entries=(entry(row) for row in cases))
    return len(cases)
