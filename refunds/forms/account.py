"""The sign-in code (the second factor)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from refunds.forms.base import Form


class SecondFactorForm(Form):
    token = forms.CharField(
        label=_("code"),
        max_length=16,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        ),
        help_text=_("The six digits your authenticator app shows, or one of your recovery codes."),
    )
