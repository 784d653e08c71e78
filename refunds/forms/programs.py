from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from refunds.forms.base import Form, ModelForm
from refunds.models import IDENTITY_ITEMS, IDENTITY_LABELS, RemediationProgram
from refunds.services.programs import EDITABLE_FIELDS


class CodeListField(forms.CharField):
    """A list of codes written comma-separated (``base_fee, refund``)."""

    def prepare_value(self, value: Any) -> Any:
        return ", ".join(value) if isinstance(value, list) else value

    def to_python(self, value: Any) -> Any:
        text = super().to_python(value) or ""
        return [part.strip() for part in text.replace("、", ",").split(",") if part.strip()]


class ProgramPortalForm(Form):
    """The member portal for a program's members: open, or closed with a message."""

    closed = forms.BooleanField(label=_("close the portal for this program"), required=False)
    message = forms.CharField(
        label=_("what members read while it is closed"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class ProgramForm(ModelForm):
    courses = CodeListField(label=_("courses in scope"), help_text=_("comma-separated codes"))
    identity_items = forms.MultipleChoiceField(
        label=_("identity items asked"),
        choices=[(item, IDENTITY_LABELS[item]) for item in IDENTITY_ITEMS],
        widget=forms.CheckboxSelectMultiple,
        initial=list(IDENTITY_ITEMS),
        required=False,
        help_text=_("None chosen: all of them."),
    )
    overcharge_items = CodeListField(label=_("charge items that can be overcharged"))
    offset_items = CodeListField(label=_("items that offset an overcharge"), required=False)

    class Meta:
        model = RemediationProgram
        fields = ["code", *EDITABLE_FIELDS]
        widgets = {
            "applied_on_or_after": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "cancel_requested_on_or_before": forms.DateInput(
                attrs={"type": "date"}, format="%Y-%m-%d"
            ),
            "recent_leaver_from": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "delay_from": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "claim_deadline": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["code"].disabled = True
        self.fields["qa_rate_percent"].required = False
        self.fields["service_level_business_days"].required = False
        self.fields["identity_required"].required = False

    def clean_identity_required(self) -> int:
        required = self.cleaned_data.get("identity_required") or 2
        if required > len(self.cleaned_data.get("identity_items") or IDENTITY_ITEMS):
            raise forms.ValidationError(_("More answers must match than the check asks."))
        return required

    def clean_service_level_business_days(self) -> int:
        days = self.cleaned_data.get("service_level_business_days")
        if days is None:
            return RemediationProgram._meta.get_field("service_level_business_days").get_default()
        return days

    def clean_qa_rate_percent(self) -> int:
        return self.cleaned_data.get("qa_rate_percent") or 0

    def clean_case_prefix(self) -> str:
        prefix: str = self.cleaned_data["case_prefix"].strip().upper()
        code = self.instance.code if self.instance.pk else self.data.get("code", "")
        taken = RemediationProgram.objects.filter(case_prefix=prefix).exclude(code=code)
        if taken.exists():
            raise forms.ValidationError(_("another program already numbers its cases so"))
        return prefix

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("courses"):
            self.add_error("courses", _("name at least one course"))
        if not data.get("overcharge_items"):
            self.add_error("overcharge_items", _("name at least one item"))
        if data.get("delay_rate_percent") is not None and not data.get("delay_from"):
            self.add_error("delay_from", _("say from when compensation accrues"))
        return data

    def validate_unique(self) -> None:
        if not self.instance.pk:
            super().validate_unique()
