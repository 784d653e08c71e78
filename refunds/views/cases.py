from typing import Any

from django.db.models import QuerySet, Sum
from django.utils.translation import gettext_lazy as _

from refunds.filters import CaseFilter
from refunds.models import AuditEvent, Case
from refunds.tables import CaseTable

from .base import ObjectDetailView, ObjectListView


class CaseListView(ObjectListView):
    model = Case
    table_class = CaseTable
    filterset_class = CaseFilter
    title = _("Cases")

    def get_queryset(self) -> QuerySet[Case]:
        return Case.objects.select_related("member", "contract", "program")


class CaseDetailView(ObjectDetailView):
    model = Case
    template_name = "refunds/case_detail.html"

    def get_queryset(self) -> QuerySet[Case]:
        return Case.objects.select_related("member", "contract", "program", "created_by_run")

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        case: Case = self.object
        evidence = list(case.evidence.all())
        context["evidence"] = evidence
        context["evidence_total"] = sum(line.amount_yen for line in evidence)
        context["events"] = AuditEvent.objects.filter(
            object_type="refunds.case", object_id=str(case.pk)
        ).select_related("actor")
        context["billing"] = (
            case.contract.billing_lines.order_by("period", "item") if case.contract else []
        )
        context["case_total"] = Case.objects.filter(member=case.member).aggregate(
            total=Sum("amount_yen")
        )["total"]
        return context
