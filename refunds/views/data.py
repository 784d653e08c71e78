from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from refunds import columns
from refunds.filters import ContractFilter, MemberFilter, TariffFilter, only
from refunds.models import Contract, Member, Tariff
from refunds.tables import ContractTable, MemberTable, TariffTable

from .base import ObjectListView


class MemberListView(ObjectListView):
    model = Member
    table_class = MemberTable
    filterset_class = only(MemberFilter, "q", "status")
    title = _("Members")
    export_columns = columns.MEMBERS.export
    export_name = "members"


class ContractListView(ObjectListView):
    model = Contract
    table_class = ContractTable
    filterset_class = only(ContractFilter, "contract_no", "course", "plan", "area")
    title = _("Contracts")

    def get_queryset(self) -> QuerySet[Contract]:
        return Contract.objects.select_related("member")


class TariffListView(ObjectListView):
    model = Tariff
    table_class = TariffTable
    filterset_class = TariffFilter
    title = _("Tariffs")
