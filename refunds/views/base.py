"""The shared base of list and detail views (declarative, as in NetBox)."""

from typing import Any

from django.views.generic import DetailView
from django_filters.views import FilterView
from django_tables2 import LazyPaginator, SingleTableMixin

from accounts.mixins import RoleRequiredMixin
from accounts.roles import Role


class ObjectListView(RoleRequiredMixin, SingleTableMixin, FilterView):
    """A filtered, sortable table; pages without counting the whole table."""

    template_name = "refunds/object_list.html"
    paginator_class = LazyPaginator
    title: Any = ""
    create_url: str | None = None
    create_roles: tuple[Role, ...] = (Role.ADMIN,)

    def get_table_pagination(self, table: Any) -> dict[str, Any]:
        return {"per_page": 50, "paginator_class": LazyPaginator}

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["title"] = self.title
        may_create = self.request.user.has_role(*self.create_roles)  # type: ignore[union-attr]
        context["create_url"] = self.create_url if may_create else None
        return context


class ObjectDetailView(RoleRequiredMixin, DetailView):  # type: ignore[type-arg]
    """A detail page open to the view's roles (every role unless ``allowed_roles`` says less)."""
