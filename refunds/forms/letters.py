from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from refunds.models import Category, LetterKind, RemediationProgram
from refunds.services.letters import Selection


class LetterRunForm(forms.Form):
    """Which letters a run prints: a kind, a program, a category, at most so many."""

    kind = forms.ChoiceField(
        label=_("letter"), choices=LetterKind.choices, initial=LetterKind.NOTICE
    )
    program = forms.ChoiceField(label=_("program"), required=False)
    category = forms.TypedChoiceField(
        label=_("category"),
        choices=[("", _("All")), *Category.choices],
        coerce=int,
        empty_value=None,
        required=False,
    )
    limit = forms.IntegerField(label=_("at most"), min_value=1)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        codes = RemediationProgram.objects.order_by("code").values_list("code", flat=True)
        self.fields["program"].choices = [("", _("All")), *((c, c) for c in codes.distinct())]
        self.fields["limit"].max_value = settings.LETTER_RUN_LIMIT
        self.fields["limit"].widget.attrs["max"] = settings.LETTER_RUN_LIMIT
        self.fields["limit"].initial = settings.LETTER_RUN_LIMIT

    def selection(self) -> Selection:
        data = self.cleaned_data
        return Selection(
            kind=data["kind"],
            program_code=data["program"] or "",
            category=data["category"],
            limit=data["limit"],
        )
