from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from refunds.forms.base import Form
from refunds.models import ImportKind


class ImportUploadForm(Form):
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

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        limit = settings.IMPORT_MAX_UPLOAD_BYTES
        if upload is not None and (upload.size or 0) > limit:
            raise forms.ValidationError(
                _("The file is %(size)s MB; an upload may be at most %(limit)s MB.")
                % {"size": f"{upload.size / 2**20:,.0f}", "limit": f"{limit / 2**20:,.0f}"}
            )
        return upload
