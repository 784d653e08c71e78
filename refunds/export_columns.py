"""What each list exports: its columns, how each is written, and which are personal data."""

from typing import Any

from django.utils.functional import lazy
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from refunds.exports import (
    ExportColumn as C,
)
from refunds.exports import label_of, local_time
from refunds.localtime import zone_name
from refunds.models import (
    CaseStatus,
    Category,
    Channel,
    Direction,
    InquiryOutcome,
    InquiryReason,
    MemberStatus,
    PayoutMethod,
)
from refunds.models.audit import AuditAction
from refunds.models.payments import BatchStatus
from refunds.privacy import (
    mask_account,
    mask_address,
    mask_birth_date,
    mask_email,
    mask_phone,
    mask_postal,
)


def _hidden(value: object) -> str:
    return ""


def T(label: Any, path: str) -> C:
    """A date-time column: written in local time, its zone named in the header (``(JST)``)."""
    return C(format_lazy("{} ({})", label, lazy(zone_name, str)()), path, local_time)


CASES = (
    C(_("case number"), "case_no"),
    C(_("program"), "program_code"),
    C(_("member number"), "member__member_no"),
    C(_("contract number"), "contract__contract_no"),
    C(_("category"), "category", label_of(Category.choices)),
    C(_("status"), "status", label_of(CaseStatus.choices)),
    # Staff see an amount only after a caller's identity check: none in an export.
    C(_("amount (yen)"), "amount_yen", None, _hidden),
    C(_("computed amount (yen)"), "computed_amount_yen", None, _hidden),
    C(_("flagged"), "flagged"),
    T(_("created at"), "created_at"),
    T(_("paid at"), "paid_at"),
    C(_("paid (yen)"), "paid_amount_yen", None, _hidden),
)

MEMBERS = (
    C(_("member number"), "member_no"),
    C(_("name"), "name"),
    C(_("name (kana)"), "name_kana"),
    C(_("birth date"), "birth_date", None, mask_birth_date),
    C(_("phone"), "phone", None, mask_phone),
    C(_("email"), "email", None, mask_email),
    C(_("postal code"), "postal_code", None, mask_postal),
    C(_("address"), "address", None, mask_address),
    C(_("status"), "status", label_of(MemberStatus.choices)),
    C(_("joined on"), "joined_on"),
    C(_("withdrawn on"), "withdrawn_on"),
)

INQUIRIES = (
    C("#", "id"),
    T(_("started at"), "started_at"),
    T(_("ended at"), "ended_at"),
    C(_("channel"), "channel", label_of(Channel.choices)),
    C(_("direction"), "direction", label_of(Direction.choices)),
    C(_("reason"), "reason", label_of(InquiryReason.choices)),
    C(_("outcome"), "outcome", label_of(InquiryOutcome.choices)),
    C(_("member number"), "member__member_no"),
    C(_("case number"), "case__case_no"),
    C(_("caller's name"), "caller_name"),
    C(_("caller's phone"), "caller_phone", None, mask_phone),
    C(_("note"), "note"),
    T(_("callback due"), "callback_due_at"),
    C(_("taken by"), "created_by__username"),
)

CLAIMS = (
    T(_("received at"), "received_at"),
    C(_("case number"), "case__case_no"),
    C(_("member number"), "member__member_no"),
    C(_("payout"), "method", label_of(PayoutMethod.choices)),
    C(_("bank code"), "bank_code"),
    C(_("bank"), "bank_name"),
    C(_("branch code"), "branch_code"),
    C(_("branch"), "branch_name"),
    C(_("account type"), "account_type"),
    C(_("account number"), "account_number", None, mask_account),
    C(_("account holder (kana)"), "holder_name"),
    C(_("credited contract"), "credit_contract__contract_no"),
    C(_("taken by"), "created_by__username"),
)

BATCHES = (
    C("#", "id"),
    C(_("payout"), "method", label_of(PayoutMethod.choices)),
    C(_("status"), "status", label_of(BatchStatus.choices)),
    C(_("transfer date"), "transfer_date"),
    C(_("payments"), "item_count"),
    C(_("total (yen)"), "total_yen"),
    C(_("built by"), "created_by__username"),
    T(_("exported at"), "exported_at"),
    T(_("reconciled at"), "reconciled_at"),
)

AUDIT = (
    T(_("when"), "created_at"),
    C(_("who"), "actor__username"),
    C(_("action"), "action", label_of(AuditAction.choices)),
    C(_("event code"), "action"),
    C(_("object type"), "object_type"),
    C(_("object id"), "object_id"),
    C(_("object"), "object_repr"),
    C(_("changes"), "changes", str),
    C(_("reason"), "reason"),
)
