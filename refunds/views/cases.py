from typing import Any

from django.db.models import QuerySet, Sum
from django.utils.translation import gettext_lazy as _

from refunds import export_columns, policies
from refunds.filters import CaseFilter, only
from refunds.models import AuditEvent, Case, Investigation
from refunds.policies import may_change_payee, may_claim, may_see_amounts
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
    export_columns = export_columns.CASES
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
        # With who prepared and approved it: the same queries whatever the case's state.
        return Case.objects.select_related(
            "member",
            "contract",
            "program",
            "created_by_run",
            "prepared_by",
            "approved_by",
            "second_approved_by",
        )

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
        context["show_amounts"] = case.member is None or may_see_amounts(
            user=self.user, member=case.member
        )
        context["investigation"] = Investigation.objects.filter(case=case).first()
        claim = case.claims.select_related("credit_contract").first()
        context["claim"] = claim
        context["may_claim"] = may_claim(case, has_claim=claim is not None)
        context["may_change_payee"] = may_change_payee(case, has_claim=claim is not None)
        return context
