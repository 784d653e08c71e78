from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.generic import DetailView, FormView

from accounts.mixins import RoleRequiredMixin
from accounts.roles import SUPERVISORS, Role
from refunds.forms.detection import DetectionStartForm, ScopeTestForm
from refunds.models import DetectionRun
from refunds.queue import BackgroundUnavailable
from refunds.services.detection import (
    DetectionLocked,
    detection_enqueue,
    detection_plan,
    plan_csv,
)
from refunds.tables import DetectionRunTable


class DetectionView(RoleRequiredMixin, FormView):
    """Start a run (or a dry run) and see the past ones."""

    allowed_roles = (Role.ADMIN,)
    form_class = DetectionStartForm
    template_name = "refunds/detection.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        runs = DetectionRun.objects.select_related("program", "started_by")[:50]
        context["table"] = DetectionRunTable(runs, orderable=False)
        return context

    def form_valid(self, form: DetectionStartForm) -> HttpResponse:
        program = form.cleaned_data["program"]
        if form.cleaned_data["dry_run"]:
            plan = detection_plan(program=program)
            response = HttpResponse(
                plan_csv(plan, program=program), content_type="text/csv; charset=utf-8"
            )
            response["Content-Disposition"] = f'attachment; filename="{program.code}-dry-run.csv"'
            return response
        try:
            run = detection_enqueue(program=program, user=self.user)
        except DetectionLocked as exc:
            form.add_error(None, str(exc))
            return self.form_invalid(form)
        except BackgroundUnavailable as exc:
            messages.error(self.request, str(exc))
            return redirect("refunds:detection")
        return redirect(run)


class ScopeTestView(RoleRequiredMixin, FormView):
    """A dry run with other parameters: what would be added, dropped or changed, nothing saved."""

    allowed_roles = (Role.ADMIN,)
    form_class = ScopeTestForm
    template_name = "refunds/scope_test.html"

    def get_form_kwargs(self) -> dict[str, Any]:
        kwargs = super().get_form_kwargs()
        if "program" in self.request.GET:
            kwargs["data"] = self.request.GET
        return kwargs

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        form = self.get_form()
        if not form.is_bound or not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form))
        program = form.cleaned_data["program"]
        plan = detection_plan(program=program, parameters=form.parameters())
        if request.GET.get("format") == "csv":
            response = HttpResponse(
                plan_csv(plan, program=program), content_type="text/csv; charset=utf-8"
            )
            response["Content-Disposition"] = f'attachment; filename="{program.code}-scope.csv"'
            return response
        differences = plan.differences()
        totals = {
            key: sum(row[key] for row in differences)
            for key in ("added", "dropped", "changed", "yen")
        }
        return self.render_to_response(
            self.get_context_data(
                form=form,
                plan=plan,
                differences=differences,
                totals=totals,
                csv_query=request.GET.urlencode() + "&format=csv",
            )
        )


class DetectionDetailView(RoleRequiredMixin, DetailView):
    allowed_roles = SUPERVISORS
    model = DetectionRun
    template_name = "refunds/detection_detail.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["problems"] = self.object.data_problems.select_related("contract")[:500]
        return context
