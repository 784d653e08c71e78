"""Who may do what, and what a role may see: the one home of those rules.

Services enforce them, views and the API ask them to show or hide an action, templates get
their answers through the views. Which state may follow which is ``refunds.workflow``'s; the
roles themselves are ``accounts.roles``.
"""

import dataclasses
import datetime
import enum

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Exists, Max, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import User
from accounts.roles import SUPERVISORS
from refunds.models import (
    IDENTITY_ITEMS,
    CallerRelation,
    Case,
    CaseOrigin,
    CaseStatus,
    Category,
    Claim,
    ContactKind,
    Inquiry,
    Member,
    MemberStatus,
    PaymentBatch,
    PaymentItem,
    PayoutMethod,
    QaStatus,
    RemediationProgram,
    ReturnedMail,
)
from refunds.workflow import CLAIMABLE, PAYEE_CHANGE_LEADS_TO

S = CaseStatus
# States from which a case may be prepared, and in which it waits for an approval.
PREPARABLE = (S.NOTIFIED, S.CLAIM_RECEIVED, S.PAYMENT_FAILED)
APPROVABLE = (S.PREPARED, S.AWAITING_SECOND_APPROVAL)


# -- roles ----------------------------------------------------------------------------------


def is_supervisor(user: User) -> bool:
    """Supervisors and admins: they decide (approve, pay, review) and see everything."""
    return bool(user.has_role(*SUPERVISORS))


def readable_inquiries(user: User) -> Q:
    """The inquiries ``user`` may read (page and API): supervisors all of them; an operator
    their own calls, the calls of the member they are serving now (an open call of theirs
    with that member), and the requests members sent from the portal (the floor's to call
    back). Others' notes and callers are not for reading across the floor."""
    if is_supervisor(user):
        return Q()
    serving = Inquiry.objects.filter(
        created_by=user, ended_at__isnull=True, member__isnull=False
    ).values("member_id")
    return Q(created_by=user) | Q(member__in=serving) | Q(portal_request__isnull=False)


def require_supervisor(user: User) -> None:
    """Refuse (PermissionDenied) unless ``user`` is a supervisor or an admin."""
    if not is_supervisor(user):
        raise PermissionDenied(_("Only a supervisor may do this."))


# -- what a role may see --------------------------------------------------------------------


def may_see_personal_data(user: User) -> bool:
    """Unmasked personal data (lists, exports): supervisors and admins."""
    return is_supervisor(user)


@dataclasses.dataclass(frozen=True)
class IdentityRule:
    """The program's identity check: which answers count and how many must match."""

    items: tuple[str, ...]
    required: int

    @classmethod
    def of(cls, program: RemediationProgram | None) -> "IdentityRule":
        if program is None:
            return cls(items=IDENTITY_ITEMS, required=2)
        chosen = tuple(i for i in IDENTITY_ITEMS if i in (program.identity_items or IDENTITY_ITEMS))
        return cls(items=chosen, required=max(1, program.identity_required))

    def passes(self, matched: list[str], mismatched: list[str]) -> bool:
        return len(matched) >= self.required and not mismatched


def identity_fresh_since() -> datetime.datetime:
    """An identity check with no step in the call since then has lapsed."""
    return timezone.now() - datetime.timedelta(minutes=settings.IDENTITY_CHECK_IDLE_MINUTES)


def verified_inquiry(*, user: User, member: Member | None) -> Inquiry | None:
    """The call this user is on with this member whose identity check passed, while it lasts:
    until the call ends or ``IDENTITY_CHECK_IDLE_MINUTES`` pass without a step in it."""
    if member is None:
        return None
    return (
        Inquiry.objects.filter(
            member=member,
            created_by=user,
            identity_verified=True,
            ended_at__isnull=True,
            active_at__gte=identity_fresh_since(),
        )
        .order_by("-started_at", "-id")
        .first()
    )


@dataclasses.dataclass(frozen=True)
class CallerRule:
    """What may be said to and done for a caller (``CallerRelation``) once verified."""

    amounts: bool  # hears the amount and the evidence
    claim: bool  # may give the payee
    documents: bool  # ... with documents received (a power of attorney, an heir's papers)
    supervisor: bool  # ... and a supervisor decides (the case is flagged for the reviewer)


CALLER_RULES = {
    CallerRelation.SELF: CallerRule(amounts=True, claim=True, documents=False, supervisor=False),
    CallerRelation.FAMILY: CallerRule(amounts=False, claim=True, documents=True, supervisor=False),
    CallerRelation.AGENT: CallerRule(amounts=True, claim=True, documents=True, supervisor=False),
    CallerRelation.HEIR: CallerRule(amounts=True, claim=True, documents=True, supervisor=True),
    CallerRelation.OTHER: CallerRule(amounts=False, claim=False, documents=False, supervisor=False),
}


def caller_rule(inquiry: Inquiry) -> CallerRule:
    """The rule for who is on the line (a call recorded before the question: the member)."""
    return CALLER_RULES[CallerRelation(inquiry.caller_relation or CallerRelation.SELF)]


def may_reveal(*, user: User, verified: Inquiry | None) -> bool:
    """Unmasked personal data on the page: supervisors, or staff on a verified call with the
    member (``verified``: their ``verified_inquiry``; e.g. to read back the address a letter
    goes to); a reason is asked either way."""
    return is_supervisor(user) or verified is not None


class Unread(enum.Enum):
    """``verified`` not read yet by the caller of a rule below: the rule reads it."""

    VERIFIED = "unread"


def _verified(
    user: User, member: Member | None, verified: Inquiry | Unread | None
) -> Inquiry | None:
    if verified is Unread.VERIFIED:
        return verified_inquiry(user=user, member=member)
    return verified


def may_see_amounts(
    *, user: User, member: Member | None, verified: Inquiry | Unread | None = Unread.VERIFIED
) -> bool:
    """Supervisors and admins see amounts; staff once the caller's identity is confirmed and
    the caller may hear them (a family member hears the state, not the amount). ``verified``:
    the user's ``verified_inquiry`` for the member, when the page read it already."""
    if is_supervisor(user):
        return True
    inquiry = _verified(user, member, verified)
    return inquiry is not None and caller_rule(inquiry).amounts


def may_take_payee(
    *, user: User, member: Member | None, verified: Inquiry | Unread | None = Unread.VERIFIED
) -> bool:
    """Bank details are taken by supervisors, or by staff from a verified caller who may
    (``verified`` as for ``may_see_amounts``)."""
    if member is None or is_supervisor(user):
        return True
    inquiry = _verified(user, member, verified)
    return inquiry is not None and caller_rule(inquiry).claim


def claim_refusal(*, user: User, member: Member | None, documents_received: bool) -> str:
    """Why this user may not take this claim now ('' when they may)."""
    if member is None or is_supervisor(user):
        return ""
    inquiry = verified_inquiry(user=user, member=member)
    if inquiry is None:
        return _("Confirm the caller's identity first.")
    rule = caller_rule(inquiry)
    if not rule.claim:
        return _("This caller may not claim the member's refund.")
    if rule.documents and not documents_received:
        return _(
            "A claim by %(who)s needs their documents (a power of attorney, or an heir's "
            "papers) received first."
        ) % {"who": inquiry.get_caller_relation_display()}
    return ""


# -- claims ---------------------------------------------------------------------------------


def may_claim(case: Case, *, has_claim: bool) -> bool:
    """A claim may be taken for a case without one that is still claimable; an investigation
    (opened in ``claim_received``: the caller asked) takes its first claim there."""
    if has_claim:
        return False
    first_of_investigation = (
        case.origin == CaseOrigin.INVESTIGATION and case.status == S.CLAIM_RECEIVED
    )
    return case.status in CLAIMABLE or first_of_investigation


def portal_payouts(case: Case) -> list[str]:
    """The payouts a member may choose on the portal: a current member's refund (category 1,
    still billed) may go on the next bill or to a bank account; every other is transferred."""
    member = case.member
    if case.category == Category.CURRENT and member is not None and member.is_active:
        return [PayoutMethod.BILL_CREDIT, PayoutMethod.BANK_TRANSFER]
    return [PayoutMethod.BANK_TRANSFER]


def may_prepare(case: Case) -> bool:
    """A case is prepared for approval from these states once it has an amount (an
    investigation once a supervisor settled it)."""
    return case.status in PREPARABLE and case.amount_yen is not None


def may_change_payee(case: Case, *, has_claim: bool) -> bool:
    """A claimed case's payee may change until the money is on its way."""
    return has_claim and case.status in PAYEE_CHANGE_LEADS_TO


# -- duties ---------------------------------------------------------------------------------


def payout_problem(case: Case, claim: Claim | None) -> str:
    """Why the case cannot be paid as it stands ('' when it can)."""
    if case.amount_yen is None:
        return _("The amount is not set.")
    if case.amount_yen <= 0:
        return _("The amount is zero.")
    if claim is not None:
        return ""
    member = case.member
    if case.category == 1 and member is not None and member.is_active:
        return ""  # a current member's refund is credited on the bill without a claim
    return _("No payee: the member has not claimed yet.")


# -- refusals ---------------------------------------------------------------------------------


class Refusal(str):
    """Why a rule refuses an action, with a stable ``code`` a client can act on (the API
    answers it as a 409 ``{"detail": …, "code": …}``); an empty text means "allowed"."""

    code: str

    def __new__(cls, text: object = "", code: str = "") -> "Refusal":
        refusal = super().__new__(cls, str(text))
        refusal.code = code
        return refusal


ALLOWED = Refusal()
# The codes a rule refuses with (documented in the API schema).
REFUSAL_CODES = {
    "duty.approve_after_prepare": "the approver prepared the case",
    "duty.approve_after_set_amount": "the approver set the case's amount",
    "duty.second_approve_after_prepare": "the second approver prepared the case",
    "duty.second_approve_after_set_amount": "the second approver set the case's amount",
    "duty.second_approve_after_approve": "the second approver gave the first approval",
    "duty.release_run_after_build_run": "the releaser built the payment run",
    "duty.apply_results_after_release_run": "who applies the results released the run",
    "qa.failed": "the case failed its quality check and was not corrected",
    "state.not_awaiting_approval": "the case is not waiting for an approval",
    "state.transition_not_allowed": "the state machine refuses the move",
}


# -- separation of duties -------------------------------------------------------------------


class Duty(enum.Enum):
    """A step of the money's way that one person does and another checks."""

    PREPARE = "prepare"  # a case's amount and payee checked
    SET_AMOUNT = "set_amount"  # a case's amount changed by hand or an investigation settled
    APPROVE = "approve"  # a case's (first) approval
    SECOND_APPROVE = "second_approve"  # above the program's threshold
    BUILD_RUN = "build_run"  # a payment run's list of cases
    RELEASE_RUN = "release_run"  # its file written for the bank
    APPLY_RESULTS = "apply_results"  # the bank's result file applied


# Who did an earlier duty on the same case or run may not do the later one. The database has
# the same rules as CHECK constraints (``Case.Meta``, ``PaymentBatch.Meta``).
DUTIES: dict[Duty, tuple[Duty, ...]] = {
    Duty.APPROVE: (Duty.PREPARE, Duty.SET_AMOUNT),
    Duty.SECOND_APPROVE: (Duty.PREPARE, Duty.SET_AMOUNT, Duty.APPROVE),
    Duty.RELEASE_RUN: (Duty.BUILD_RUN,),
    Duty.APPLY_RESULTS: (Duty.RELEASE_RUN,),
}

_DUTY_REFUSALS = {
    (Duty.APPROVE, Duty.PREPARE): gettext_lazy(
        "You prepared this case; another supervisor must approve it."
    ),
    (Duty.APPROVE, Duty.SET_AMOUNT): gettext_lazy(
        "You set this case's amount; another supervisor must approve it."
    ),
    (Duty.SECOND_APPROVE, Duty.PREPARE): gettext_lazy(
        "You prepared this case; a supervisor who did not must give the second approval."
    ),
    (Duty.SECOND_APPROVE, Duty.SET_AMOUNT): gettext_lazy(
        "You set this case's amount; a supervisor who did not must give the second approval."
    ),
    (Duty.SECOND_APPROVE, Duty.APPROVE): gettext_lazy(
        "You gave the first approval; a second, different supervisor must approve."
    ),
    (Duty.RELEASE_RUN, Duty.BUILD_RUN): gettext_lazy(
        "You built this payment run; another supervisor must check it and release it."
    ),
    (Duty.APPLY_RESULTS, Duty.RELEASE_RUN): gettext_lazy(
        "You released this payment run; another supervisor must apply the bank's results."
    ),
}


def duty_refusal(duty: Duty, user: User, done_by: dict[Duty, int | None]) -> Refusal:
    """Why ``user`` may not do ``duty`` given who did the earlier ones ('' when they may)."""
    for earlier in DUTIES.get(duty, ()):
        if done_by.get(earlier) is not None and done_by.get(earlier) == user.pk:
            code = f"duty.{duty.value}_after_{earlier.value}"
            return Refusal(_DUTY_REFUSALS[duty, earlier], code)
    return ALLOWED


def case_duties(case: Case) -> dict[Duty, int | None]:
    return {
        Duty.PREPARE: case.prepared_by_id,
        Duty.SET_AMOUNT: case.amount_set_by_id,
        Duty.APPROVE: case.approved_by_id,
    }


def run_duties(batch: PaymentBatch) -> dict[Duty, int | None]:
    return {Duty.BUILD_RUN: batch.created_by_id, Duty.RELEASE_RUN: batch.exported_by_id}


def approval_refusal(case: Case, user: User) -> str:
    """Why ``user`` may not approve ``case`` now ('' when they may): the duties above."""
    if not is_supervisor(user):
        return _("Only a supervisor may approve.")
    if case.status not in APPROVABLE:
        text = _("Case %(case)s is “%(state)s”, not waiting for an approval.") % {
            "case": case.case_no,
            "state": case.get_status_display(),
        }
        return Refusal(text, "state.not_awaiting_approval")
    if case.qa_status == QaStatus.FAILED:
        text = _(
            "Case %(case)s failed its quality check: correct it and prepare it again first."
        ) % {"case": case.case_no}
        return Refusal(text, "qa.failed")
    duty = Duty.SECOND_APPROVE if case.status == S.AWAITING_SECOND_APPROVAL else Duty.APPROVE
    return duty_refusal(duty, user, case_duties(case))


def release_refusal(batch: PaymentBatch, user: User) -> str:
    """Why ``user`` may not release (export) ``batch`` ('' when they may)."""
    if not is_supervisor(user):
        return _("Only a supervisor may release a payment run.")
    return duty_refusal(Duty.RELEASE_RUN, user, run_duties(batch))


def results_refusal(batch: PaymentBatch, user: User) -> str:
    """Why ``user`` may not apply ``batch``'s bank results ('' when they may)."""
    if not is_supervisor(user):
        return _("Only a supervisor may apply a bank's results.")
    return duty_refusal(Duty.APPLY_RESULTS, user, run_duties(batch))


# -- letters due ------------------------------------------------------------------------------
_BY_LETTER = (ContactKind.LETTER, ContactKind.REMINDER)


# A case drawn for QA and not yet passed is paid by no run.
UNCHECKED = (QaStatus.PENDING, QaStatus.FAILED)


def payable_cases(method: str) -> QuerySet[Case]:
    """Approved cases that may go into a new payment run of ``method``."""
    open_item = PaymentItem.objects.filter(case=OuterRef("pk"), is_open=True)
    cases = Case.objects.filter(status=CaseStatus.APPROVED).exclude(qa_status__in=UNCHECKED)
    cases = cases.exclude(Exists(open_item))
    claim_method = Claim.objects.filter(case=OuterRef("pk"))
    if method == PayoutMethod.BANK_TRANSFER:
        return cases.filter(Exists(claim_method.filter(method=method)))
    # Bill credit: claimed as such, or a current member's case without a claim.
    return cases.filter(
        Exists(claim_method.filter(method=method))
        | (~Exists(claim_method) & Q(category=1, member__status=MemberStatus.ACTIVE))
    )


def notices_due() -> QuerySet[Case]:
    """Detected cases (categories 1 and 2) whose member has not been told yet (and can be: no
    letter came back from their current address)."""
    return Case.objects.filter(status=S.DETECTED, member__isnull=False).exclude(
        ReturnedMail.at_current_address()
    )


def reminders_due(now: datetime.datetime | None = None) -> QuerySet[Case]:
    """Category 2 cases told by letter but still without a claim, whose last letter is older
    than ``REMINDER_AFTER_DAYS``, and that have had fewer than ``REMINDERS_MAX`` reminders."""
    now = now or timezone.now()
    since = now - datetime.timedelta(days=settings.REMINDER_AFTER_DAYS)
    return (
        Case.objects.filter(status=S.NOTIFIED, category=2, claims__isnull=True)
        .exclude(ReturnedMail.at_current_address())
        .annotate(
            last_letter=Max(
                "contact_attempts__sent_at", filter=Q(contact_attempts__kind__in=_BY_LETTER)
            ),
            reminders=Count(
                "contact_attempts", filter=Q(contact_attempts__kind=ContactKind.REMINDER)
            ),
        )
        .filter(last_letter__lt=since, reminders__lt=settings.REMINDERS_MAX)
    )
