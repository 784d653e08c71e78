"""Call-center writes: inquiries, identity checks, claims and payees, investigations, reveals.

Each function is keyword-only, runs in one transaction, locks what it changes (case rows in pk
order) and writes an audit event.
"""

import datetime
import uuid
from collections.abc import Mapping, Sequence
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from refunds import identity
from refunds import payee as payee_rules
from refunds.models import (
    IDENTITY_ITEMS,
    CallerRelation,
    Case,
    CaseOrigin,
    CaseStatus,
    Channel,
    Claim,
    ClaimCode,
    ContactField,
    Contract,
    Direction,
    Inquiry,
    InquiryOutcome,
    InquiryReason,
    Investigation,
    Member,
    MemberContactChange,
    PayeeReason,
    PayoutMethod,
    PersonalDataAccess,
    RemediationProgram,
)
from refunds.models.audit import AuditAction
from refunds.payee import BankDetails
from refunds.policies import (
    IdentityRule,
    caller_rule,
    claim_refusal,
    is_supervisor,
    may_claim,
    may_reveal,
    verified_inquiry,
)
from refunds.selectors import free_callback_slots, line_hours, program_for_call
from refunds.services.audit import audit_record
from refunds.services.detection import reserve_case_numbers
from refunds.services.qa import qa_draw
from refunds.services.transitions import case_move
from refunds.workflow import PAYEE_CHANGE_LEADS_TO

PERSONAL_FIELDS = ("birth_date", "phone", "email", "postal_code", "address")


def identity_rule(
    member: Member | None, case: Case | None = None, cases: list[Case] | None = None
) -> IdentityRule:
    """The identity check of the program the call is about (``selectors.program_for_call``)."""
    return IdentityRule.of(program_for_call(member=member, case=case, cases=cases))


def _check_identity(
    inquiry: Inquiry, member: Member, answers: Mapping[str, object], relation: str
) -> dict[str, bool]:
    """Compare the caller's answers with the member's data and record the result on
    ``inquiry``: which items matched, which did not, and whether that passes the program's
    rule (the items it asks, how many must match, none failed)."""
    if relation not in CallerRelation.values:
        raise ValidationError({"relation": _("Say who is calling.")})
    rule = identity_rule(member, inquiry.case)
    asked = {item: value for item, value in answers.items() if item in rule.items}
    results = identity.compare(member, asked)
    matched = [item for item, ok in results.items() if ok]
    for item in IDENTITY_ITEMS:
        setattr(inquiry, item, item in matched)
    inquiry.identity_mismatched = [item for item, ok in results.items() if not ok]
    inquiry.identity_verified = rule.passes(matched, inquiry.identity_mismatched)
    inquiry.caller_relation = relation
    inquiry.active_at = timezone.now()
    return results


def _identity_changes(inquiry: Inquiry, results: dict[str, bool]) -> dict[str, Any]:
    return {
        "relation": inquiry.caller_relation,
        "matched": [item for item, ok in results.items() if ok],
        "not_matched": [item for item, ok in results.items() if not ok],
        "identity_verified": inquiry.identity_verified,
    }


# A received time this far ahead of the server's clock is a clock's difference, not the future.
FUTURE_TOLERANCE = datetime.timedelta(minutes=2)


def _apply_follow_up_rules(
    inquiry: Inquiry, *, callback_requested: bool, callback_at: datetime.datetime | None = None
) -> None:
    """Callback and complaint due times, from what the operator asked, the reason and the time.

    A callback is made only when the caller asked for one (``callback_requested``, a chosen
    ``callback_at`` or the outcome "callback promised"): at the chosen time, which must be to
    come and within the line's hours, else at the first free slot after the line's callback
    delay (from the message's time for a message left after hours). A complaint is due at the
    line's closing time ``COMPLAINT_DUE_DAYS`` days after it came.
    """
    hours = line_hours(inquiry.case)
    now = timezone.now()
    received = inquiry.started_at
    after_hours_message = (
        inquiry.direction == Direction.INBOUND
        and inquiry.channel == Channel.PHONE
        and not hours.is_open(received)
    )
    if after_hours_message and not inquiry.outcome:
        inquiry.outcome = InquiryOutcome.MESSAGE_TAKEN
    wants_callback = (
        callback_requested
        or callback_at is not None
        or inquiry.outcome == InquiryOutcome.CALLBACK_PROMISED
    )
    if wants_callback and inquiry.callback_due_at is None:
        if callback_at is not None:
            if callback_at <= now:
                raise ValidationError({"callback_at": _("The callback time has passed.")})
            if not hours.is_open(callback_at):
                raise ValidationError(
                    {
                        "callback_at": _(
                            "The line is open %(hours)s: choose a callback time within its hours."
                        )
                        % {"hours": hours}
                    }
                )
            inquiry.callback_due_at = callback_at
        else:
            earliest = hours.callback_due(received if after_hours_message else now)
            free = free_callback_slots(
                hours=hours, after=earliest - datetime.timedelta(seconds=1), count=1
            )
            inquiry.callback_due_at = free[0] if free else earliest
        inquiry.follow_up_needed = True
        if not inquiry.outcome or inquiry.outcome == InquiryOutcome.MESSAGE_TAKEN:
            inquiry.outcome = (
                InquiryOutcome.MESSAGE_TAKEN
                if after_hours_message
                else InquiryOutcome.CALLBACK_PROMISED
            )
    if inquiry.reason == InquiryReason.COMPLAINT and inquiry.complaint_due_at is None:
        inquiry.complaint_due_at = hours.end_of_day_after(received, settings.COMPLAINT_DUE_DAYS)
        inquiry.follow_up_needed = True


def _check_case_of(case: Case, member: Member | None) -> None:
    """An inquiry is about one of its caller's cases, never another member's."""
    if member is not None and case.member_id is not None and case.member_id != member.pk:
        raise ValidationError({"case": _("Case %(case)s is another member's.") % {"case": case}})


def _inquiry_changes(inquiry: Inquiry) -> dict[str, Any]:
    return {
        "member": inquiry.member_id,
        "case": inquiry.case_id,
        "channel": inquiry.channel,
        "reason": inquiry.reason,
        "outcome": inquiry.outcome,
        "identity": [name for name in IDENTITY_ITEMS if getattr(inquiry, name)],
        "callback_due_at": inquiry.callback_due_at.isoformat() if inquiry.callback_due_at else None,
        "complaint_due_at": (
            inquiry.complaint_due_at.isoformat() if inquiry.complaint_due_at else None
        ),
    }


@transaction.atomic
def inquiry_start(
    *,
    user: User,
    member: Member,
    answers: Mapping[str, object],
    relation: str = CallerRelation.SELF,
    channel: str = Channel.PHONE,
    case: Case | None = None,
) -> Inquiry:
    """Open an inquiry for a caller: who is calling, and their answers to the identity check,
    each compared with the member's data (``refunds.identity``)."""
    if case is not None:
        _check_case_of(case, member)
    inquiry = Inquiry(
        member=member,
        case=case,
        channel=channel,
        direction=Direction.INBOUND,
        started_at=timezone.now(),
        created_by=user,
    )
    results = _check_identity(inquiry, member, answers, relation)
    inquiry.save()
    audit_record(
        actor=user,
        action=AuditAction.INQUIRY_STARTED,
        obj=inquiry,
        changes={**_inquiry_changes(inquiry), **_identity_changes(inquiry, results)},
    )
    return inquiry


@transaction.atomic
def inquiry_verify(
    *, inquiry: Inquiry, user: User, answers: Mapping[str, object], relation: str
) -> Inquiry:
    """Check the caller's identity again within the same call (a new answer, a lapsed check)."""
    inquiry = (
        Inquiry.objects.select_for_update(of=("self",)).select_related("member").get(pk=inquiry.pk)
    )
    if inquiry.created_by_id != user.pk:
        raise PermissionDenied(_("Only the person who took the call checks the caller."))
    if inquiry.ended_at is not None or inquiry.member is None:
        raise ValidationError(_("This call has ended; start a new one."))
    results = _check_identity(inquiry, inquiry.member, answers, relation)
    inquiry.save()
    audit_record(
        actor=user,
        action=AuditAction.INQUIRY_IDENTITY_CHECKED,
        obj=inquiry,
        changes=_identity_changes(inquiry, results),
    )
    return inquiry


@transaction.atomic
def inquiry_escalate(*, inquiry: Inquiry, user: User, note: str = "") -> Inquiry:
    """The caller wants a supervisor: the open call waits in the supervisors' queue."""
    inquiry = Inquiry.objects.select_for_update().get(pk=inquiry.pk)
    if inquiry.created_by_id != user.pk:
        raise PermissionDenied(_("Only the person on the call passes it on."))
    if inquiry.ended_at is not None:
        raise ValidationError(_("This call has ended; start a new one."))
    if inquiry.escalation_waiting:
        raise ValidationError(_("This call already waits for a supervisor."))
    inquiry.escalated_at = timezone.now()
    inquiry.escalation_taken_at = None
    inquiry.escalation_note = note.strip()[:500]
    inquiry.save(update_fields=["escalated_at", "escalation_taken_at", "escalation_note"])
    audit_record(
        actor=user,
        action=AuditAction.INQUIRY_ESCALATED,
        obj=inquiry,
        reason=inquiry.escalation_note,
    )
    return inquiry


@transaction.atomic
def inquiry_take_over(*, inquiry: Inquiry, user: User) -> Inquiry:
    """A supervisor takes a waiting call: it is theirs to answer and to end."""
    if not is_supervisor(user):
        raise PermissionDenied(_("Only a supervisor may do this."))
    inquiry = Inquiry.objects.select_for_update().get(pk=inquiry.pk)
    if not inquiry.escalation_waiting or inquiry.ended_at is not None:
        raise ValidationError(_("This call no longer waits for a supervisor."))
    previous = inquiry.created_by_id
    inquiry.escalation_taken_at = timezone.now()
    inquiry.created_by = user
    inquiry.active_at = inquiry.escalation_taken_at
    inquiry.save(update_fields=["escalation_taken_at", "created_by", "active_at"])
    audit_record(
        actor=user,
        action=AuditAction.INQUIRY_TAKEN_OVER,
        obj=inquiry,
        changes={"taken_by": [previous, user.pk]},
    )
    return inquiry


def inquiry_touch(*, inquiry: Inquiry) -> None:
    """A step in the call (a page of the member read): the identity check lasts on.

    Written at most once every ``IDENTITY_CHECK_TOUCH_SECONDS``, as a session is: the idle
    limit (``IDENTITY_CHECK_IDLE_MINUTES``) counts from at most that long before the last
    step, and the pages read in between change no row (a write is a commit the database
    flushes to disk, on the page the operator waits for).
    """
    now = timezone.now()
    stale = now - datetime.timedelta(seconds=settings.IDENTITY_CHECK_TOUCH_SECONDS)
    Inquiry.objects.filter(pk=inquiry.pk, ended_at__isnull=True).filter(
        Q(active_at__isnull=True) | Q(active_at__lt=stale)
    ).update(active_at=now)


@transaction.atomic
def inquiry_log(
    *,
    user: User,
    reason: str,
    note: str = "",
    outcome: str = "",
    channel: str = Channel.PHONE,
    direction: str = Direction.INBOUND,
    member: Member | None = None,
    case: Case | None = None,
    started_at: datetime.datetime | None = None,
    ended_at: datetime.datetime | None = None,
    caller_name: str = "",
    caller_phone: str = "",
    follow_up_needed: bool = False,
    callback_requested: bool = False,
    callback_at: datetime.datetime | None = None,
) -> Inquiry:
    """Record a whole inquiry at once (a letter, an email, a short call, a message)."""
    now = timezone.now()
    if case is not None:
        _check_case_of(case, member)
    if started_at is not None and started_at > now + FUTURE_TOLERANCE:
        raise ValidationError({"started_at": _("The received time is in the future.")})
    started = started_at or now
    ended = ended_at or max(now, started)
    if ended < started:
        raise ValidationError({"ended_at": _("The end is before the start.")})
    inquiry = Inquiry(
        member=member,
        case=case,
        channel=channel,
        direction=direction,
        started_at=started,
        ended_at=ended,
        reason=reason,
        note=note,
        outcome=outcome,
        caller_name=caller_name,
        caller_phone=caller_phone,
        follow_up_needed=follow_up_needed,
        created_by=user,
    )
    _apply_follow_up_rules(inquiry, callback_requested=callback_requested, callback_at=callback_at)
    inquiry.save()
    audit_record(
        actor=user,
        action=AuditAction.INQUIRY_LOGGED,
        obj=inquiry,
        changes=_inquiry_changes(inquiry),
    )
    return inquiry


@transaction.atomic
def inquiry_close(
    *,
    inquiry: Inquiry,
    user: User,
    reason: str,
    outcome: str,
    note: str = "",
    follow_up_needed: bool = False,
    callback_requested: bool = False,
    callback_at: datetime.datetime | None = None,
    cases: Sequence[Case] = (),
) -> Inquiry:
    """End an open inquiry with its reason, outcome, the cases it was about (the caller's own,
    with the one it was opened for) and a note."""
    inquiry = Inquiry.objects.select_for_update(of=("self",)).get(pk=inquiry.pk)
    if inquiry.ended_at is not None:
        raise ValidationError(_("This inquiry is already closed."))
    for case in cases:
        _check_case_of(case, inquiry.member)
    # The cases chosen, with the one it was opened for and those claimed in this call.
    claimed = set(Claim.objects.filter(inquiry=inquiry).values_list("case_id", flat=True))
    about: list[int] = sorted({case.pk for case in cases} | claimed)
    if inquiry.case_id is not None and inquiry.case_id not in about:
        about = sorted([*about, inquiry.case_id])
    if inquiry.case_id is None and about:
        inquiry.case_id = about[0]
    inquiry.ended_at = max(timezone.now(), inquiry.started_at)
    inquiry.reason = reason
    inquiry.outcome = outcome
    inquiry.note = note
    inquiry.follow_up_needed = follow_up_needed
    _apply_follow_up_rules(inquiry, callback_requested=callback_requested, callback_at=callback_at)
    inquiry.save()
    inquiry.cases.set(about)
    audit_record(
        actor=user,
        action=AuditAction.INQUIRY_CLOSED,
        obj=inquiry,
        changes={**_inquiry_changes(inquiry), "cases": about},
    )
    return inquiry


@transaction.atomic
def inquiry_follow_up_done(*, inquiry: Inquiry, user: User, note: str = "") -> Inquiry:
    """Mark a follow-up (and its callback) done."""
    inquiry = Inquiry.objects.select_for_update().get(pk=inquiry.pk)
    if not inquiry.follow_up_needed or inquiry.follow_up_done_at is not None:
        raise ValidationError(_("This inquiry has no open follow-up."))
    inquiry.follow_up_done_at = timezone.now()
    inquiry.follow_up_done_by = user
    if note:
        inquiry.note = f"{inquiry.note}\n{note}".strip()
    inquiry.save(update_fields=["follow_up_done_at", "follow_up_done_by", "note"])
    audit_record(actor=user, action=AuditAction.INQUIRY_FOLLOWED_UP, obj=inquiry, reason=note)
    return inquiry


@transaction.atomic
def complaint_close(*, inquiry: Inquiry, user: User, outcome: str) -> Inquiry:
    """A supervisor records a complaint's outcome."""
    if not is_supervisor(user):
        raise PermissionDenied
    if not outcome.strip():
        raise ValidationError({"outcome": _("Say how the complaint was resolved.")})
    inquiry = Inquiry.objects.select_for_update().get(pk=inquiry.pk)
    if not inquiry.complaint_open:
        raise ValidationError(_("This complaint is already closed."))
    inquiry.complaint_outcome = outcome.strip()
    inquiry.complaint_closed_at = timezone.now()
    inquiry.complaint_closed_by = user
    inquiry.save(update_fields=["complaint_outcome", "complaint_closed_at", "complaint_closed_by"])
    audit_record(
        actor=user,
        action=AuditAction.COMPLAINT_CLOSED,
        obj=inquiry,
        reason=inquiry.complaint_outcome,
    )
    return inquiry


# -- claims and payees ----------------------------------------------------------------------


def _clean_payout(
    *, member: Member | None, method: str, bank: BankDetails, credit_contract: Contract | None
) -> dict[str, Any]:
    """The payee fields to store, validated again here whatever form they came from."""
    if method == PayoutMethod.BANK_TRANSFER:
        bank_code = payee_rules.validate_bank_code(bank.bank_code)
        branch = payee_rules.validate_branch(bank_code, bank.branch_code)
        account_type = bank.account_type
        if account_type not in payee_rules.AccountType.values:
            raise ValidationError({"account_type": _("Choose the account type.")})
        return {
            "method": method,
            "bank_code": branch.bank_code,
            "bank_name": branch.bank_name,
            "branch_code": branch.branch_code,
            "branch_name": branch.branch_name,
            "account_type": account_type,
            "account_number": payee_rules.validate_account_number(bank.account_number),
            "holder_name": payee_rules.normalize_holder_name(bank.holder_name),
            "credit_contract": None,
        }
    if method == PayoutMethod.BILL_CREDIT:
        if member is None or not member.is_active:
            raise ValidationError(
                {
                    "method": _(
                        "The member is no longer billed, so the refund cannot be credited on a "
                        "bill: take bank details instead."
                    )
                }
            )
        if credit_contract is not None and (
            credit_contract.member_id != member.pk or credit_contract.ended_on is not None
        ):
            raise ValidationError(
                {"credit_contract": _("Choose one of the member's running contracts.")}
            )
        empty = dict.fromkeys(
            ("bank_code", "bank_name", "branch_code", "branch_name", "account_type"), ""
        )
        return {
            "method": method,
            **empty,
            "account_number": "",
            "holder_name": "",
            "credit_contract": credit_contract,
        }
    raise ValidationError({"method": _("Choose how the refund is paid.")})


def _require_identity(
    *,
    user: User,
    member: Member | None,
    inquiry: Inquiry | None,
    documents_received: bool,
    code: ClaimCode | None = None,
    case: Case | None = None,
) -> None:
    if code is not None:
        # The member's own letter code and birth date, checked by the portal's sign-in.
        if case is None or code.case_id != case.pk:
            raise PermissionDenied(_("This code is not for this case."))
        return
    if is_supervisor(user) or member is None:
        return
    if inquiry is None or not inquiry.identity_verified or inquiry.member_id != member.pk:
        raise PermissionDenied(_("Confirm the caller's identity before taking bank details."))
    refusal = claim_refusal(user=user, member=member, documents_received=documents_received)
    if refusal:
        raise PermissionDenied(refusal)


def _review_flag(
    *, member: Member | None, inquiry: Inquiry | None, values: dict[str, Any], payee_reason: str
) -> str:
    """What the reviewer must look at: an heir's claim; an account in another name than the
    member's (which needs its reason). '' when nothing."""
    flags = []
    if inquiry is not None and caller_rule(inquiry).supervisor:
        flags.append(_("An heir's claim: check the documents before approving."))
    holder = values.get("holder_name") or ""
    if member is not None and holder and not payee_rules.same_holder(holder, member.name_kana):
        if not payee_reason:
            raise ValidationError(
                {
                    "payee_reason": _("The account holder is not the member (%(kana)s): say why.")
                    % {"kana": member.name_kana}
                }
            )
        flags.append(
            _("The account is not in the member's name: %(why)s.")
            % {"why": PayeeReason(payee_reason).label}
        )
    return " ".join(str(flag) for flag in flags)[:300]


@transaction.atomic
def claim_record(
    *,
    case: Case,
    user: User,
    method: str,
    bank: BankDetails | None = None,
    credit_contract: Contract | None = None,
    inquiry: Inquiry | None = None,
    channel: str = Channel.PHONE,
    submission_key: uuid.UUID | None = None,
    documents_received: bool = False,
    payee_reason: str = "",
    code: ClaimCode | None = None,
) -> tuple[Claim, bool]:
    """Record a member's claim with its payee and move the case to ``claim_received``.

    Returns ``(claim, created)``. The same form submitted twice (same ``submission_key``)
    returns the first claim with ``created`` False; the database allows one claim per case.
    """
    case = Case.objects.select_for_update(of=("self",)).select_related("member").get(pk=case.pk)
    existing = Claim.objects.filter(case=case).first()
    if existing is not None:
        if submission_key is not None and existing.submission_key == submission_key:
            return existing, False  # the same form again (double click, back and resubmit)
        raise ValidationError(
            _("A claim is already recorded for %(case)s; change its payee instead.")
            % {"case": case.case_no}
        )
    _require_identity(
        user=user,
        member=case.member,
        inquiry=inquiry,
        documents_received=documents_received,
        code=code,
        case=case,
    )
    if not may_claim(case, has_claim=False):
        raise ValidationError(
            _("Case %(case)s is “%(state)s”; a claim cannot be taken now.")
            % {"case": case.case_no, "state": case.get_status_display()}
        )
    values = _clean_payout(
        member=case.member,
        method=method,
        bank=bank or BankDetails(),
        credit_contract=credit_contract,
    )
    claim = Claim(
        case=case,
        member=case.member,
        inquiry=inquiry,
        channel=channel,
        received_at=timezone.now(),
        created_by=user,
        submission_key=submission_key or uuid.uuid4(),
        caller_relation=inquiry.caller_relation if inquiry else "",
        documents_received=documents_received,
        payee_reason=payee_reason,
        review_flag=_review_flag(
            member=case.member, inquiry=inquiry, values=values, payee_reason=payee_reason
        ),
        **values,
    )
    claim.save()
    audit_record(
        actor=user,
        action=AuditAction.CLAIM_RECORDED,
        obj=claim,
        changes={"payee": [None, claim.payee_record()]},
    )
    if case.status != CaseStatus.CLAIM_RECEIVED:
        case_move(
            case=case,
            to=CaseStatus.CLAIM_RECEIVED,
            actor=user,
            action=AuditAction.CASE_CLAIM_RECEIVED,
            changes={"claim": claim.pk},
            fields={"claimed_at": claim.received_at},
        )
    else:  # an investigation's case, opened claimed
        case.claimed_at = claim.received_at
        case.save(update_fields=["claimed_at", "updated_at"])
    return claim, True


@transaction.atomic
def claim_change_payee(
    *,
    claim: Claim,
    user: User,
    method: str,
    reason: str,
    bank: BankDetails | None = None,
    credit_contract: Contract | None = None,
    inquiry: Inquiry | None = None,
    documents_received: bool | None = None,
    payee_reason: str = "",
) -> Claim:
    """Change how a claim is paid; the old and new payee go into the audit event."""
    if not reason.strip():
        raise ValidationError({"reason": _("Say why the payee changes.")})
    case = (
        Case.objects.select_for_update(of=("self",)).select_related("member").get(pk=claim.case_id)
    )
    claim = Claim.objects.select_for_update().get(pk=claim.pk)
    if documents_received is None:
        documents_received = claim.documents_received
    _require_identity(
        user=user, member=case.member, inquiry=inquiry, documents_received=documents_received
    )
    leads_to = PAYEE_CHANGE_LEADS_TO.get(case.status)
    if leads_to is None:
        raise ValidationError(
            _("Case %(case)s is “%(state)s”; its payee can no longer be changed.")
            % {"case": case.case_no, "state": case.get_status_display()}
        )
    values = _clean_payout(
        member=case.member,
        method=method,
        bank=bank or BankDetails(),
        credit_contract=credit_contract,
    )
    flag = _review_flag(
        member=case.member, inquiry=inquiry, values=values, payee_reason=payee_reason
    )
    before, recorded = claim.payee_values(), claim.payee_record()
    for name, value in values.items():
        setattr(claim, name, value)
    claim.payee_reason, claim.review_flag = payee_reason, flag
    claim.documents_received = documents_received
    after = claim.payee_values()
    if before == after:
        return claim
    claim.save()
    audit_record(
        actor=user,
        action=AuditAction.CLAIM_PAYEE_CHANGED,
        obj=claim,
        changes={"payee": [recorded, claim.payee_record()]},
        reason=reason.strip(),
    )
    if leads_to != case.status:
        # Whoever fixes the payee prepares the case anew: approvals start again.
        restarted = case.restart_review(
            preparer=user if leads_to == CaseStatus.PREPARED else None, save=False
        )
        case_move(
            case=case,
            to=leads_to,
            actor=user,
            action=AuditAction.CASE_PAYEE_CHANGED,
            reason=reason.strip(),
            fields=restarted,
        )
        if leads_to == CaseStatus.PREPARED:
            qa_draw(case)
    return claim


# -- investigations -------------------------------------------------------------------------


@transaction.atomic
def investigation_open(
    *,
    user: User,
    program: RemediationProgram,
    caller_name: str,
    story: str,
    caller_kana: str = "",
    caller_phone: str = "",
    caller_postal_code: str = "",
    caller_address: str = "",
    stated_member_no: str = "",
    stated_contract_no: str = "",
    member: Member | None = None,
    inquiry: Inquiry | None = None,
) -> Case:
    """Open a case for a caller the data does not know; a supervisor settles its amount."""
    if not caller_name.strip() or not story.strip():
        raise ValidationError(_("The caller's name and story are required."))
    (case_no,) = reserve_case_numbers(program, 1)
    case = Case.objects.create(
        case_no=case_no,
        program=program,
        program_code=program.code,
        member=member,
        status=CaseStatus.CLAIM_RECEIVED,
        origin=CaseOrigin.INVESTIGATION,
    )
    Investigation.objects.create(
        case=case,
        caller_name=caller_name.strip(),
        caller_kana=caller_kana.strip(),
        caller_phone=caller_phone.strip(),
        caller_postal_code=caller_postal_code.strip(),
        caller_address=caller_address.strip(),
        stated_member_no=stated_member_no.strip(),
        stated_contract_no=stated_contract_no.strip(),
        story=story.strip(),
    )
    if inquiry is not None:
        Inquiry.objects.filter(pk=inquiry.pk, case__isnull=True).update(case=case)
    else:
        # The call that brought it is on record with it, in the same step.
        now = timezone.now()
        inquiry = Inquiry.objects.create(
            member=member,
            case=case,
            channel=Channel.PHONE,
            direction=Direction.INBOUND,
            started_at=now,
            ended_at=now,
            reason=InquiryReason.AFFECTED,
            outcome=InquiryOutcome.CLAIM_TAKEN,
            caller_name=caller_name.strip()[:200],
            caller_phone=caller_phone.strip()[:40],
            note=story.strip(),
            created_by=user,
        )
        audit_record(
            actor=user,
            action=AuditAction.INQUIRY_LOGGED,
            obj=inquiry,
            changes=_inquiry_changes(inquiry),
        )
    audit_record(
        actor=user,
        action=AuditAction.CASE_INVESTIGATION_OPENED,
        obj=case,
        changes={"status": [None, case.status], "origin": case.origin, "inquiry": inquiry.pk},
        reason=story.strip(),
    )
    return case


@transaction.atomic
def investigation_settle(*, case: Case, user: User, amount_yen: int, reason: str) -> Case:
    """A supervisor sets an investigation's amount (0 is allowed) with the reason for it."""
    if not is_supervisor(user):
        raise PermissionDenied
    if not reason.strip():
        raise ValidationError({"reason": _("Say how the amount was established.")})
    if amount_yen < 0:
        raise ValidationError({"amount_yen": _("The amount cannot be negative.")})
    case = Case.objects.select_for_update().get(pk=case.pk)
    investigation = Investigation.objects.select_for_update().get(case=case)
    if case.status != CaseStatus.CLAIM_RECEIVED:
        raise ValidationError(_("Only an investigation waiting to be settled can be settled."))
    before = case.amount_yen
    case.amount_yen = amount_yen
    case.amount_set_by, case.amount_set_at = user, timezone.now()
    case.save(update_fields=["amount_yen", "amount_set_by", "amount_set_at", "updated_at"])
    investigation.settled_at = timezone.now()
    investigation.settled_by = user
    investigation.settlement_reason = reason.strip()
    investigation.save(update_fields=["settled_at", "settled_by", "settlement_reason"])
    audit_record(
        actor=user,
        action=AuditAction.CASE_INVESTIGATION_SETTLED,
        obj=case,
        changes={"amount_yen": [before, amount_yen]},
        reason=reason.strip(),
    )
    return case


# -- personal data --------------------------------------------------------------------------


@transaction.atomic
@transaction.atomic
def member_contact_update(
    *, member: Member, user: User, values: Mapping[str, str], inquiry: Inquiry | None = None
) -> list[MemberContactChange]:
    """Record the phone, postal code, address or email a caller gives (a former member who
    moved): the member's row takes them, each change keeps what it was; staff need the
    caller's identity confirmed. Letters and the search use the new values at once."""
    if not is_supervisor(user) and verified_inquiry(user=user, member=member) is None:
        raise PermissionDenied(_("Confirm the caller's identity before changing their details."))
    member = Member.objects.select_for_update().get(pk=member.pk)
    changes: list[MemberContactChange] = []
    for name in ContactField.values:
        new = (values.get(name) or "").strip()
        old = getattr(member, name) or ""
        if not new or new == old:
            continue
        changes.append(
            MemberContactChange(
                member=member,
                field=name,
                old_value=old,
                new_value=new,
                inquiry=inquiry,
                changed_by=user,
            )
        )
        setattr(member, name, new)
    if not changes:
        raise ValidationError(_("Nothing changed: type the new details."))
    member.refresh_search_keys()
    member.full_clean(exclude=["member_no"])
    member.save()
    MemberContactChange.objects.bulk_create(changes)
    audit_record(
        actor=user,
        action=AuditAction.MEMBER_CONTACT_CHANGED,
        obj=member,
        changes={"fields": [change.field for change in changes]},
    )
    return changes


def member_reveal(*, user: User, member: Member, reason: str) -> PersonalDataAccess:
    """Log that ``user`` is shown ``member``'s masked personal data, and why."""
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the personal data is needed.")})
    if not may_reveal(user=user, verified=verified_inquiry(user=user, member=member)):
        raise PermissionDenied(_("Confirm the caller's identity before revealing their data."))
    access = PersonalDataAccess.objects.create(
        user=user, member=member, fields=list(PERSONAL_FIELDS), reason=reason[:300]
    )
    audit_record(
        actor=user,
        action=AuditAction.MEMBER_REVEALED,
        obj=member,
        changes={"fields": access.fields},
        reason=access.reason,
    )
    return access
