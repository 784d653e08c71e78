"""The case state machine: which state may follow which. Services are the only callers.

Each service locks the case row, asks ``check_transition`` whether its move is allowed, sets the
new state and writes an audit event through ``record_transition``. No form, admin page or API
field edits ``Case.status`` directly.
"""

from collections.abc import Iterable
from typing import Any

from django.utils.translation import gettext_lazy as _

from refunds.models import Case, CaseStatus
from refunds.services.audit import audit_record

S = CaseStatus

TRANSITIONS: dict[str, frozenset[str]] = {
    S.DETECTED: frozenset({S.NOTIFIED, S.CLAIM_RECEIVED, S.ON_HOLD, S.NO_LONGER_AFFECTED}),
    S.AWAITING_CLAIM: frozenset({S.CLAIM_RECEIVED, S.ON_HOLD, S.NO_LONGER_AFFECTED}),
    S.NOTIFIED: frozenset({S.CLAIM_RECEIVED, S.PREPARED, S.ON_HOLD}),
    S.CLAIM_RECEIVED: frozenset({S.PREPARED, S.ON_HOLD}),
    S.PREPARED: frozenset(
        {S.APPROVED, S.AWAITING_SECOND_APPROVAL, S.REJECTED, S.CLAIM_RECEIVED, S.ON_HOLD}
    ),
    S.AWAITING_SECOND_APPROVAL: frozenset(
        {S.APPROVED, S.REJECTED, S.PREPARED, S.CLAIM_RECEIVED, S.ON_HOLD}
    ),
    S.APPROVED: frozenset({S.IN_PAYMENT, S.PREPARED, S.CLAIM_RECEIVED, S.ON_HOLD}),
    S.IN_PAYMENT: frozenset({S.PAID, S.PAYMENT_FAILED}),
    S.PAID: frozenset(),
    S.PAYMENT_FAILED: frozenset({S.PREPARED, S.ON_HOLD}),
    S.REJECTED: frozenset({S.PREPARED}),
    # on_hold returns to the state it came from (kept in the hold's audit event).
    S.ON_HOLD: frozenset(set(S.values) - {S.ON_HOLD, S.PAID, S.IN_PAYMENT}),
    S.NO_LONGER_AFFECTED: frozenset({S.DETECTED, S.AWAITING_CLAIM}),
}

# States in which the member may still file a claim (or a second one replaces the payee).
CLAIMABLE = frozenset({S.DETECTED, S.AWAITING_CLAIM, S.NOTIFIED})
# States in which the payee may still be changed, and the state the change leads to.
PAYEE_CHANGE_LEADS_TO: dict[str, str] = {
    S.CLAIM_RECEIVED: S.CLAIM_RECEIVED,
    S.PREPARED: S.CLAIM_RECEIVED,
    S.AWAITING_SECOND_APPROVAL: S.CLAIM_RECEIVED,
    S.APPROVED: S.CLAIM_RECEIVED,
    S.PAYMENT_FAILED: S.PREPARED,
}


LOCK_CHUNK = 2000


def lock_cases(case_ids: Iterable[int]) -> None:
    """Row locks on these cases, taken in pk order (no deadlocks), in chunks of ids."""
    ordered = sorted(set(case_ids))
    for start in range(0, len(ordered), LOCK_CHUNK):
        chunk = ordered[start : start + LOCK_CHUNK]
        list(Case.objects.select_for_update().filter(pk__in=chunk).order_by("pk").values("pk"))


class TransitionNotAllowed(Exception):
    """The case is not in a state from which this step may be taken; the message says why."""


def check_transition(case: Case, to: str) -> None:
    if to not in TRANSITIONS.get(case.status, frozenset()):
        raise TransitionNotAllowed(
            _("A case that is “%(state)s” cannot become “%(to)s”.")
            % {"state": case.get_status_display(), "to": CaseStatus(to).label}
        )


def record_transition(
    *,
    case: Case,
    to: str,
    actor: Any,
    action: str,
    reason: str = "",
    changes: dict[str, Any] | None = None,
) -> None:
    """Move a locked case to ``to`` (if allowed), save it and write the event."""
    check_transition(case, to)
    before = case.status
    case.status = to
    case.save(update_fields=["status", "updated_at"])
    audit_record(
        actor=actor,
        action=action,
        obj=case,
        changes={"status": [before, to], **(changes or {})},
        reason=reason,
    )
