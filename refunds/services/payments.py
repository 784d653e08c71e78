"""Payment writes: build a batch of approved cases, export its file, reconcile the result.

A case sits in at most one open batch and is paid at most once: partial unique indexes on
``PaymentItem`` say so in the database, and these services lock the case rows (pk order) first.
Exports and reconciliations are set-based so that a batch of 100,000 payments stays quick.
"""

import csv
import datetime
import hashlib
import io
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import Count, OuterRef, Q, QuerySet, Subquery, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from refunds import bankdays, csvcells, payee, zengin
from refunds.models import (
    BatchStatus,
    Case,
    CaseStatus,
    Claim,
    Contract,
    ItemStatus,
    PaymentBatch,
    PaymentItem,
    PayoutMethod,
    ResultFile,
    TransferResult,
)
from refunds.models.audit import AuditAction
from refunds.policies import (
    UNCHECKED,
    payable_cases,
    release_refusal,
    require_supervisor,
    results_refusal,
)
from refunds.services.audit import audit_record, refusals_recorded
from refunds.services.transitions import case_rows, cases_move, lock_cases

S = CaseStatus


@dataclass(frozen=True)
class Proposal:
    """Which approved cases a run proposes: one payout method, optionally narrowed."""

    method: str
    program_code: str = ""
    category: int | None = None
    amount_min: int | None = None
    amount_max: int | None = None
    approved_days: int | None = None

    @classmethod
    def of(cls, data: Mapping[str, Any]) -> "Proposal":
        """The proposal a build form or the API's body asks for (absent filters: none)."""
        return cls(
            method=data["method"],
            program_code=data.get("program") or "",
            category=data.get("category"),
            amount_min=data.get("amount_min"),
            amount_max=data.get("amount_max"),
            approved_days=data.get("approved_days"),
        )

    def cases(self) -> QuerySet[Case]:
        cases = payable_cases(self.method)
        if self.program_code:
            cases = cases.filter(program_code=self.program_code)
        if self.category is not None:
            cases = cases.filter(category=self.category)
        if self.amount_min is not None:
            cases = cases.filter(amount_yen__gte=self.amount_min)
        if self.amount_max is not None:
            cases = cases.filter(amount_yen__lte=self.amount_max)
        if self.approved_days:
            since = timezone.now() - datetime.timedelta(days=self.approved_days)
            cases = cases.filter(
                Q(second_approved_at__lte=since)
                | Q(second_approved_at__isnull=True, approved_at__lte=since)
            )
        return cases


def _running_contract(case: Case) -> Contract | None:
    if case.member_id is None:
        return None
    return (
        Contract.objects.filter(member_id=case.member_id, ended_on__isnull=True)
        .order_by("contract_no")
        .first()
    )


def _item_for(batch: PaymentBatch, case: Case, claim: Claim | None) -> PaymentItem:
    refund = case.amount_yen or 0
    compensation = case.program.delay_compensation_yen(refund, batch.transfer_date)
    item = PaymentItem(
        batch=batch, case=case, amount_yen=refund + compensation, compensation_yen=compensation
    )
    item.member_no = case.member.member_no if case.member else ""
    if batch.method == PayoutMethod.BANK_TRANSFER:
        assert claim is not None
        branch = payee.find_branch(claim.bank_code, claim.branch_code)
        item.bank_code, item.branch_code = claim.bank_code, claim.branch_code
        item.bank_kana = branch.bank_kana if branch else ""
        item.branch_kana = branch.branch_kana if branch else ""
        item.account_type, item.account_number = claim.account_type, claim.account_number
        item.holder_kana = payee.zengin_kana(claim.holder_name)
    else:
        contract = claim.credit_contract if claim and claim.credit_contract else None
        contract = contract or _running_contract(case)
        item.contract_no = contract.contract_no if contract else ""
    return item


@transaction.atomic
def batch_create(
    *,
    method: str,
    user: User,
    transfer_date: datetime.date,
    case_ids: Iterable[int] | None = None,
    proposal: Proposal | None = None,
) -> PaymentBatch:
    """A draft batch of the approved cases payable by ``method``: all, those a ``proposal``
    narrows to, or those listed. The draft is the run's proposal: its builder may take cases
    out (``batch_exclude``), another supervisor releases it (``batch_export``)."""
    require_supervisor(user)
    if method not in PayoutMethod.values:
        raise ValidationError({"method": _("Choose how the batch pays.")})
    problem = bankdays.transfer_date_problem(transfer_date)
    if problem:
        raise ValidationError({"transfer_date": problem})
    candidates = proposal.cases() if proposal is not None else payable_cases(method)
    if case_ids is not None:
        candidates = candidates.filter(pk__in=list(case_ids))
    ids = list(candidates.order_by("pk").values_list("pk", flat=True))
    if not ids:
        raise ValidationError(_("No approved case is waiting for this payout method."))
    lock_cases(ids)
    # Read again under the lock: only what is still payable goes in.
    cases = list(
        payable_cases(method).filter(pk__in=ids).select_related("member", "program").order_by("pk")
    )
    if not cases:  # another run took them while this one waited for the locks
        raise ValidationError(_("No approved case is waiting for this payout method."))
    claims = {
        c.case_id: c for c in Claim.objects.filter(case__in=cases).select_related("credit_contract")
    }
    batch = PaymentBatch.objects.create(method=method, transfer_date=transfer_date, created_by=user)
    items = [_item_for(batch, case, claims.get(case.pk)) for case in cases]
    missing = [
        item.case.case_no
        for item in items
        if method == PayoutMethod.BILL_CREDIT and not item.contract_no
    ]
    if missing:
        raise ValidationError(
            _("No running contract to credit for %(cases)s.") % {"cases": ", ".join(missing[:10])}
        )
    try:
        with transaction.atomic():
            PaymentItem.objects.bulk_create(items, batch_size=2000)
    except IntegrityError:
        raise ValidationError(_("A case is already in another open batch; try again.")) from None
    batch.item_count = len(items)
    batch.total_yen = sum(item.amount_yen for item in items)
    batch.save(update_fields=["item_count", "total_yen"])
    audit_record(
        actor=user,
        action=AuditAction.BATCH_CREATED,
        obj=batch,
        changes={"method": method, "count": batch.item_count, "total_yen": batch.total_yen},
    )
    return batch


@transaction.atomic
def batch_exclude(
    *, batch: PaymentBatch, user: User, item_ids: Iterable[int], reason: str
) -> PaymentBatch:
    """Take payments out of a draft run, with the reason; their cases stay approved for a later
    run. Only the builder changes the run's list; the releaser sees it as it then is."""
    require_supervisor(user)
    if not reason.strip():
        raise ValidationError({"reason": _("Say why these cases wait for another run.")})
    batch = PaymentBatch.objects.select_for_update().get(pk=batch.pk)
    if batch.status != BatchStatus.DRAFT:
        raise ValidationError(_("Only a draft run's list can change."))
    if batch.created_by_id != user.pk:
        raise PermissionDenied(_("Only the supervisor who built this run changes its list."))
    items = list(batch.items.filter(pk__in=list(item_ids)).select_related("case"))
    if not items:
        raise ValidationError(_("Choose the payments to take out."))
    batch.items.filter(pk__in=[item.pk for item in items]).delete()
    remaining = batch.items.aggregate(count=Count("pk"), total=Sum("amount_yen"))
    batch.item_count, batch.total_yen = remaining["count"], remaining["total"] or 0
    batch.save(update_fields=["item_count", "total_yen"])
    audit_record(
        actor=user,
        action=AuditAction.BATCH_CASES_EXCLUDED,
        obj=batch,
        changes={
            "cases": [item.case.case_no for item in items],
            "count": batch.item_count,
            "total_yen": batch.total_yen,
        },
        reason=reason.strip(),
    )
    return batch


@transaction.atomic
def batch_discard(*, batch: PaymentBatch, user: User) -> None:
    """Drop a draft batch: its cases stay approved and may go into another one."""
    require_supervisor(user)
    batch = PaymentBatch.objects.select_for_update().get(pk=batch.pk)
    if batch.status != BatchStatus.DRAFT:
        raise ValidationError(_("Only a draft batch can be discarded."))
    audit_record(
        actor=user,
        action=AuditAction.BATCH_DISCARDED,
        obj=batch,
        changes={"count": batch.item_count},
    )
    batch.delete()


def consignor() -> zengin.Consignor:
    """The company's own account and consignor code, from settings."""
    return zengin.Consignor(
        code=settings.ZENGIN_CONSIGNOR_CODE,
        name_kana=settings.ZENGIN_CONSIGNOR_NAME,
        bank_code=settings.ZENGIN_BANK_CODE,
        bank_kana=settings.ZENGIN_BANK_KANA,
        branch_code=settings.ZENGIN_BRANCH_CODE,
        branch_kana=settings.ZENGIN_BRANCH_KANA,
        account_type=settings.ZENGIN_ACCOUNT_TYPE,
        account_number=settings.ZENGIN_ACCOUNT_NUMBER,
    )


def _file_for(batch: PaymentBatch, items: list[PaymentItem]) -> tuple[str, bytes]:
    if batch.method == PayoutMethod.BANK_TRANSFER:
        transfers = (
            zengin.Transfer(
                bank_code=item.bank_code,
                bank_kana=item.bank_kana,
                branch_code=item.branch_code,
                branch_kana=item.branch_kana,
                account_type=item.account_type,
                account_number=item.account_number,
                holder_kana=item.holder_kana,
                amount_yen=item.amount_yen,
                customer_code1=f"{item.pk:010d}",
            )
            for item in items
        )
        data = zengin.write_transfer_file(
            consignor=consignor(),
            transfer_date=batch.transfer_date,
            transfers=transfers,
            line_ending=settings.ZENGIN_LINE_ENDING,
        )
        return f"zengin-{batch.pk}-{batch.transfer_date:%Y%m%d}.txt", data
    out = io.StringIO()
    writer = csvcells.writer(out)
    writer.writerow(["reference", "member_no", "contract_no", "amount_yen", "case_no", "batch"])
    for item in items:
        writer.writerow(
            [
                f"{item.pk:010d}",
                item.member_no,
                item.contract_no,
                item.amount_yen,
                item.case.case_no,
                batch.pk,
            ]
        )
    return f"bill-credit-{batch.pk}-{batch.transfer_date:%Y%m%d}.csv", out.getvalue().encode(
        "utf-8"
    )


_PAYEE_FIELDS = (
    "amount_yen",
    "bank_code",
    "branch_code",
    "account_type",
    "account_number",
    "holder_kana",
    "contract_no",
)


def _stale_items(batch: PaymentBatch, items: list[PaymentItem]) -> list[str]:
    """Case numbers whose line no longer matches the case's amount and payee (read locked)."""
    cases = {
        c.pk: c
        for c in Case.objects.filter(pk__in=[i.case_id for i in items]).select_related(
            "member", "program"
        )
    }
    claims = {
        c.case_id: c
        for c in Claim.objects.filter(case__in=list(cases)).select_related("credit_contract")
    }
    stale = []
    for item in items:
        case = cases[item.case_id]
        expected = _item_for(batch, case, claims.get(case.pk))
        if any(getattr(expected, f) != getattr(item, f) for f in _PAYEE_FIELDS):
            stale.append(case.case_no)
    return stale


@refusals_recorded(AuditAction.BATCH_EXPORTED)
@transaction.atomic
def batch_export(*, batch: PaymentBatch, user: User) -> PaymentBatch:
    """Write the batch's file and move its cases to ``in_payment`` (once)."""
    batch = PaymentBatch.objects.select_for_update().get(pk=batch.pk)
    refusal = release_refusal(batch, user)
    if refusal:
        raise PermissionDenied(refusal)
    if batch.status != BatchStatus.DRAFT:
        raise ValidationError(_("This batch was already exported."))
    problem = bankdays.transfer_date_problem(batch.transfer_date)
    if problem:
        raise ValidationError(
            _("%(problem)s Discard this run and build it again with another date.")
            % {"problem": problem}
        )
    items = list(batch.items.select_related("case").order_by("pk"))
    if not items:
        raise ValidationError(_("An empty payment run cannot be released."))
    ids = [item.case_id for item in items]
    lock_cases(ids)
    moved = Case.objects.filter(pk__in=ids, status=S.APPROVED).exclude(qa_status__in=UNCHECKED)
    if moved.count() != len(ids):
        raise ValidationError(
            _("Some cases of this batch are no longer approved; discard it and build a new one.")
        )
    stale = _stale_items(batch, items)
    if stale:
        raise ValidationError(
            _(
                "The amount or payee of %(cases)s changed since the batch was built; "
                "discard it and build a new one."
            )
            % {"cases": ", ".join(stale[:10])}
        )
    name, data = _file_for(batch, items)
    cases_move(
        cases=case_rows(ids),
        to=S.IN_PAYMENT,
        actor=user,
        action=AuditAction.CASE_IN_PAYMENT,
        changes={"batch": batch.pk},
    )
    batch.file.save(name, ContentFile(data), save=False)
    batch.status = BatchStatus.EXPORTED
    batch.exported_by, batch.exported_at = user, timezone.now()
    batch.save(update_fields=["file", "status", "exported_by", "exported_at"])
    audit_record(
        actor=user,
        action=AuditAction.BATCH_EXPORTED,
        obj=batch,
        changes={
            "file": name,
            "sha256": hashlib.sha256(data).hexdigest(),
            "count": len(items),
            "total_yen": sum(item.amount_yen for item in items),
            "transfer_date": batch.transfer_date.isoformat(),
        },
    )
    return batch


# -- reconciliation -------------------------------------------------------------------------


@dataclass
class ResultRow:
    line: int
    reference: str
    paid: bool
    amount_yen: int | None
    reason: str = ""


@dataclass
class ReconcileOutcome:
    paid: int = 0
    failed: int = 0
    errors: list[str] = field(default_factory=list)
    still_open: int = 0  # payments of the batch still waiting for a result


_DIGITS = re.compile(r"[0-9]{1,18}")
_PAID = {"paid", "ok", "済", "完了", "0"}
_FAILED = {"failed", "ng", "不能", "エラー", "1"}


def is_zengin(data: bytes) -> bool:
    """Whether ``data`` starts with a 総合振込 header record (a bank's result file)."""
    return data[:3] == b"1" + zengin.TYPE_CODE.encode()


def read_zengin_result_file(
    data: bytes, file_name: str, batch: PaymentBatch
) -> tuple[list[ResultRow], list[str]]:
    """Read the bank's own result file for ``batch`` (``zengin.parse_result_file``).

    The header must be the company's (consignor code) for the batch's transfer date; each data
    record is matched by its 顧客コード1 (the reference the batch file wrote), paid when its
    振込結果コード is 0 and failed with the code's meaning otherwise; a code with no meaning
    (``TransferResult``) refuses the file.
    """
    if batch.method != PayoutMethod.BANK_TRANSFER:
        return [], [
            _("%(file)s: a bank's transfer result file, but this run is not paid by transfer")
            % {"file": file_name}
        ]
    code_byte = settings.ZENGIN_RESULT_CODE_BYTE
    try:
        parsed = zengin.parse_result_file(data, code_byte=code_byte)
    except ValueError as exc:
        return [], [_("%(file)s: %(reason)s") % {"file": file_name, "reason": exc}]
    errors: list[str] = []
    header = parsed.header
    if header["type_code"] != zengin.TYPE_CODE:
        errors.append(
            _("%(file)s record 1, bytes 2-3: type code %(code)s is not 21, a bulk transfer")
            % {"file": file_name, "code": header["type_code"]}
        )
    if header["consignor_code"] != settings.ZENGIN_CONSIGNOR_CODE:
        errors.append(
            _("%(file)s record 1, bytes 5-14: consignor code %(code)s is not the company's")
            % {"file": file_name, "code": header["consignor_code"]}
        )
    if header["transfer_date"] != f"{batch.transfer_date:%m%d}":
        errors.append(
            _(
                "%(file)s record 1, bytes 55-58: transfer date %(got)s is not the run's "
                "transfer date %(want)s"
            )
            % {
                "file": file_name,
                "got": header["transfer_date"],
                "want": f"{batch.transfer_date:%m%d}",
            }
        )
    meanings = dict(TransferResult.choices)
    rows: list[ResultRow] = []
    for record in parsed.records:
        number, code = record["record"], str(record["result_code"])
        if code not in meanings:
            errors.append(
                _(
                    "%(file)s record %(line)s, byte %(byte)s: “%(code)s” is not a result code "
                    "(0 to 5, 8 or 9)"
                )
                % {"file": file_name, "line": number, "byte": code_byte, "code": code}
            )
            continue
        paid = code == zengin.RESULT_PAID
        rows.append(
            ResultRow(
                line=int(number),
                reference=str(record["customer_code1"]),
                paid=paid,
                amount_yen=int(record["amount_yen"]),
                reason="" if paid else f"{code}: {meanings[code]}",
            )
        )
    return rows, errors


def read_result_file(
    data: bytes, file_name: str = "result.csv"
) -> tuple[list[ResultRow], list[str]]:
    """Read a result file: ``reference`` (the batch file's reference or the case number),
    ``result`` (paid/failed, 済/不能), ``amount_yen``, ``reason``. UTF-8 or CP932."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("cp932", errors="replace")
    rows: list[ResultRow] = []
    errors: list[str] = []
    reader = csv.DictReader(io.StringIO(text))
    missing = {"reference", "result"} - set(reader.fieldnames or [])
    if missing:
        return [], [
            _("%(file)s: missing column(s) %(cols)s")
            % {"file": file_name, "cols": ", ".join(sorted(missing))}
        ]
    for record in reader:
        line = reader.line_num
        result = (record.get("result") or "").strip().lower()
        if result not in _PAID | _FAILED:
            errors.append(
                _("%(file)s line %(line)s, column result: “%(value)s” is not paid or failed")
                % {"file": file_name, "line": line, "value": result}
            )
            continue
        amount_text = (record.get("amount_yen") or "").strip().replace(",", "")
        if amount_text and not _DIGITS.fullmatch(amount_text):
            errors.append(
                _("%(file)s line %(line)s, column amount_yen: “%(value)s” is not an amount")
                % {"file": file_name, "line": line, "value": amount_text}
            )
            continue
        rows.append(
            ResultRow(
                line=line,
                reference=(record.get("reference") or "").strip(),
                paid=result in _PAID,
                amount_yen=int(amount_text) if amount_text else None,
                reason=(record.get("reason") or "").strip()[:300],
            )
        )
    return rows, errors


@refusals_recorded(AuditAction.BATCH_RECONCILED)
@transaction.atomic
def batch_reconcile(
    *, batch: PaymentBatch, user: User, rows: list[ResultRow], file_name: str = ""
) -> ReconcileOutcome:
    """Apply a result file to an exported batch: all of it, or nothing when a line is wrong."""
    batch = PaymentBatch.objects.select_for_update().get(pk=batch.pk)
    refusal = results_refusal(batch, user)
    if refusal:
        raise PermissionDenied(refusal)
    outcome = ReconcileOutcome()
    if batch.status not in (BatchStatus.EXPORTED, BatchStatus.PARTLY_RECONCILED):
        outcome.errors.append(_("Only an exported batch waiting for results can be reconciled."))
        return outcome
    items = {item.pk: item for item in batch.items.select_related("case")}
    by_case_no = {item.case.case_no: item for item in items.values()}
    seen: set[int] = set()
    matched: list[tuple[ResultRow, PaymentItem]] = []
    where = file_name or _("result file")
    for row in rows:
        item = None
        if _DIGITS.fullmatch(row.reference):
            item = items.get(int(row.reference))
        item = item or by_case_no.get(row.reference)
        if item is None:
            outcome.errors.append(
                _("%(file)s line %(line)s: %(ref)s is not in this batch")
                % {"file": where, "line": row.line, "ref": row.reference}
            )
        elif item.pk in seen:
            outcome.errors.append(
                _("%(file)s line %(line)s: %(ref)s is listed twice")
                % {"file": where, "line": row.line, "ref": row.reference}
            )
        elif item.status != ItemStatus.PENDING:
            outcome.errors.append(
                _("%(file)s line %(line)s: %(ref)s already has a result")
                % {"file": where, "line": row.line, "ref": row.reference}
            )
        elif row.paid and row.amount_yen is None:
            outcome.errors.append(
                _("%(file)s line %(line)s: %(ref)s is paid without an amount")
                % {"file": where, "line": row.line, "ref": row.reference}
            )
        elif row.paid and row.amount_yen != item.amount_yen:
            outcome.errors.append(
                _("%(file)s line %(line)s: %(ref)s paid %(got)s yen, the batch says %(want)s yen")
                % {
                    "file": where,
                    "line": row.line,
                    "ref": row.reference,
                    "got": f"{row.amount_yen:,}",
                    "want": f"{item.amount_yen:,}",
                }
            )
        else:
            seen.add(item.pk)
            matched.append((row, item))
    if outcome.errors:
        return outcome  # nothing applied
    now = timezone.now()
    # Money moves on the transfer date, whenever its result file is applied.
    paid_at = timezone.make_aware(datetime.datetime.combine(batch.transfer_date, datetime.time()))
    lock_cases(item.case_id for _row, item in matched)
    paid = [item for row, item in matched if row.paid]
    failed = []
    for row, item in matched:
        if not row.paid:
            item.failure_reason = (row.reason or _("refused"))[:300]
            failed.append(item)
    PaymentItem.objects.filter(pk__in=[item.pk for item in paid]).update(
        status=ItemStatus.PAID, is_open=False, result_at=now
    )
    for item in failed:
        item.status, item.is_open, item.result_at = ItemStatus.FAILED, False, now
    PaymentItem.objects.bulk_update(
        failed, ["status", "is_open", "result_at", "failure_reason"], batch_size=2000
    )
    # Each case's paid amount, compensation and failure reason come from its line of the batch.
    line = PaymentItem.objects.filter(batch=batch, case=OuterRef("pk"))
    paid_yen = {item.case_id: item.amount_yen for item in paid}
    reasons = {item.case_id: item.failure_reason for item in failed}
    cases_move(
        cases=case_rows(paid_yen),
        to=S.PAID,
        actor=user,
        action=AuditAction.CASE_PAID,
        values={
            "paid_at": paid_at,
            "paid_amount_yen": Subquery(line.values("amount_yen")[:1]),
            "compensation_yen": Subquery(line.values("compensation_yen")[:1]),
        },
        changes=lambda row: {
            "batch": batch.pk,
            "paid_yen": paid_yen[row.pk],
            "paid_on": batch.transfer_date.isoformat(),
        },
    )
    cases_move(
        cases=case_rows(reasons),
        to=S.PAYMENT_FAILED,
        actor=user,
        action=AuditAction.CASE_PAYMENT_FAILED,
        values={"status_reason": Subquery(line.values("failure_reason")[:1])},
        changes=lambda row: {"batch": batch.pk, "failure_reason": reasons[row.pk]},
    )
    outcome.paid, outcome.failed = len(paid), len(failed)
    outcome.still_open = batch.items.filter(status=ItemStatus.PENDING).count()
    batch.reconciled_by = user
    batch.status = BatchStatus.PARTLY_RECONCILED if outcome.still_open else BatchStatus.RECONCILED
    fields = ["reconciled_by", "status"]
    if not outcome.still_open:
        batch.reconciled_at = now
        fields.append("reconciled_at")
    batch.save(update_fields=fields)
    audit_record(
        actor=user,
        action=AuditAction.BATCH_RECONCILED,
        obj=batch,
        changes={
            "paid": outcome.paid,
            "failed": outcome.failed,
            "still_open": outcome.still_open,
            "file": file_name,
        },
    )
    return outcome


@refusals_recorded(AuditAction.BATCH_RECONCILED)
@transaction.atomic
def batch_apply_result_file(
    *, batch: PaymentBatch, user: User, data: bytes, file_name: str
) -> tuple[ResultFile, ReconcileOutcome]:
    """Read a result file and apply it (all of it or nothing); the file is kept either way,
    with its SHA-256, who uploaded it and when, and a refused one is an audit event with why."""
    banks_own = is_zengin(data)
    if banks_own:
        rows, errors = read_zengin_result_file(data, file_name, batch)
    else:
        rows, errors = read_result_file(data, file_name)
    outcome = ReconcileOutcome(errors=errors)
    if not errors:
        outcome = batch_reconcile(batch=batch, user=user, rows=rows, file_name=file_name)
    digest = hashlib.sha256(data).hexdigest()
    kept = ResultFile(
        batch=batch,
        file_name=file_name[:255],
        sha256=digest,
        uploaded_by=user,
        applied=not outcome.errors,
        paid=outcome.paid,
        failed=outcome.failed,
        errors=outcome.errors[:200],
    )
    suffix = "txt" if banks_own else "csv"
    kept.file.save(f"batch-{batch.pk}-{digest[:16]}.{suffix}", ContentFile(data), save=False)
    kept.save()
    if outcome.errors:
        audit_record(
            actor=user,
            action=AuditAction.ATTEMPT_REFUSED,
            obj=batch,
            changes={
                "attempt": str(AuditAction.BATCH_RECONCILED),
                "file": file_name,
                "sha256": digest,
                "errors": len(outcome.errors),
            },
            reason="; ".join(outcome.errors)[:2000],
        )
    return kept, outcome
