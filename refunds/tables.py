import django_tables2 as tables
from django.utils.translation import gettext_lazy as _

from refunds.models import (
    Case,
    Contract,
    DetectionRun,
    ImportBatch,
    Member,
    RemediationProgram,
    Tariff,
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
    monthly_fee_yen = tables.TemplateColumn(
        "{{ value|yen }}", verbose_name=_("monthly fee"), attrs={"td": {"class": "text-end"}}
    )

    class Meta:
        model = Tariff
        fields = ("course", "plan", "area", "valid_from", "valid_to", "monthly_fee_yen")
        default_columns = fields
        attrs = {"class": "table table-sm table-hover align-middle"}


def count_column(label: object) -> tables.TemplateColumn:
    return tables.TemplateColumn(
        "{% load humanize %}{{ value|intcomma }}",
        verbose_name=label,
        attrs={"td": {"class": "text-end"}},
    )


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
    amount_yen = tables.TemplateColumn(
        "{{ value|yen }}", verbose_name=_("amount"), attrs={"td": {"class": "text-end"}}
    )
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
