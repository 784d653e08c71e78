from typing import Any

from django.contrib import messages
from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.generic import DetailView, FormView

from accounts.mixins import RoleRequiredMixin
from accounts.roles import Role
from refunds.forms.detection import DetectionStartForm
from refunds.models import DetectionRun
from refunds.services.detection import DetectionLocked, detection_plan, detection_start, plan_csv
from refunds.tables import DetectionRunTable


class DetectionView(RoleRequiredMixin, FormView):  # type: ignore[type-arg]
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
            run = detection_start(program=program, user=self.request.user)
        except DetectionLocked as exc:
            form.add_error(None, str(exc))
            return self.form_invalid(form)
        from refunds.tasks import detection_run_task

        try:
            transaction.on_commit(lambda: detection_run_task.delay(run.pk))
        except OSError:
            messages.error(self.request, _("Background jobs are unavailable; try again later."))
        return redirect(run)


class DetectionDetailView(RoleRequiredMixin, DetailView):  # type: ignore[type-arg]
    allowed_roles = (Role.SUPERVISOR, Role.ADMIN)
    model = DetectionRun
    template_name = "refunds/detection_detail.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["problems"] = self.object.data_problems.select_related("contract")[:500]
        return context
