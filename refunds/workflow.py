"""The case state machine: which state may follow which. The one home of that rule.

It only answers; it changes nothing. Services move cases through ``refunds.services.transitions``
(one case, or many in one ``UPDATE``), which locks them, asks ``check_transition`` /
``check_transitions`` here and writes the audit events. No form, admin page or API field edits
``Case.status`` directly.
"""

from collections.abc import Iterable

from django.utils.translation import gettext_lazy as _

from refunds.models import Case, CaseStatus

S = CaseStatus

TRANSITIONS: dict[str, frozenset[str]] = {
    # detected <-> awaiting_claim: a detection re-run that changes the case's category.
    S.DETECTED: frozenset(
        {S.NOTIFIED, S.CLAIM_RECEIVED, S.ON_HOLD, S.NO_LONGER_AFFECTED, S.AWAITING_CLAIM}
    ),
    S.AWAITING_CLAIM: frozenset({S.CLAIM_RECEIVED, S.ON_HOLD, S.NO_LONGER_AFFECTED, S.DETECTED}),
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


class TransitionNotAllowed(Exception):
    """The case is not in a state from which this step may be taken; the message says why."""


def check_transition(case: Case, to: str) -> None:
    """Refuse the move of ``case`` to ``to`` unless the table allows it."""
    if to not in TRANSITIONS.get(case.status, frozenset()):
        raise TransitionNotAllowed(
            _("A case that is “%(state)s” cannot become “%(to)s”.")
            % {"state": CaseStatus(case.status).label, "to": CaseStatus(to).label}
        )


def check_transitions(cases: Iterable[tuple[str, str]], to: str) -> None:
    """Refuse a move of many cases, given as (case number, state), unless each one may move;
    the message names the first ten that may not."""
    refused = [(case_no, state) for case_no, state in cases if to not in TRANSITIONS[state]]
    if refused:
        raise TransitionNotAllowed(
            _("These cases cannot become “%(to)s”: %(cases)s.")
            % {
                "to": CaseStatus(to).label,
                "cases": ", ".join(
                    f"{case_no} ({CaseStatus(state).label})" for case_no, state in refused[:10]
                ),
            }
        )
