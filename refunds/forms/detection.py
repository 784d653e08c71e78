from django import forms
from django.utils.translation import gettext_lazy as _

from refunds.models import RemediationProgram


class DetectionStartForm(forms.Form):
    program = forms.ModelChoiceField(
        label=_("Program"), queryset=RemediationProgram.objects.filter(is_active=True)
    )
    dry_run = forms.BooleanField(
        label=_("Dry run (change nothing, show the difference)"), required=False
    )
