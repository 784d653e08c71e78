"""A case in the member's words: where it stands and what happens next, and when."""

import datetime

from django.utils.translation import gettext as _

from refunds.localtime import local_date, written_date, written_month
from refunds.models import CaseStatus, PayoutMethod
from refunds.selectors import PortalCase

S = CaseStatus


def _day(day: datetime.date | None) -> str:
    return written_date(day) if day is not None else "—"


def case_words(view: PortalCase) -> dict[str, str]:
    return {"months": "、".join(written_month(m) for m in view.months), **_state(view)}


def _state(view: PortalCase) -> dict[str, str]:
    case, claim = view.case, view.claim
    line = {"number": view.free_dial_number, "hours": str(view.free_dial_hours)}
    by_transfer = claim is not None and claim.method == PayoutMethod.BANK_TRANSFER
    if case.status == S.PAID and case.paid_at is not None:
        how = _("to your bank account") if by_transfer else _("on your bill")
        return {
            "state": _("Your refund was paid %(how)s on %(day)s.")
            % {"how": how, "day": _day(local_date(case.paid_at))},
            "next": _("There is nothing more for you to do."),
        }
    if case.status == S.IN_PAYMENT:
        return {
            "state": _("Your refund is being paid."),
            "next": _("It reaches you by %(day)s at the latest.") % {"day": _day(view.pay_by)},
        }
    if case.status == S.PAYMENT_FAILED:
        return {
            "state": _("We could not transfer your refund to the account you gave."),
            "next": _("Please call us at %(number)s (%(hours)s) to give another account.") % line,
        }
    if case.status in (S.REJECTED, S.NO_LONGER_AFFECTED, S.ON_HOLD):
        return {
            "state": _("Your refund needs a word with us."),
            "next": _("Please call us at %(number)s (%(hours)s).") % line,
        }
    if claim is not None:
        return {
            "state": _("We have received your request (%(day)s) and are checking it.")
            % {"day": _day(local_date(claim.received_at))},
            "next": _("The refund is paid by %(day)s.") % {"day": _day(view.pay_by)},
        }
    if view.claimable:
        return {
            "state": _("Your refund is waiting for you to choose how to receive it."),
            "next": _(
                "Choose below. Once we have your choice, the refund is paid within "
                "%(days)s business days (by %(day)s if you choose today)."
            )
            % {"days": case.program.service_level_business_days, "day": _day(view.pay_by)},
        }
    return {
        "state": _("Your refund is being prepared; you need to do nothing."),
        "next": _("It is deducted from your next bill.")
        if case.member is not None and case.member.is_active
        else _("Please call us at %(number)s (%(hours)s).") % line,
    }
