from typing import Any

from django.contrib import messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.generic import DetailView, FormView

from accounts.mixins import RoleRequiredMixin
from accounts.roles import SUPERVISORS, Role
from refunds import csvcells
from refunds.filters import ImportBatchFilter
from refunds.forms.imports import ImportUploadForm
from refunds.imports.errors import ImportLocked
from refunds.models import ImportBatch
from refunds.queue import BackgroundUnavailable
from refunds.services.imports import import_enqueue, import_progress
from refunds.services.jobs import job_fail_if_stale
from refunds.tables import ImportBatchTable

from .base import ObjectListView

REVIEWERS = SUPERVISORS


class ImportListView(ObjectListView):
    allowed_roles = REVIEWERS
    model = ImportBatch
    table_class = ImportBatchTable
    filterset_class = ImportBatchFilter
    title = gettext_lazy("Imports")
    create_url = "refunds:import_create"

    def get_queryset(self) -> QuerySet[ImportBatch]:
        return ImportBatch.objects.select_related("created_by")


class ImportCreateView(RoleRequiredMixin, FormView):
    allowed_roles = (Role.ADMIN,)
    form_class = ImportUploadForm
    template_name = "refunds/import_form.html"

    def form_valid(self, form: ImportUploadForm) -> HttpResponse:
        try:
            batch = import_enqueue(
                kind=form.cleaned_data["kind"],
                upload=form.cleaned_data["file"],
                user=self.user,
                encoding=form.cleaned_data["encoding"],
                partial=form.cleaned_data["partial"],
            )
        except ImportLocked as exc:
            form.add_error(None, str(exc))
            return self.form_invalid(form)
        except BackgroundUnavailable as exc:
            # The batch is marked failed (its lock freed) and the file kept: send it again later.
            messages.error(self.request, str(exc))
            return self.form_invalid(form)
        return redirect(batch)


class ImportDetailView(RoleRequiredMixin, DetailView):
    allowed_roles = REVIEWERS
    model = ImportBatch
    template_name = "refunds/import_detail.html"

    def get_object(self, queryset: QuerySet[ImportBatch] | None = None) -> ImportBatch:
        batch = super().get_object(queryset)
        job_fail_if_stale(batch)  # an import no worker took says so instead of waiting
        return batch

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["progress"] = import_progress(self.object)
        context["row_errors"] = self.object.row_errors.all()[:200]
        return context


class ImportProgressView(ImportDetailView):
    """The live part of the detail page, polled by HTMX while the import runs."""

    template_name = "refunds/includes/import_progress.html"


class ImportErrorsCsvView(RoleRequiredMixin, View):
    allowed_roles = REVIEWERS

    def get(self, request: HttpRequest, pk: int) -> StreamingHttpResponse:
        batch = get_object_or_404(ImportBatch, pk=pk)
        writer = csvcells.line_writer()

        def rows() -> Any:
            yield "\ufeff" + writer.writerow(["file", "line", "column", "reason"])
            for error in batch.row_errors.order_by("line", "id").iterator(chunk_size=2000):
                yield writer.writerow([batch.file_name, error.line, error.column, error.reason])

        response = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="import-{batch.pk}-errors.csv"'
        return response
