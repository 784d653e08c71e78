from typing import Any

from django.views.generic import TemplateView

from accounts.mixins import RoleRequiredMixin
from refunds.models import Contract, ImportBatch, Member


class HomeView(RoleRequiredMixin, TemplateView):
    template_name = "refunds/home.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["recent_imports"] = ImportBatch.objects.select_related("created_by")[:5]
        context["member_count"] = Member.objects.count()
        context["contract_count"] = Contract.objects.count()
        return context
