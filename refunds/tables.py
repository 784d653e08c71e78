from typing import Any

import django_tables2 as tables
from django.utils.translation import gettext_lazy as _

from refunds.models import (
    AuditEvent,
    Case,
    Claim,
    Contract,
    DetectionRun,
    ImportBatch,
    Inquiry,
    Investigation,
    Member,
    PaymentBatch,
    PaymentItem,
    PersonalDataAccess,
    ProgressReport,
    RemediationProgram,
    Tariff,
)


def yen_column(
    label: object, template: str = "{{ value|yen }}", **kwargs: Any
) -> tables.TemplateColumn:
    """Integer yen, right-aligned: ``3,402円``."""
    return tables.TemplateColumn(
        template, verbose_name=label, attrs={"td": {"class": "text-end"}}, **kwargs
    )


def count_column(label: object) -> tables.TemplateColumn:
    return tables.TemplateColumn(
        "{% load humanize %}{{ value|intcomma }}",
        verbose_name=label,
        attrs={"td": {"class": "text-end"}},
    )


class MemberTable(tables.Table):
    member_no = tables.Column(linkify=True)

    class Meta:
        model = Member
        fields = ("member_no", "name", "name_kana", "postal_code", "status", "withdrawn_on")
        default_columns = fields
        attrs = {"class": "table table-sm table-hover align-middle"}
        order_by = ("member_no",)


class ContractTable(tables.Table):
    member = tables.Column(
        accessor="member__member_no",
        verbose_name=_("member"),
        linkify=lambda record: record.member.get_absolute_url(),
    )

    class Meta:
        model = Contract
        fields = (
            "contract_no",
            "member",
            "course",
            "plan",
            "area",
            "applied_on",
            "cancel_requested_on",
            "ended_on",
        )
        default_columns = fields
        attrs = {"class": "table table-sm table-hover align-middle"}


class TariffTable(tables.Table):
    monthly_fee_yen = yen_column(_("monthly fee"))

    class Meta:
        model = Tariff
        fields = ("course", "plan", "area", "valid_from", "valid_to", "monthly_fee_yen")
        default_columns = fields
        attrs = {"class": "table table-sm table-hover align-middle"}


class ImportBatchTable(tables.Table):
    id = tables.Column(linkify=True, verbose_name="#")
    created = count_column(_("created"))
    updated = count_column(_("updated"))
    unchanged = count_column(_("unchanged"))
    rejected = count_column(_("rejected"))
    status = tables.TemplateColumn(
        template_name="refunds/includes/import_status_badge.html", verbose_name=_("status")
    )

    class Meta:
        model = ImportBatch
        fields = (
            "id",
            "kind",
            "file_name",
            "encoding",
            "status",
            "created",
            "updated",
            "unchanged",
            "rejected",
            "created_by",
            "created_at",
        )
        default_columns = fields
        attrs = {"class": "table table-sm table-hover align-middle"}


class CaseTable(tables.Table):
    case_no = tables.Column(linkify=True)
    member = tables.Column(accessor="member__member_no", verbose_name=_("member number"))
    contract = tables.Column(accessor="contract__contract_no", verbose_name=_("contract number"))
    plan = tables.Column(accessor="contract__plan", verbose_name=_("plan"), orderable=False)
    area = tables.Column(accessor="contract__area", verbose_name=_("area"), orderable=False)
    amount_yen = yen_column(_("amount"))
    status = tables.TemplateColumn(
        template_name="refunds/includes/case_status_badge.html", verbose_name=_("status")
    )
    flagged = tables.BooleanColumn(verbose_name=_("flagged"), yesno="⚑,")

    class Meta:
        model = Case
        fields = (
            "case_no",
            "member",
            "contract",
            "category",
            "plan",
            "area",
            "amount_yen",
            "status",
            "flagged",
            "updated_at",
        )
        default_columns = fields
        attrs = {"class": "table table-sm table-hover align-middle"}


class DetectionRunTable(tables.Table):
    id = tables.Column(linkify=True, verbose_name="#")

    class Meta:
        model = DetectionRun
        fields = (
            "id",
            "program",
            "dry_run",
            "status",
            "created",
            "updated",
            "unchanged",
            "flagged",
            "no_longer_affected",
            "reopened",
            "problems",
            "started_by",
            "started_at",
        )
        default_columns = fields
        attrs = {"class": "table table-sm table-hover align-middle"}


class ProgramTable(tables.Table):
    code = tables.Column()
    edit = tables.TemplateColumn(
        "{% load i18n %}{% if is_admin %}<a href=\"{% url 'refunds:program_update' record.pk %}\">"
        '{% translate "Edit" %}</a>{% endif %}',
        verbose_name="",
        orderable=False,
    )

    class Meta:
        model = RemediationProgram
        fields = (
            "code",
            "version",
            "name",
            "case_prefix",
            "applied_on_or_after",
            "cancel_requested_on_or_before",
            "recent_leaver_from",
            "second_approval_threshold_yen",
            "is_active",
        )
        default_columns = fields
        attrs = {"class": "table table-sm table-hover align-middle"}


_MEMBER_LINK = {
    "accessor": "member__member_no",
    "verbose_name": _("member"),
    "linkify": lambda record: record.member.get_absolute_url() if record.member_id else None,
}
_CASE_LINK = {
    "accessor": "case__case_no",
    "verbose_name": _("case"),
    "linkify": lambda record: record.case.get_absolute_url() if record.case_id else None,
}


class InquiryTable(tables.Table):
    id = tables.Column(linkify=True, verbose_name="#")
    member = tables.Column(**_MEMBER_LINK)  # type: ignore[arg-type]
    case = tables.Column(**_CASE_LINK)  # type: ignore[arg-type]
    caller = tables.TemplateColumn(
        "{{ record.member.name|default:record.caller_name }}",
        verbose_name=_("caller"),
        orderable=False,
    )
    created_by = tables.Column(verbose_name=_("taken by"))

    class Meta:
        model = Inquiry
        fields: tuple[str, ...] = (
            "id",
            "started_at",
            "channel",
            "direction",
            "member",
            "caller",
            "case",
            "reason",
            "outcome",
            "callback_due_at",
            "created_by",
        )
        default_columns: tuple[str, ...] = fields
        attrs = {"class": "table table-sm table-hover align-middle"}


class CallbackTable(InquiryTable):
    callback_due_at = tables.TemplateColumn(
        '<span class="{% if record.callback_due_at < now %}text-danger fw-semibold{% endif %}">'
        "{{ value|date:'Y-m-d H:i' }}</span>",
        verbose_name=_("callback due"),
    )
    phone = tables.TemplateColumn(
        "{% if record.caller_phone %}{{ record.caller_phone }}"
        "{% elif record.member %}{{ record.member.masked_phone }}{% endif %}",
        verbose_name=_("phone"),
        orderable=False,
    )

    class Meta(InquiryTable.Meta):
        fields = (
            "callback_due_at",
            "id",
            "member",
            "caller",
            "phone",
            "reason",
            "note",
            "created_by",
        )
        default_columns = fields
        order_by = ("callback_due_at",)


class ComplaintTable(InquiryTable):
    class Meta(InquiryTable.Meta):
        fields = ("complaint_due_at", "id", "member", "caller", "case", "note", "created_by")
        default_columns = fields
        order_by = ("complaint_due_at",)


class ClaimTable(tables.Table):
    case = tables.Column(**_CASE_LINK)  # type: ignore[arg-type]
    member = tables.Column(**_MEMBER_LINK)  # type: ignore[arg-type]
    status = tables.TemplateColumn(
        '{% include "refunds/includes/case_status_badge.html" with record=record.case %}',
        accessor="case__status",
        verbose_name=_("case status"),
    )
    amount = yen_column(
        _("amount"), "{{ record.case.amount_yen|yen }}", accessor="case__amount_yen"
    )
    payee = tables.TemplateColumn(
        "{% if record.method == 'bank_transfer' %}{{ record.bank_name }} {{ record.branch_name }}"
        " {{ record.masked_account }}{% else %}{{ record.credit_contract }}{% endif %}",
        verbose_name=_("payee"),
        orderable=False,
    )
    created_by = tables.Column(verbose_name=_("taken by"))

    class Meta:
        model = Claim
        fields = (
            "received_at",
            "case",
            "member",
            "status",
            "amount",
            "method",
            "payee",
            "created_by",
        )
        default_columns = fields
        attrs = {"class": "table table-sm table-hover align-middle"}


class InvestigationTable(tables.Table):
    case = tables.Column(
        accessor="case__case_no",
        verbose_name=_("case"),
        linkify=lambda record: record.case.get_absolute_url(),
    )
    program = tables.Column(accessor="case__program", verbose_name=_("program"))
    opened = tables.DateTimeColumn(accessor="case__created_at", verbose_name=_("opened"))
    amount = yen_column(
        _("amount"), "{{ record.case.amount_yen|yen }}", accessor="case__amount_yen"
    )

    class Meta:
        model = Investigation
        fields = (
            "case",
            "program",
            "opened",
            "caller_name",
            "caller_phone",
            "story",
            "amount",
            "settled_at",
        )
        default_columns = fields
        attrs = {"class": "table table-sm table-hover align-middle"}


class ReviewTable(tables.Table):
    case_no = tables.Column(linkify=True)
    member = tables.Column(accessor="member__member_no", verbose_name=_("member"))
    amount_yen = yen_column(_("amount"))
    computed_amount_yen = yen_column(_("computed"))
    status = tables.TemplateColumn(
        template_name="refunds/includes/case_status_badge.html", verbose_name=_("status")
    )
    evidence = tables.TemplateColumn(
        template_name="refunds/includes/evidence_toggle.html",
        verbose_name=_("evidence"),
        orderable=False,
    )
    decide = tables.TemplateColumn(
        template_name="refunds/includes/review_actions.html", verbose_name="", orderable=False
    )

    class Meta:
        model = Case
        fields = (
            "case_no",
            "member",
            "category",
            "amount_yen",
            "computed_amount_yen",
            "status",
            "flagged",
            "qa_status",
            "prepared_by",
            "prepared_at",
            "approved_by",
            "evidence",
            "decide",
        )
        default_columns = fields
        attrs = {"class": "table table-sm table-hover align-middle"}
        order_by = ("prepared_at",)


class BatchTable(tables.Table):
    id = tables.Column(linkify=True, verbose_name="#")
    total_yen = yen_column(_("total"))

    class Meta:
        model = PaymentBatch
        fields = (
            "id",
            "method",
            "status",
            "transfer_date",
            "item_count",
            "total_yen",
            "created_by",
            "created_at",
            "exported_at",
            "reconciled_at",
        )
        default_columns = fields
        attrs = {"class": "table table-sm table-hover align-middle"}


class PaymentItemTable(tables.Table):
    case = tables.Column(
        accessor="case__case_no",
        verbose_name=_("case"),
        linkify=lambda record: record.case.get_absolute_url(),
    )
    amount_yen = yen_column(_("amount"))
    payee = tables.TemplateColumn(
        "{% if record.bank_code %}{{ record.bank_code }}-{{ record.branch_code }} "
        "{{ record.holder_kana }}{% else %}{{ record.member_no }} / {{ record.contract_no }}"
        "{% endif %}",
        verbose_name=_("payee"),
        orderable=False,
    )

    class Meta:
        model = PaymentItem
        fields = ("case", "amount_yen", "payee", "status", "failure_reason", "result_at")
        default_columns = fields
        attrs = {"class": "table table-sm table-hover align-middle"}
        orderable = False


class QaTable(ReviewTable):
    decide = tables.TemplateColumn(
        '{% load i18n %}<a class="btn btn-sm btn-outline-primary" '
        'href="{% url \'refunds:qa_record\' record.pk %}">{% translate "Re-check" %}</a>',
        verbose_name="",
        orderable=False,
    )


class AuditEventTable(tables.Table):
    created_at = tables.DateTimeColumn(format="Y-m-d H:i:s", verbose_name=_("when"))
    object_repr = tables.Column(verbose_name=_("object"))
    changes = tables.TemplateColumn(
        '<span class="small font-monospace">{% for k, v in record.changes.items %}'
        "{{ k }}: {{ v|truncatechars:120 }}{% if not forloop.last %}; {% endif %}"
        "{% endfor %}</span>",
        orderable=False,
    )

    class Meta:
        model = AuditEvent
        fields = (
            "created_at",
            "actor",
            "action",
            "object_type",
            "object_repr",
            "changes",
            "reason",
        )
        default_columns = fields
        attrs = {"class": "table table-sm table-hover align-middle"}


class ProgressReportTable(tables.Table):
    generated_at = tables.DateTimeColumn(format="Y-m-d H:i", linkify=True)
    identified = tables.TemplateColumn(
        "{% load humanize %}{{ record.data.total.identified.count|intcomma }}",
        verbose_name=_("cases identified"),
        orderable=False,
        attrs={"td": {"class": "text-end"}},
    )
    paid = tables.TemplateColumn(
        "{% load humanize %}{{ record.data.total.paid.count|intcomma }} · "
        "{{ record.data.total.paid.yen|yen }}",
        verbose_name=_("paid"),
        orderable=False,
        attrs={"td": {"class": "text-end"}},
    )
    unpaid = tables.TemplateColumn(
        "{% load humanize %}{{ record.data.total.unpaid.count|intcomma }} · "
        "{{ record.data.total.unpaid.yen|yen }}",
        verbose_name=_("not paid yet"),
        orderable=False,
        attrs={"td": {"class": "text-end"}},
    )

    class Meta:
        model = ProgressReport
        fields = ("generated_at", "program_code", "identified", "paid", "unpaid", "generated_by")
        default_columns = fields
        attrs = {"class": "table table-sm table-hover align-middle"}


class PersonalDataAccessTable(tables.Table):
    accessed_at = tables.DateTimeColumn(format="Y-m-d H:i:s", verbose_name=_("when"))
    member = tables.Column(
        accessor="member__member_no",
        verbose_name=_("whose"),
        linkify=lambda record: record.member.get_absolute_url(),
    )

    class Meta:
        model = PersonalDataAccess
        fields = ("accessed_at", "user", "member", "fields")
        default_columns = fields
        attrs = {"class": "table table-sm table-hover align-middle"}
