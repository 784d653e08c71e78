"""The shared base of list and detail views (declarative, as in NetBox)."""

from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Model, QuerySet
from django.http import HttpRequest, HttpResponse, QueryDict
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.generic import DetailView, FormView
from django_filters.filterset import filterset_factory
from django_filters.views import FilterView
from django_tables2 import SingleTableMixin

from accounts.mixins import RoleRequiredMixin
from accounts.models import User
from accounts.roles import Role
from refunds.exports import (
    ExportColumn,
    carries_personal_data,
    csv_response,
    export_rows,
    xlsx_response,
)
from refunds.localtime import file_stamp
from refunds.pagination import CURSOR_PARAM, KeysetPaginator
from refunds.queue import BackgroundUnavailable
from refunds.services.exportjobs import export_enqueue, personal_data_export_record
from refunds.workflow import TransitionNotAllowed

# Why unmasked personal data is exported, asked above ``EXPORT_REASON_ABOVE`` rows: a name no
# list's filter uses (the inquiries are filtered by their own "reason").
EXPORT_REASON_PARAM = "export_reason"


class ObjectListView(RoleRequiredMixin, SingleTableMixin, FilterView):
    """A filtered, sortable table paged by cursor: no count, no page dearer than the first."""

    template_name = "refunds/object_list.html"
    title: Any = ""
    create_url: str | None = None
    create_roles: tuple[Role, ...] = (Role.ADMIN,)
    # Columns of the CSV/XLSX export of what the filters show (none: no export).
    export_columns: Sequence[ExportColumn] = ()
    export_name = "export"
    # The model's FilterSet cut to what this page offers (``refunds.filters.only``). Without
    # one a page has no filter: none is ever generated from the model's fields.
    filterset_class: Any = None

    # What the list shows before its filters are used (claims "received, to prepare"): kept
    # while the list is paged, sorted or exported, until a filter of the form is given, even
    # empty (its "---------", which shows everything).
    default_filters: dict[str, str] = {}

    def get_filterset_class(self) -> Any:
        return self.filterset_class or filterset_factory(self.model, fields=[])

    def get_filterset_kwargs(self, filterset_class: Any) -> dict[str, Any]:
        kwargs: dict[str, Any] = super().get_filterset_kwargs(filterset_class)
        if self.default_filters and not self.filters_given(filterset_class):
            data = self.request.GET.copy()
            for name, value in self.default_filters.items():
                data[name] = value
            kwargs["data"] = data
        return kwargs

    def filters_given(self, filterset_class: Any) -> bool:
        """Whether the query names a filter of the form (a range's ``amount_min`` included)."""
        names = tuple(filterset_class.base_filters)
        return any(
            param == name or param.startswith(f"{name}_")
            for param in self.request.GET
            for name in names
        )

    def render_to_response(self, context: dict[str, Any], **kwargs: Any) -> HttpResponseBase:
        fmt = self.request.GET.get("export")
        if fmt and self.export_columns:
            total = self.object_list.count()
            if carries_personal_data(self.export_columns, self.user):
                refused = self.record_personal_data_export(fmt, total)
                if refused is not None:
                    return refused
            if total > settings.EXPORT_SYNC_LIMIT:
                return self.export_in_background(fmt, total)
            rows = export_rows(self.object_list, self.export_columns, self.request.user)
            stamp = f"{self.export_name}-{file_stamp()}"
            if fmt == "xlsx":
                return xlsx_response(rows, stamp)
            return csv_response(rows, stamp, self.request.GET.get("encoding", "utf-8"))
        return super().render_to_response(context, **kwargs)

    def record_personal_data_export(self, fmt: str, total: int) -> HttpResponseBase | None:
        """Log an export of unmasked personal data (above ``EXPORT_REASON_ABOVE`` rows with its
        reason); None to go on, else the page that asks why."""
        query, reason = self.export_query()
        try:
            personal_data_export_record(
                user=self.user,
                list_name=self.request.resolver_match.view_name,  # type: ignore[union-attr]
                query=query.urlencode(),
                fmt=fmt,
                rows=total,
                reason=reason,
            )
        except ValidationError:
            return render(
                self.request,
                "refunds/export_reason.html",
                {
                    "title": self.title,
                    "rows": total,
                    "query": self.request.GET,
                    "reason_param": EXPORT_REASON_PARAM,
                },
            )
        return None

    def export_query(self) -> tuple[QueryDict, str]:
        """The list's query without the export's own parameters (``export`` and the reason
        asked for it), and that reason: what the export log and the background job keep."""
        query = self.request.GET.copy()
        query.pop("export", None)
        reason = query.pop(EXPORT_REASON_PARAM, [""])[0]
        return query, reason

    def export_in_background(self, fmt: str, total: int) -> HttpResponseBase:
        query, _reason = self.export_query()
        encoding = query.pop("encoding", [""])[0]
        kind = "xlsx" if fmt == "xlsx" else ("csv-cp932" if encoding == "cp932" else "csv")
        try:
            job = export_enqueue(
                user=self.user,
                list_name=self.request.resolver_match.view_name,  # type: ignore[union-attr]
                query=query.urlencode(),
                fmt=kind,
                rows_total=total,
            )
        except BackgroundUnavailable as exc:
            messages.error(self.request, str(exc))
            return redirect(self.request.path)
        return redirect(job)

    def get_table_pagination(self, table: Any) -> dict[str, Any]:
        return {
            "per_page": 50,
            "paginator_class": KeysetPaginator,
            "cursor": self.request.GET.get(CURSOR_PARAM),
        }

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["title"] = self.title
        may_create = self.request.user.has_role(*self.create_roles)  # type: ignore[union-attr]
        context["create_url"] = self.create_url if may_create else None
        context["exportable"] = bool(self.export_columns)
        return context


class ObjectDetailView(RoleRequiredMixin, DetailView):
    """A detail page open to the view's roles (every role unless ``allowed_roles`` says less)."""


class ServiceFormView(RoleRequiredMixin, FormView):
    """A form whose valid data is handed to one service; its refusals become form errors."""

    model: type[Model]
    object: Any = None
    template_name = "refunds/form_page.html"
    page_title: Any = ""
    page_help: Any = ""
    submit_label: Any = ""

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        # The role first, the object after: a role that may not use the page is told 403
        # whether the object exists or not (a 404 would tell it which numbers exist).
        if "pk" in kwargs and isinstance(request.user, User) and self.test_func():
            self.object = get_object_or_404(self.get_queryset(), pk=kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)

    def get_queryset(self) -> QuerySet[Any]:
        return self.model._default_manager.all()

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["object"] = self.object
        context["page_title"] = self.page_title
        context["page_help"] = self.page_help
        context["submit_label"] = self.submit_label
        return context

    def form_valid(self, form: Any) -> HttpResponse:
        try:
            return self.perform(form)
        except ValidationError as exc:
            if hasattr(exc, "error_dict"):
                for field, errors in exc.error_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                form.add_error(None, exc)
        except (PermissionDenied, TransitionNotAllowed) as exc:
            form.add_error(None, str(exc) or _("You may not do this."))
        return self.form_invalid(form)

    def perform(self, form: Any) -> HttpResponse:
        raise NotImplementedError
