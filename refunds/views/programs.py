from django.contrib import messages
from django.db.models import QuerySet
from django.http import HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import CreateView, UpdateView

from accounts.mixins import RoleRequiredMixin
from accounts.roles import SUPERVISORS, Role
from refunds.filters import ProgramFilter
from refunds.forms.programs import ProgramForm, ProgramPortalForm
from refunds.models import RemediationProgram
from refunds.services.portal import program_portal_set
from refunds.services.programs import program_create, program_update
from refunds.tables import ProgramTable

from .base import ObjectListView, ServiceFormView


class ProgramListView(ObjectListView):
    model = RemediationProgram
    table_class = ProgramTable
    filterset_class = ProgramFilter
    title = gettext_lazy("Remediation programs")
    create_url = "refunds:program_create"

    def get_queryset(self) -> QuerySet[RemediationProgram]:
        return RemediationProgram.objects.all()


class ProgramCreateView(RoleRequiredMixin, CreateView):
    allowed_roles = (Role.ADMIN,)
    model = RemediationProgram
    form_class = ProgramForm
    template_name = "refunds/program_form.html"

    def form_valid(self, form: ProgramForm) -> HttpResponse:  # type: ignore[override]
        program_create(data=form.cleaned_data, user=self.user)
        messages.success(self.request, _("The program was created."))
        return redirect("refunds:program_list")


class ProgramUpdateView(RoleRequiredMixin, UpdateView):
    allowed_roles = (Role.ADMIN,)
    model = RemediationProgram
    form_class = ProgramForm
    template_name = "refunds/program_form.html"

    def form_valid(self, form: ProgramForm) -> HttpResponse:  # type: ignore[override]
        saved = program_update(program=self.object, data=form.cleaned_data, user=self.user)
        if saved.pk != self.object.pk:
            messages.success(
                self.request,
                _(
                    "The program has cases: the new parameters were saved as version %(version)s;"
                    " existing cases keep the parameters they were computed with."
                )
                % {"version": saved.version},
            )
        else:
            messages.success(self.request, _("The program was saved."))
        return redirect("refunds:program_list")


class ProgramPortalView(ServiceFormView):
    """A supervisor opens or closes the member portal for a program (no deploy needed)."""

    allowed_roles = SUPERVISORS
    model = RemediationProgram
    form_class = ProgramPortalForm
    page_title = gettext_lazy("Member portal")
    page_help = gettext_lazy(
        "While it is closed, members who enter a code of this program read your message "
        "instead; their codes stay valid."
    )

    def get_initial(self) -> dict[str, object]:
        return {"closed": self.object.portal_closed, "message": self.object.portal_message}

    def perform(self, form: ProgramPortalForm) -> HttpResponse:
        program_portal_set(
            program=self.object,
            user=self.user,
            closed=form.cleaned_data["closed"],
            message=form.cleaned_data["message"],
        )
        messages.success(self.request, _("The member portal setting was saved."))
        return redirect("refunds:program_list")
