"""What happens next to a case, in the plain words a call-center operator reads out."""

import datetime
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from refunds import bankdays
from refunds.localtime import spoken_date
from refunds.models import Case, CaseStatus, Category, Claim, PayoutMethod

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


# -- what the caller hears ------------------------------------------------------------------------
# The operator reads these aloud: polite customer-facing Japanese (敬語) in the Japanese UI,
# addressed to the caller, with the date the refund comes, from the state and the payment
# calendar (refunds.bankdays): a payment file's transfer date, else the earliest transfer date
# of a run released today, else the program's service level counted from the claim.


def _within(case: Case, claimed: datetime.date | None, today: datetime.date) -> datetime.date:
    """The day by which a claim made on ``claimed`` (or today) is paid, at the service level."""
    start = claimed or today
    days = bankdays.business_days_after(start)
    day = start
    for _step in range(max(case.program.service_level_business_days, 1)):
        day = next(days)
    return max(day, bankdays.earliest_transfer_date(today))


# A claim in hand, not yet paid out.
_IN_HAND = (S.CLAIM_RECEIVED, S.PREPARED, S.AWAITING_SECOND_APPROVAL, S.APPROVED)


def caller_answer(
    case: Case,
    *,
    claim: Claim | None = None,
    transfer_date: datetime.date | None = None,
    today: datetime.date | None = None,
) -> str:
    """What happens next and when, said to the caller (``transfer_date``: the open payment's)."""
    today = today or timezone.localdate()
    credit = (claim.method if claim else None) == PayoutMethod.BILL_CREDIT
    claimed = timezone.localtime(claim.received_at).date() if claim else None
    status = case.status
    if status in (S.DETECTED, S.NOTIFIED) and case.category == Category.CURRENT and not claim:
        return gettext(
            "We will deduct the refund from your next monthly bill; no procedure is needed on "
            "your side. If you prefer a bank transfer, we can take your account details now."
        )
    if status in (S.DETECTED, S.NOTIFIED, S.AWAITING_CLAIM) and not claim:
        return gettext(
            "Once we have your bank account details we will transfer the refund, by %(day)s at "
            "the latest if you give them today. May we take them now?"
        ) % {"day": spoken_date(_within(case, None, today))}
    if status in _IN_HAND or status in (S.DETECTED, S.NOTIFIED, S.AWAITING_CLAIM):  # claimed
        if credit:
            return gettext(
                "We have received your request on %(claimed)s. The refund will be deducted from "
                "your next monthly bill."
            ) % {"claimed": spoken_date(claimed or today)}
        return gettext(
            "We have received your request on %(claimed)s and are processing it. The refund "
            "will be transferred to your account by %(day)s."
        ) % {
            "claimed": spoken_date(claimed or today),
            "day": spoken_date(_within(case, claimed, today)),
        }
    if status == S.IN_PAYMENT:
        if credit:
            return gettext("The refund will be deducted from your next monthly bill.")
        if transfer_date:
            return gettext("The refund will be transferred to your account on %(day)s.") % {
                "day": spoken_date(transfer_date)
            }
        return gettext("The refund is being transferred to your account.")
    if status == S.PAID:
        paid = timezone.localtime(case.paid_at).date() if case.paid_at else None
        if credit:
            return gettext("The refund has been deducted from your monthly bill.")
        if paid:
            return gettext("The refund was transferred to your account on %(day)s.") % {
                "day": spoken_date(paid)
            }
        return gettext("The refund has been paid.")
    if status == S.PAYMENT_FAILED:
        return gettext(
            "We are very sorry, but we could not transfer the refund to the account we were "
            "given. Could you tell us your account details once more?"
        )
    if status == S.REJECTED:
        return gettext(
            "We have looked into your case carefully. A person in charge will explain the result "
            "to you; may we call you back?"
        )
    return gettext(
        "We are checking your case. A person in charge will contact you; may we call you back?"
    )
