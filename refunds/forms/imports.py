from django import forms
from django.utils.translation import gettext_lazy as _

from refunds.models import ImportKind


class ImportUploadForm(forms.Form):
    kind = forms.ChoiceField(label=_("What the file holds"), choices=ImportKind.choices)
    file = forms.FileField(
        label=_("CSV file"), widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"})
    )
    encoding = forms.ChoiceField(
        label=_("Encoding"),
        choices=[("auto", _("Detect")), ("utf-8", "UTF-8"), ("cp932", "CP932 (Shift_JIS)")],
        initial="auto",
    )
    partial = forms.BooleanField(
        label=_("Import the good rows even when some are rejected"), required=False
    )
