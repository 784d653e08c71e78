from typing import Any

from django.views.generic import TemplateView

from accounts.mixins import RoleRequiredMixin
from refunds import reports
from refunds.models import ImportBatch


class HomeView(RoleRequiredMixin, TemplateView):
    template_name = "refunds/home.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["recent_imports"] = ImportBatch.objects.select_related("created_by")[:5]
        # Counting a million rows on every visit is not a home page's job: the figures come
        # with the dashboard's, computed in the background, and say when.
        board = reports.dashboard()
        context["member_count"] = board.members
        context["contract_count"] = board.contracts
        context["counted_at"] = board.computed_at
        return context
