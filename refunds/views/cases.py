from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from refunds import columns, policies, selectors
from refunds.filters import CaseFilter, only
from refunds.models import Case
from refunds.tables import CaseTable

from .base import ObjectDetailView, ObjectListView


class CaseListView(ObjectListView):
    model = Case
    table_class = CaseTable
    filterset_class = only(
        CaseFilter,
        "case_no",
        "program",
        "category",
        "status",
        "flagged",
        "area",
        "plan",
        "amount_min",
        "amount_max",
    )
    title = _("Cases")
    export_columns = columns.CASES.export
    export_name = "cases"

    def get_queryset(self) -> QuerySet[Case]:
        # The columns of the table (the export reads its own with values_list).
        return Case.objects.select_related("member", "contract").only(
            *("case_no", "category", "amount_yen", "status", "flagged", "updated_at"),
            *("member__member_no", "contract__contract_no", "contract__plan", "contract__area"),
        )

    def get_filterset(self, filterset_class: Any) -> Any:
        filterset = super().get_filterset(filterset_class)
        if not policies.is_supervisor(self.user):
            # An amount range would tell staff the amounts they may not see yet.
            for name in ("amount_min", "amount_max"):
                filterset.filters.pop(name, None)
                filterset.form.fields.pop(name, None)
        return filterset

    def get_table_kwargs(self) -> dict[str, Any]:
        # Staff see an amount on the member page once the caller's identity is confirmed.
        if policies.is_supervisor(self.user):
            return {}
        return {"exclude": ("amount_yen",)}


class CaseDetailView(ObjectDetailView):
    model = Case
    template_name = "refunds/case_detail.html"

    def get_queryset(self) -> QuerySet[Case]:
        return selectors.case_detail()

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        page = selectors.case_page(case=self.object, user=self.user)
        context.update(vars(page))
        return context
