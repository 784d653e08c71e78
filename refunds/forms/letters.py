from typing import Any

from django import forms
from django.conf import settings
from django.core.validators import MaxValueValidator
from django.utils.translation import gettext_lazy as _

from refunds.forms.base import Form
from refunds.forms.review import category_field, program_field
from refunds.modelchoices import ModelChoiceField
from refunds.models import Case, LetterKind, Member, ReturnReason
from refunds.services.letters import Selection


class LetterRunForm(Form):
    """Which letters a run prints: a kind, a program, a category, at most so many."""

    kind = forms.ChoiceField(
        label=_("letter"), choices=LetterKind.choices, initial=LetterKind.NOTICE
    )
    program = program_field()
    category = category_field()
    limit = forms.IntegerField(label=_("at most"), min_value=1)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        limit = self.fields["limit"]
        assert isinstance(limit, forms.IntegerField)
        limit.max_value = settings.LETTER_RUN_LIMIT
        limit.validators.append(MaxValueValidator(settings.LETTER_RUN_LIMIT))
        limit.widget.attrs["max"] = settings.LETTER_RUN_LIMIT
        limit.initial = settings.LETTER_RUN_LIMIT

    def selection(self) -> Selection:
        data = self.cleaned_data
        return Selection(
            kind=data["kind"],
            program_code=data["program"] or "",
            category=data["category"],
            limit=data["limit"],
        )


class ReturnedMailForm(Form):
    """A letter that came back: why, which case's letter it was, a note."""

    reason = forms.ChoiceField(label=_("why it came back"), choices=ReturnReason.choices)
    case = ModelChoiceField(label=_("case"), queryset=Case.objects.none(), required=False)
    note = forms.CharField(label=_("note"), max_length=300, required=False)

    def __init__(self, *args: Any, member: Member, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        case = self.fields["case"]
        assert isinstance(case, forms.ModelChoiceField)
        case.queryset = member.cases.order_by("case_no")
