"""Dashboard and progress reports."""

from typing import Any

from django.contrib import messages
from django.db.models import QuerySet
from django.http import FileResponse, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.generic import TemplateView

from accounts.mixins import RoleRequiredMixin
from accounts.models import User
from accounts.roles import SUPERVISORS
from refunds import policies, reports
from refunds.filters import ProgressReportFilter
from refunds.localtime import file_stamp
from refunds.models import (
    CaseStatus,
    Category,
    Channel,
    ExportJob,
    ProgressReport,
    RemediationProgram,
)
from refunds.services import reporting
from refunds.services.jobs import job_fail_if_stale
from refunds.tables import ProgressReportTable

from .base import ObjectDetailView, ObjectListView


class DashboardView(RoleRequiredMixin, TemplateView):
    """How far the remediation has come; every figure links to the list it counts."""

    template_name = "refunds/dashboard.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        board = reports.dashboard()
        context["board"] = board
        context["categories"] = [(None, "—"), *Category.choices]
        # Labels in the request's language (the cached figures hold only codes).
        context["statuses"] = CaseStatus.choices
        context["claims_by_channel"] = [
            (value, label, board.claims_by_channel.get(value, 0))
            for value, label in Channel.choices
        ]
        context["chart_data"] = {
            "paid": board.paid_by_day,
            "inquiries": board.inquiries_by_day,
            "hours": board.inquiries_by_hour,
            "opening": list(board.opening_hours),
            "labels": {
                "paid": _("paid (yen, cumulative)"),
                "outstanding": _("outstanding (yen)"),
                "inquiries": _("inquiries"),
                "open": _("line open"),
            },
        }
        return context


class ReportListView(ObjectListView):
    allowed_roles = SUPERVISORS
    model = ProgressReport
    table_class = ProgressReportTable
    filterset_class = ProgressReportFilter
    title = gettext_lazy("Progress reports")
    template_name = "refunds/report_list.html"

    def get_queryset(self) -> QuerySet[ProgressReport]:
        return ProgressReport.objects.select_related("generated_by")

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["programs"] = RemediationProgram.objects.values_list("code", flat=True).distinct()
        return context


class ReportGenerateView(RoleRequiredMixin, View):
    allowed_roles = SUPERVISORS

    def post(self, request: HttpRequest) -> HttpResponse:
        report = reporting.report_generate(
            user=self.user, program_code=request.POST.get("program", "")
        )
        messages.success(request, _("Progress report generated."))
        return redirect(report)


class ReportDetailView(ObjectDetailView):
    allowed_roles = SUPERVISORS
    model = ProgressReport
    template_name = "refunds/report_detail.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["header"], context["rows"] = reporting.report_table(self.object)
        return context


class ReportDownloadView(RoleRequiredMixin, View):
    allowed_roles = SUPERVISORS
    formats = {
        "csv": ("text/csv; charset=utf-8", reporting.report_csv),
        "xlsx": (
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            reporting.report_xlsx,
        ),
        "pdf": ("application/pdf", reporting.report_pdf),
    }

    def get(self, request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
        report = get_object_or_404(ProgressReport, pk=pk)
        if fmt not in self.formats:
            return HttpResponse(status=404)
        content_type, write = self.formats[fmt]
        response = HttpResponse(write(report), content_type=content_type)
        name = f"progress-{file_stamp(report.generated_at)}.{fmt}"
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response


def visible_exports(user: User) -> QuerySet[ExportJob]:
    """One's own exports; supervisors and admins see everyone's."""
    if policies.is_supervisor(user):
        return ExportJob.objects.all()
    return ExportJob.objects.filter(created_by=user.pk)


class ExportDetailView(ObjectDetailView):
    """A background export: progress while it runs (HTMX), then the download."""

    model = ExportJob
    template_name = "refunds/export_detail.html"

    def get_queryset(self) -> QuerySet[ExportJob]:
        return visible_exports(self.user)

    def get_object(self, queryset: QuerySet[ExportJob] | None = None) -> ExportJob:
        job = super().get_object(queryset)
        job_fail_if_stale(job)  # a job no worker took says so instead of waiting for ever
        return job

    def get_template_names(self) -> list[str]:
        if self.request.htmx:  # type: ignore[attr-defined]
            return ["refunds/includes/export_progress.html"]
        return [self.template_name]


class ExportFileView(RoleRequiredMixin, View):
    def get(self, request: HttpRequest, pk: int) -> HttpResponseBase:
        job = get_object_or_404(visible_exports(self.user), pk=pk)
        if not job.file:
            return redirect(job)
        name = (job.file.name or "").rsplit("/", 1)[-1]
        return FileResponse(job.file.open("rb"), as_attachment=True, filename=name)
