import datetime

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from refunds.models import PayoutMethod


class NoteForm(forms.Form):
    reason = forms.CharField(
        label=_("note"), required=False, max_length=500, widget=forms.Textarea(attrs={"rows": 2})
    )


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("reason"), max_length=500, widget=forms.Textarea(attrs={"rows": 3})
    )


class QaForm(forms.Form):
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


class AmountForm(forms.Form):
    amount_yen = forms.IntegerField(label=_("amount (yen)"), min_value=0, max_value=10_000_000)
    reason = forms.CharField(label=_("reason"), max_length=500)
    justification = forms.CharField(
        label=_("justification (above the computed amount)"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


def _next_business_day() -> datetime.date:
    day = timezone.localdate() + datetime.timedelta(days=1)
    while day.weekday() >= 5:
        day += datetime.timedelta(days=1)
    return day


class BatchCreateForm(forms.Form):
    method = forms.ChoiceField(
        label=_("payout"), choices=PayoutMethod.choices, widget=forms.RadioSelect
    )
    transfer_date = forms.DateField(
        label=_("transfer date"),
        initial=_next_business_day,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )


class ReconcileForm(forms.Form):
    file = forms.FileField(
        label=_("result file (CSV: reference, result, amount_yen, reason)"),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
    )
