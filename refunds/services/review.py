"""Review writes: prepare, approve (four-eyes, second approval above the threshold), reject,
hold and release, reopen, change an amount. Keyword-only, one transaction, the case row locked,
an audit event each; ``refunds.workflow`` says which move is allowed.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.roles import ALL_ROLES
from refunds.models import Case, CaseStatus, Claim, QaStatus
from refunds.models.audit import AuditAction
from refunds.policies import (
    PREPARABLE,
    approval_refusal,
    is_supervisor,
    may_see_amounts,
    payout_problem,
    require_supervisor,
)
from refunds.services.audit import audit_record, refusals_recorded
from refunds.services.qa import qa_draw
from refunds.services.transitions import case_move

S = CaseStatus


def _lock(case: Case) -> Case:
    return Case.objects.select_for_update(of=("self",)).select_related("program").get(pk=case.pk)


@transaction.atomic
def case_prepare(*, case: Case, user: User, note: str = "") -> Case:
    """Amount and payee checked: the case waits for a supervisor who did not prepare it."""
    if not user.has_role(*ALL_ROLES):
        raise PermissionDenied
    case = _lock(case)
    corrected = case.qa_status == QaStatus.FAILED and case.status == S.PREPARED
    if case.status not in PREPARABLE and not corrected:
        raise ValidationError(
            _("Case %(case)s is “%(state)s”; it cannot be prepared now.")
            % {"case": case.case_no, "state": case.get_status_display()}
        )
    if corrected and not note.strip():
        raise ValidationError({"note": _("Say what was corrected after the failed check.")})
    problem = payout_problem(case, case.claims.first())
    if problem:
        raise ValidationError(problem)
    restarted = case.restart_review(preparer=user, save=corrected)
    if corrected:  # prepared again where it stands: the check's failure is answered
        audit_record(actor=user, action=AuditAction.CASE_PREPARED, obj=case, reason=note)
    else:
        case_move(
            case=case,
            to=S.PREPARED,
            actor=user,
            action=AuditAction.CASE_PREPARED,
            reason=note,
            fields=restarted,
        )
    qa_draw(case, again=case.qa_status == QaStatus.FAILED)
    return case


def looked_at_alone(case: Case, claim: Claim | None) -> str:
    """Why a bulk approval leaves the case to a supervisor looking at it on its own: the
    detection's flag, or what the claim asks the reviewer to check ('' when nothing)."""
    if case.flagged:
        return _("Flagged: %(flag)s") % {"flag": case.flag_reason or _("check it first")}
    if claim is not None and claim.review_flag:
        return _("For the reviewer: %(flag)s") % {"flag": claim.review_flag}
    return ""


@refusals_recorded(AuditAction.CASE_APPROVED)
@transaction.atomic
def case_approve(*, case: Case, user: User, skip_flagged: bool = False) -> Case:
    """First approval (or the only one up to the program's threshold), else the second.

    ``skip_flagged`` (bulk approval) refuses a flagged case: only a supervisor looking at the
    case on its own approves one."""
    case = _lock(case)
    claim = case.claims.first()
    refusal = approval_refusal(case, user)
    if not refusal and skip_flagged:
        refusal = looked_at_alone(case, claim)
    if not refusal:
        refusal = payout_problem(case, claim)
    if refusal:
        raise PermissionDenied(refusal)
    now = timezone.now()
    if case.status == S.PREPARED:
        case.approved_by, case.approved_at = user, now
        case.save(update_fields=["approved_by", "approved_at"])
        threshold = case.program.second_approval_threshold_yen
        to = S.AWAITING_SECOND_APPROVAL if (case.amount_yen or 0) > threshold else S.APPROVED
        case_move(case=case, to=to, actor=user, action=AuditAction.CASE_APPROVED)
    else:
        case.second_approved_by, case.second_approved_at = user, now
        case.save(update_fields=["second_approved_by", "second_approved_at"])
        case_move(case=case, to=S.APPROVED, actor=user, action=AuditAction.CASE_SECOND_APPROVED)
    return case


@transaction.atomic
def case_reject(*, case: Case, user: User, reason: str) -> Case:
    """A supervisor decides no refund is due (reason required)."""
    require_supervisor(user)
    if not reason.strip():
        raise ValidationError({"reason": _("Say why no refund is due.")})
    case = _lock(case)
    if case.prepared_by_id == user.pk:
        raise PermissionDenied(_("You prepared this case; another supervisor must decide."))
    case.status_reason = reason.strip()[:500]
    case.save(update_fields=["status_reason"])
    case_move(case=case, to=S.REJECTED, actor=user, action=AuditAction.CASE_REJECTED, reason=reason)
    return case


@transaction.atomic
def case_reopen(*, case: Case, user: User, reason: str) -> Case:
    """A supervisor reopens a rejected case: it is prepared again by someone."""
    require_supervisor(user)
    if not reason.strip():
        raise ValidationError({"reason": _("Say why the case is reopened.")})
    case = _lock(case)
    if case.status != S.REJECTED:
        raise ValidationError(_("Only a rejected case can be reopened."))
    restarted = case.restart_review(preparer=user, save=False)
    case_move(
        case=case,
        to=S.PREPARED,
        actor=user,
        action=AuditAction.CASE_REOPENED,
        reason=reason,
        fields=restarted,
    )
    return case


@transaction.atomic
def case_hold(*, case: Case, user: User, reason: str) -> Case:
    """Pause a case (dispute, deceased member, legal); it returns to where it was."""
    require_supervisor(user)
    if not reason.strip():
        raise ValidationError({"reason": _("Say why the case is put on hold.")})
    case = _lock(case)
    case.hold_return_status = case.status
    case.status_reason = reason.strip()[:500]
    case.save(update_fields=["hold_return_status", "status_reason"])
    case_move(case=case, to=S.ON_HOLD, actor=user, action=AuditAction.CASE_HELD, reason=reason)
    return case


@transaction.atomic
def case_release(*, case: Case, user: User, reason: str = "") -> Case:
    require_supervisor(user)
    case = _lock(case)
    if case.status != S.ON_HOLD or not case.hold_return_status:
        raise ValidationError(_("This case is not on hold."))
    back = case.hold_return_status
    case.hold_return_status = ""
    case.save(update_fields=["hold_return_status"])
    case_move(case=case, to=back, actor=user, action=AuditAction.CASE_RELEASED, reason=reason)
    return case


@transaction.atomic
def case_change_amount(
    *, case: Case, user: User, amount_yen: int, reason: str, justification: str = ""
) -> Case:
    """Change the amount to pay. A reason is required; the case goes back to ``prepared``
    (or stays before it); above the computed amount only a supervisor, with a justification."""
    if not reason.strip():
        raise ValidationError({"reason": _("Say why the amount changes.")})
    if amount_yen < 0:
        raise ValidationError({"amount_yen": _("The amount cannot be negative.")})
    case = _lock(case)
    if case.status in (S.IN_PAYMENT, S.PAID):
        raise ValidationError(_("The amount of a case in payment or paid cannot change."))
    if case.status == S.ON_HOLD:
        raise ValidationError(_("Release the hold before changing the amount."))
    supervisor = is_supervisor(user)
    computed = case.computed_amount_yen
    if not supervisor and (computed is None or not may_see_amounts(user=user, member=case.member)):
        raise PermissionDenied(_("Only a supervisor may set this amount."))
    if computed is not None and amount_yen > computed:
        if not supervisor:
            raise PermissionDenied(
                _("Only a supervisor may raise an amount above the computed one.")
            )
        if not justification.strip():
            raise ValidationError(
                {
                    "justification": _("Justify an amount above the computed %(yen)s yen.")
                    % {"yen": f"{computed:,}"}
                }
            )
    before = case.amount_yen
    if before == amount_yen:
        return case
    case.amount_yen = amount_yen
    case.amount_set_by, case.amount_set_at = user, timezone.now()
    case.save(update_fields=["amount_yen", "amount_set_by", "amount_set_at", "updated_at"])
    changes = {"amount_yen": [before, amount_yen]}
    why = reason.strip() + (f" / {justification.strip()}" if justification.strip() else "")
    if case.status in (S.AWAITING_SECOND_APPROVAL, S.APPROVED, S.PREPARED):
        restarted = case.restart_review(preparer=user, save=case.status == S.PREPARED)
        if case.status != S.PREPARED:
            case_move(
                case=case,
                to=S.PREPARED,
                actor=user,
                action=AuditAction.CASE_AMOUNT_CHANGED,
                reason=why,
                changes=changes,
                fields=restarted,
            )
            return case
    audit_record(
        actor=user, action=AuditAction.CASE_AMOUNT_CHANGED, obj=case, changes=changes, reason=why
    )
    return case


# -- bulk approval --------------------------------------------------------------------------


@dataclass
class BulkPlan:
    approvable: list[Case] = field(default_factory=list)
    skipped: list[tuple[Case, str]] = field(default_factory=list)

    @property
    def total_yen(self) -> int:
        return sum(case.amount_yen or 0 for case in self.approvable)


def bulk_approve_plan(*, cases: Iterable[Case], user: User) -> BulkPlan:
    """What a bulk approval would do: the cases it approves and the ones it skips, and why."""
    plan = BulkPlan()
    case_list = list(cases)
    claims = {c.case_id: c for c in Claim.objects.filter(case__in=case_list)}
    for case in case_list:
        reason = approval_refusal(case, user) or looked_at_alone(case, claims.get(case.pk))
        if not reason:
            reason = payout_problem(case, claims.get(case.pk))
        if reason:
            plan.skipped.append((case, reason))
        else:
            plan.approvable.append(case)
    return plan


def bulk_approve(*, case_ids: Iterable[int], user: User) -> tuple[int, list[tuple[str, str]]]:
    """Approve each case in its own transaction; returns (approved, [(case_no, why skipped)])."""
    approved = 0
    skipped: list[tuple[str, str]] = []
    for case in Case.objects.filter(pk__in=list(case_ids)).order_by("pk"):
        try:
            case_approve(case=case, user=user, skip_flagged=True)
            approved += 1
        except (PermissionDenied, ValidationError) as exc:
            skipped.append((case.case_no, " ".join(getattr(exc, "messages", [str(exc)]))))
    return approved, skipped
