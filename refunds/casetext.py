"""What happens next to a case, in the plain words a call-center operator reads out."""

from typing import Any

from django.utils.translation import gettext_lazy as _

from refunds.models import Case, CaseStatus, Category, PayoutMethod

S = CaseStatus

_NEXT_STEP: dict[str, Any] = {
    S.DETECTED: _(
        "A letter of apology with the refund amount will be sent. If the member prefers a "
        "bank transfer, take the claim now."
    ),
    S.AWAITING_CLAIM: _(
        "The refund is paid once the member claims it: take the claim and the bank details now."
    ),
    S.NOTIFIED: _("The member has been told. The refund is prepared once the payout is known."),
    S.CLAIM_RECEIVED: _("The claim is in. Staff check it and prepare the refund for approval."),
    S.PREPARED: _("Checked and waiting for a supervisor's approval."),
    S.AWAITING_SECOND_APPROVAL: _("Approved once; waiting for a second supervisor."),
    S.APPROVED: _("Approved: it goes out with the next payment batch."),
    S.IN_PAYMENT: _("On its way: the payment file has been sent."),
    S.PAID: _("Paid. Nothing more to do."),
    S.PAYMENT_FAILED: _(
        "The payment did not go through. Confirm the bank details with the member and change "
        "the payee."
    ),
    S.REJECTED: _("A supervisor decided that no refund is due. Pass a disagreement to them."),
    S.ON_HOLD: _("Paused by a supervisor. Pass the caller to a supervisor."),
    S.NO_LONGER_AFFECTED: _(
        "A later check no longer finds an overcharge. Pass a disagreement to a supervisor."
    ),
}

_DETECTED_BY_CATEGORY = {
    Category.CURRENT: _(
        "A letter will be sent; the refund is credited on a coming bill unless the member asks "
        "for a bank transfer (take the claim)."
    ),
    Category.RECENT_LEAVER: _(
        "A letter will be sent asking for bank details; the member can give them now (take the "
        "claim)."
    ),
}


def next_step(case: Case, method: str | None = None) -> str:
    """The sentence for ``case``; ``method`` is its claim's payout method when it has one."""
    if case.status == S.DETECTED and case.category in _DETECTED_BY_CATEGORY:
        return str(_DETECTED_BY_CATEGORY[Category(case.category)])
    if case.status == S.APPROVED and method == PayoutMethod.BILL_CREDIT:
        return str(_("Approved: it will be credited on the member's next bill."))
    return str(_NEXT_STEP.get(case.status, ""))
