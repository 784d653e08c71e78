import datetime
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from refunds import bankdays
from refunds.forms.base import Form
from refunds.models import Category, PayoutMethod, RemediationProgram


def program_choices() -> list[tuple[str, Any]]:
    """Every program's code (its versions once), after "all"."""
    codes = RemediationProgram.objects.order_by("code").values_list("code", flat=True).distinct()
    return [("", _("All")), *((code, code) for code in codes)]


def program_field() -> forms.ChoiceField:
    """A program to narrow a run to, or all (the choices read when a form is made)."""
    return forms.ChoiceField(label=_("program"), choices=program_choices, required=False)


def category_field() -> forms.TypedChoiceField:
    """A category (1, 2 or 3) to narrow a run to, or all (``None``)."""
    return forms.TypedChoiceField(
        label=_("category"),
        choices=[("", _("All")), *Category.choices],
        coerce=int,
        empty_value=None,
        required=False,
    )


class NoteForm(Form):
    reason = forms.CharField(
        label=_("note"), required=False, max_length=500, widget=forms.Textarea(attrs={"rows": 2})
    )


class ReasonForm(Form):
    reason = forms.CharField(
        label=_("reason"), max_length=500, widget=forms.Textarea(attrs={"rows": 3})
    )


class QaForm(Form):
    passed = forms.TypedChoiceField(
        label=_("result"),
        choices=[("1", _("Pass")), ("0", _("Fail"))],
        coerce=lambda value: value == "1",
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(
        label=_("reason (required for a fail)"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class AmountForm(Form):
    amount_yen = forms.IntegerField(label=_("amount (yen)"), min_value=0, max_value=10_000_000)
    reason = forms.CharField(label=_("reason"), max_length=500)
    justification = forms.CharField(
        label=_("justification (above the computed amount)"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class BatchCreateForm(Form):
    method = forms.ChoiceField(
        label=_("payout"), choices=PayoutMethod.choices, widget=forms.RadioSelect
    )
    transfer_date = forms.DateField(
        label=_("transfer date"),
        initial=bankdays.earliest_transfer_date,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )

    # Which approved cases the run proposes (the builder leaves the others for a later run).
    program = program_field()
    category = category_field()
    amount_min = forms.IntegerField(label=_("amount from"), min_value=0, required=False)
    amount_max = forms.IntegerField(label=_("amount to"), min_value=0, required=False)
    approved_days = forms.IntegerField(
        label=_("approved at least (days) ago"), min_value=0, required=False
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        dates = bankdays.next_transfer_dates(count=5)
        field = self.fields["transfer_date"]
        field.widget.attrs["min"] = dates[0].isoformat()
        field.help_text = _("A bank business day; the next ones: %(dates)s") % {
            "dates": ", ".join(f"{d:%m/%d}" for d in dates)
        }

    def clean_transfer_date(self) -> datetime.date:
        day: datetime.date = self.cleaned_data["transfer_date"]
        problem = bankdays.transfer_date_problem(day)
        if problem:
            raise forms.ValidationError(problem)
        return day


class ReconcileForm(Form):
    file = forms.FileField(
        label=_("result file"),
        help_text=_(
            "The bank's result file (Zengin records with their result codes) or a CSV with "
            "reference, result, amount_yen, reason."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".txt,.dat,.csv,text/csv,text/plain"}),
    )


class ExcludeForm(Form):
    """Cases the builder takes out of a draft run, and why."""

    item = forms.TypedMultipleChoiceField(label=_("payments"), coerce=int, choices=())
    reason = forms.CharField(label=_("reason"), max_length=300)

    def __init__(self, *args: Any, items: Any = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        chosen = self.fields["item"]
        assert isinstance(chosen, forms.ChoiceField)
        chosen.choices = [(item.pk, item.pk) for item in items]
