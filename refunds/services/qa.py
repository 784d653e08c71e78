"""Quality sampling: a share of prepared cases is re-checked before it may be paid.

A program's ``qa_rate_percent`` draws that share of the cases prepared, and the first case of
each category prepared each day whatever the rate. A drawn case carries ``qa_status = pending``
and cannot enter a payment batch until a reviewer who neither prepared nor approved it records
pass or fail. A fail (with a reason) sends the case back to ``prepared`` and counts against the
preparer's pass rate, shown on the review queue; the failed case cannot be approved until it is
prepared again with a note of what was corrected (``case_prepare``), which draws it again.
"""

import hashlib
import hmac
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from refunds.models import Case, CaseStatus, QaReview, QaStatus
from refunds.models.audit import AuditAction
from refunds.policies import is_supervisor
from refunds.services.audit import audit_record
from refunds.services.transitions import case_move


def _drawn(case: Case, rate: int) -> bool:
    """The draw for one preparation of a case: a keyed hash of the case and the time it was
    prepared, uniform over 0–100. Nobody without the secret key can tell which case will be
    drawn; an auditor who has it can show why one was; the same data gives the same draws."""
    message = f"qa:{case.pk}:{case.prepared_at.isoformat() if case.prepared_at else ''}"
    digest = hmac.new(settings.SECRET_KEY.encode(), message.encode(), hashlib.sha256).digest()
    return int.from_bytes(digest[:8], "big") / 2**64 * 100 < rate


def qa_draw(case: Case, *, again: bool = False) -> bool:
    """Decide, for a case just prepared (row locked), whether it is sampled; mark it if so.

    ``again``: the case failed its last check and was corrected; it is always drawn."""
    if case.qa_status == QaStatus.PENDING:
        return False
    rate = case.program.qa_rate_percent
    today = timezone.localdate()
    first_today = not Case.objects.filter(
        program_code=case.program_code, category=case.category, qa_drawn_at__date=today
    ).exists()
    if not (again or first_today or (rate and _drawn(case, rate))):
        return False
    case.qa_status = QaStatus.PENDING
    case.qa_drawn_at = timezone.now()
    case.save(update_fields=["qa_status", "qa_drawn_at"])
    audit_record(
        actor=None,
        action=AuditAction.CASE_QA_DRAWN,
        obj=case,
        changes={"qa_status": [None, "pending"]},
    )
    return True


def qa_refusal(case: Case, user: User) -> str:
    if not is_supervisor(user):
        return _("Only a supervisor may record a QA result.")
    if case.qa_status != QaStatus.PENDING:
        return _("This case is not waiting for QA.")
    if case.status == CaseStatus.ON_HOLD:
        return _("Release the hold before recording a QA result.")
    if user.pk in (case.prepared_by_id, case.approved_by_id, case.second_approved_by_id):
        return _("You prepared or approved this case; another reviewer must check it.")
    return ""


@transaction.atomic
def qa_record(*, case: Case, user: User, passed: bool, reason: str = "") -> QaReview:
    case = Case.objects.select_for_update(of=("self",)).select_related("program").get(pk=case.pk)
    refusal = qa_refusal(case, user)
    if refusal:
        raise PermissionDenied(refusal)
    if not passed and not reason.strip():
        raise ValidationError({"reason": _("Say what is wrong.")})
    review = QaReview.objects.create(
        case=case, reviewer=user, preparer=case.prepared_by, passed=passed, reason=reason.strip()
    )
    case.qa_status = QaStatus.PASSED if passed else QaStatus.FAILED
    case.save(update_fields=["qa_status"])
    audit_record(
        actor=user,
        action=AuditAction.CASE_QA_PASSED if passed else AuditAction.CASE_QA_FAILED,
        obj=case,
        changes={"qa_status": [QaStatus.PENDING, case.qa_status]},
        reason=reason.strip(),
    )
    if not passed and case.status in (CaseStatus.AWAITING_SECOND_APPROVAL, CaseStatus.APPROVED):
        case_move(
            case=case,
            to=CaseStatus.PREPARED,
            actor=user,
            action=AuditAction.CASE_QA_RETURNED,
            reason=reason,
            fields=case.restart_review(save=False),
        )
    return review


def preparer_pass_rates() -> list[dict[str, Any]]:
    """Each preparer's QA results: checked, passed, and the pass rate in percent."""
    rows = (
        QaReview.objects.filter(preparer__isnull=False)
        .values("preparer__username", "preparer__display_name")
        .annotate(checked=Count("pk"), passed=Count("pk", filter=Q(passed=True)))
        .order_by("preparer__username")
    )
    return [
        {
            "preparer": row["preparer__display_name"] or row["preparer__username"],
            "checked": row["checked"],
            "passed": row["passed"],
            "rate": round(100 * row["passed"] / row["checked"]),
        }
        for row in rows
    ]
