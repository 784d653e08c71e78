import django_tables2 as tables
from django.utils.translation import gettext_lazy as _

from refunds.models import Contract, ImportBatch, Member, Tariff


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


class ImportBatchTable(tables.Table):
    id = tables.Column(linkify=True, verbose_name="#")
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
