"""Talk scripts and the FAQ: searchable by every operator, edited by admins."""

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from accounts.mixins import RoleRequiredMixin
from accounts.roles import Role
from refunds import selectors
from refunds.forms.callcenter import GuidanceForm
from refunds.models import Guidance, Situation
from refunds.services.guidance import guidance_save
from refunds.views.base import ServiceFormView


class GuidanceListView(RoleRequiredMixin, View):
    """Every talk script and FAQ entry, grouped by situation; ``q`` narrows them (an HTMX
    request, from the call panel's box, gets the entries only)."""

    def get(self, request: HttpRequest) -> HttpResponse:
        query = request.GET.get("q", "")[:100]
        entries = list(selectors.guidance(query))
        groups = [
            (label, [e for e in entries if e.situation == value])
            for value, label in Situation.choices
        ]
        context = {"groups": [g for g in groups if g[1]], "query": query, "count": len(entries)}
        if request.htmx:  # type: ignore[attr-defined]
            return render(request, "refunds/includes/guidance_entries.html", context)
        return render(request, "refunds/guidance.html", context)


class GuidanceEditView(ServiceFormView):
    """An admin writes or changes a talk script or an FAQ entry (audited)."""

    allowed_roles = (Role.ADMIN,)
    model = Guidance
    form_class = GuidanceForm
    page_title = gettext_lazy("Talk script or FAQ entry")

    def get_form_kwargs(self) -> dict[str, Any]:
        kwargs = super().get_form_kwargs()
        kwargs["instance"] = self.object
        return kwargs

    def perform(self, form: GuidanceForm) -> HttpResponse:
        guidance_save(user=self.user, data=form.cleaned_data, entry=self.object)
        messages.success(self.request, _("Saved."))
        return redirect("refunds:guidance")
