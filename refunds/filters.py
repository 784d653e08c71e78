import django_filters
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from refunds.models import Area, Case, Contract, ImportBatch, Member, RemediationProgram, Tariff


class MemberFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label=_("Member number or name"))

    class Meta:
        model = Member
        fields = ["status"]

    def search(self, queryset: QuerySet[Member], name: str, value: str) -> QuerySet[Member]:
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(member_no=value) | Q(name__contains=value) | Q(name_kana__contains=value)
        )


class ContractFilter(django_filters.FilterSet):
    contract_no = django_filters.CharFilter(label=_("contract number"))

    class Meta:
        model = Contract
        fields = ["contract_no", "course", "plan", "area"]


class TariffFilter(django_filters.FilterSet):
    class Meta:
        model = Tariff
        fields = ["course", "plan", "area"]


class ImportBatchFilter(django_filters.FilterSet):
    class Meta:
        model = ImportBatch
        fields = ["kind", "status"]


class CaseFilter(django_filters.FilterSet):
    case_no = django_filters.CharFilter(label=_("case number"))
    area = django_filters.ChoiceFilter(
        field_name="contract__area", choices=Area.choices, label=_("area")
    )
    plan = django_filters.CharFilter(field_name="contract__plan", label=_("plan"))
    amount_min = django_filters.NumberFilter(
        field_name="amount_yen", lookup_expr="gte", label=_("amount from")
    )
    amount_max = django_filters.NumberFilter(
        field_name="amount_yen", lookup_expr="lte", label=_("amount to")
    )

    class Meta:
        model = Case
        fields = ["program", "category", "status", "flagged"]


class ProgramFilter(django_filters.FilterSet):
    class Meta:
        model = RemediationProgram
        fields = ["code", "is_active"]
