from dataclasses import replace
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from refunds.detection.rule import Parameters
from refunds.forms.base import Form
from refunds.forms.programs import CodeListField
from refunds.modelchoices import ModelChoiceField
from refunds.models import RemediationProgram


class DetectionStartForm(Form):
    program = ModelChoiceField(
        label=_("Program"),
        queryset=RemediationProgram.objects.filter(is_active=True),
        empty_label=None,
    )
    dry_run = forms.BooleanField(
        label=_("Dry run (change nothing, show the difference)"), required=False
    )


class ScopeTestForm(Form):
    """A program and, optionally, other parameters to try (blank: the program's own)."""

    program = ModelChoiceField(
        label=_("Program"),
        queryset=RemediationProgram.objects.order_by("code", "-version"),
        empty_label=None,
    )
    courses = CodeListField(label=_("courses in scope"), required=False)
    applied_on_or_after = forms.DateField(
        label=_("applied on or after"), required=False, widget=forms.DateInput({"type": "date"})
    )
    cancel_requested_on_or_before = forms.DateField(
        label=_("cancellation requested on or before"),
        required=False,
        widget=forms.DateInput({"type": "date"}),
    )
    overcharge_items = CodeListField(
        label=_("charge items that can be overcharged"), required=False
    )
    offset_items = CodeListField(label=_("items that offset an overcharge"), required=False)
    recent_leaver_from = forms.DateField(
        label=_("recent-leaver window starts"),
        required=False,
        widget=forms.DateInput({"type": "date"}),
    )

    def parameters(self) -> Parameters:
        """The program's parameters with the fields the user filled in replaced."""
        data = self.cleaned_data
        base = Parameters.of(data["program"])
        changes: dict[str, Any] = {
            name: tuple(value) if isinstance(value, list) else value
            for name, value in data.items()
            if name != "program" and value not in (None, [], "")
        }
        return replace(base, **changes)
