"""Call-center forms. They validate and show errors; the services do the writing."""

import datetime
import functools
import uuid
from collections.abc import Callable, Iterable
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from refunds import payee, text
from refunds.forms.base import Form, ModelForm
from refunds.localtime import stamp
from refunds.modelchoices import ModelChoiceField, ModelMultipleChoiceField
from refunds.models import (
    IDENTITY_ITEMS,
    CallerRelation,
    Case,
    Category,
    Channel,
    Contract,
    Direction,
    Guidance,
    Inquiry,
    InquiryOutcome,
    InquiryReason,
    Member,
    PayeeReason,
    PayoutMethod,
    RemediationProgram,
)
from refunds.payee import BankDetails
from refunds.selectors import free_callback_slots, line_hours
from refunds.services.guidance import FIELDS as GUIDANCE_FIELDS


def _blank_choice(choices: Any) -> list[tuple[str, Any]]:
    return [("", "---------"), *choices]


class ReadOnceChoiceField(forms.TypedChoiceField):
    """A choice field whose choices come from a function, read once by each form.

    Django reads a field's choices where the form is shown (whether the drop-down is
    ``required``, its options) and where it is checked: a function that queries the database
    ran two or three times for one page. Each form's copy of the field reads it once.
    """

    def __init__(self, *, choices: Callable[[], list[tuple[str, Any]]], **kwargs: Any) -> None:
        self.read_choices = choices
        super().__init__(choices=choices, **kwargs)

    def __deepcopy__(self, memo: dict[int, Any]) -> "ReadOnceChoiceField":
        copied = super().__deepcopy__(memo)
        copied.choices = functools.cache(self.read_choices)
        return copied


def _callback_slots() -> list[tuple[str, Any]]:
    free = free_callback_slots(hours=line_hours(), after=timezone.now())
    return [("", _("the first free time")), *((s.isoformat(), stamp(s)) for s in free)]


def callback_at_field() -> forms.TypedChoiceField:
    """The callback time the caller chose: the line's next free slots, read when the form is
    shown or checked (``selectors.free_callback_slots``); empty means the first free one."""
    return ReadOnceChoiceField(
        label=_("call back at"),
        choices=_callback_slots,
        coerce=datetime.datetime.fromisoformat,
        empty_value=None,
        required=False,
        help_text=_("Only when the caller asked; the times are within the line's hours."),
    )


def phone_field() -> forms.RegexField:
    """A phone number as a caller gives it: digits (full-width too), + - ( ) and spaces."""
    return forms.RegexField(
        label=_("phone"),
        regex=r"^\+?[0-9０-９()（）\s‐－-]+$",
        required=False,
        max_length=40,
        widget=forms.TextInput({"type": "tel"}),
        error_messages={"invalid": _("A phone number has digits only (and - + ( ) spaces).")},
    )


class IdentityCheckForm(Form):
    """Who is calling, and what the caller says; the service compares each answer with the
    member's data and answers match or no match (``refunds.identity``)."""

    relation = forms.ChoiceField(
        label=_("who is calling"),
        choices=CallerRelation.choices,
        initial=CallerRelation.SELF,
        widget=forms.RadioSelect,
    )
    verified_name = forms.CharField(
        label=_("name (as the caller says it)"),
        required=False,
        widget=forms.TextInput(attrs={"autofocus": True}),  # where the operator starts
    )
    verified_birth_date = forms.DateField(
        label=_("birth date"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    verified_address = forms.CharField(label=_("postal code or address"), required=False)
    verified_phone = phone_field()
    channel = forms.ChoiceField(
        label=_("channel"),
        choices=Channel.choices,
        initial=Channel.PHONE,
        widget=forms.HiddenInput,  # the member page takes calls
    )

    def __init__(self, *args: Any, items: tuple[str, ...] = IDENTITY_ITEMS, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for item in IDENTITY_ITEMS:  # only the answers the program's check asks
            if item not in items:
                del self.fields[item]

    def clean_verified_birth_date(self) -> datetime.date | None:
        day = self.cleaned_data.get("verified_birth_date")
        if day and day > timezone.localdate():
            raise ValidationError(_("A birth date cannot be in the future."))
        return day

    def answers(self) -> dict[str, object]:
        return {item: self.cleaned_data.get(item) for item in IDENTITY_ITEMS if item in self.fields}


class RevealForm(Form):
    """Why the unmasked data is needed, and the operator's confirmation (the reveal is logged)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # It shares the member page with the call's close form, which has a reason too.
        kwargs.setdefault("auto_id", "id_reveal_%s")
        super().__init__(*args, **kwargs)

    reason = forms.CharField(label=_("why you need it"), max_length=300)
    confirm = forms.BooleanField(
        label=_("I need this data for the member's case; this is logged with my name.")
    )


class InquiryCloseForm(Form):
    """How an open inquiry ended: reason, outcome, the cases it was about and a note."""

    cases = ModelMultipleChoiceField(
        label=_("about the cases"),
        queryset=Case.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(
        self,
        *args: Any,
        member: Member | None = None,
        inquiry: Inquiry | None = None,
        claimed: Iterable[int] = (),
        **kwargs: Any,
    ) -> None:
        """``claimed``: the cases whose claim was taken in this call; they are checked, with
        the case the call was opened for (or the member's only case)."""
        super().__init__(*args, **kwargs)
        cases = self.fields["cases"]
        assert isinstance(cases, forms.ModelMultipleChoiceField)
        if member is None:
            del self.fields["cases"]
        else:
            cases.queryset = Case.objects.filter(member=member).order_by("case_no")
            checked = set(claimed)
            if inquiry is not None and inquiry.case_id is not None:
                checked.add(inquiry.case_id)
            cases.initial = sorted(checked)

    reason = forms.ChoiceField(label=_("reason"), choices=_blank_choice(InquiryReason.choices))
    outcome = forms.ChoiceField(label=_("outcome"), choices=_blank_choice(InquiryOutcome.choices))
    note = forms.CharField(
        label=_("note"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=text.TEXT_LIMIT,
    )
    follow_up_needed = forms.BooleanField(label=_("follow-up needed"), required=False)
    callback_requested = forms.BooleanField(
        label=_("the caller asked for a callback"), required=False
    )
    callback_at = callback_at_field()


class InquiryForm(Form):
    """A whole inquiry at once: three fields are enough, the rest is optional."""

    reason = forms.ChoiceField(label=_("reason"), choices=_blank_choice(InquiryReason.choices))
    note = forms.CharField(
        label=_("note"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=text.TEXT_LIMIT,
    )
    outcome = forms.ChoiceField(
        label=_("outcome"), choices=_blank_choice(InquiryOutcome.choices), required=False
    )
    # Optional details ("more").
    channel = forms.ChoiceField(label=_("channel"), choices=Channel.choices, initial=Channel.PHONE)
    direction = forms.ChoiceField(
        label=_("direction"), choices=Direction.choices, initial=Direction.INBOUND
    )
    member_no = forms.CharField(label=_("member number"), required=False, max_length=32)
    caller_name = forms.CharField(label=_("caller's name"), required=False, max_length=200)
    caller_phone = forms.CharField(label=_("caller's phone"), required=False, max_length=40)
    started_at = forms.DateTimeField(
        label=_("received at"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text=_("Leave empty for now; not in the future."),
    )
    follow_up_needed = forms.BooleanField(label=_("follow-up needed"), required=False)
    callback_requested = forms.BooleanField(
        label=_("the caller asked for a callback"), required=False
    )
    callback_at = callback_at_field()

    def clean_member_no(self) -> Member | None:
        number = self.cleaned_data["member_no"].strip().upper()
        if not number:
            return None
        member = Member.objects.filter(member_no=number).first()
        if member is None:
            raise ValidationError(_("No member has the number %(no)s.") % {"no": number})
        return member


class ComplaintCloseForm(Form):
    outcome = forms.CharField(
        label=_("complaint outcome"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=text.TEXT_LIMIT,
    )


class FollowUpDoneForm(Form):
    note = forms.CharField(label=_("note"), required=False, max_length=text.TEXT_LIMIT)


class PayeeForm(Form):
    """How the refund is paid: bank transfer (checked against the Zengin master) or bill credit."""

    method = forms.ChoiceField(
        label=_("payout"), choices=PayoutMethod.choices, widget=forms.RadioSelect
    )
    bank_code = forms.CharField(label=_("bank code"), required=False, max_length=8)
    branch_code = forms.CharField(label=_("branch code"), required=False, max_length=8)
    account_type = forms.ChoiceField(
        label=_("account type"),
        choices=payee.AccountType.choices,
        initial=payee.AccountType.ORDINARY,
        required=False,
        widget=forms.RadioSelect,
    )
    account_number = forms.CharField(label=_("account number"), required=False, max_length=16)
    holder_name = forms.CharField(
        label=_("account holder (kana)"),
        required=False,
        max_length=60,
        help_text=_(
            "Katakana as the bank holds it; capital letters, digits and ( ) . - / allowed."
        ),
    )
    payee_reason = forms.ChoiceField(
        label=_("if the account is not in the member's name, why"),
        choices=_blank_choice(PayeeReason.choices),
        required=False,
    )
    credit_contract = ModelChoiceField(
        label=_("credited contract"),
        queryset=Contract.objects.none(),
        required=False,
        empty_label=_("the member's next bill"),
    )

    def __init__(
        self, *args: Any, member: Member | None = None, case: Case | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.member = member
        # The payout the program gives the case's category is proposed: a current member's
        # refund (category 1) is credited on the next bill, the others are transferred.
        category_one = case is not None and case.category == Category.CURRENT
        self.fields["method"].initial = (
            PayoutMethod.BILL_CREDIT
            if category_one and member is not None and member.is_active
            else PayoutMethod.BANK_TRANSFER
        )
        self.billable = member is not None and member.is_active
        if self.billable:
            self.fields["credit_contract"].queryset = member.contracts.filter(  # type: ignore[union-attr,attr-defined]
                ended_on__isnull=True
            ).order_by("contract_no")
        else:
            self.fields["method"].choices = [  # type: ignore[attr-defined]
                (PayoutMethod.BANK_TRANSFER, PayoutMethod.BANK_TRANSFER.label)
            ]
            self.fields["method"].help_text = _(
                "The member is no longer billed, so the refund is transferred."
            )
            del self.fields["credit_contract"]
        self.branch: payee.BankBranch | None = None

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        method = data.get("method")
        if method == PayoutMethod.BANK_TRANSFER:
            self._clean_bank(data)
        elif method == PayoutMethod.BILL_CREDIT and not self.billable:
            self.add_error(
                "method",
                _(
                    "The member is no longer billed, so the refund cannot be credited on a "
                    "bill: take bank details instead."
                ),
            )
        return data

    def _clean_bank(self, data: dict[str, Any]) -> None:
        checks = {
            "bank_code": lambda: payee.validate_bank_code(data.get("bank_code", "")),
            "account_number": lambda: payee.validate_account_number(data.get("account_number", "")),
            "holder_name": lambda: payee.normalize_holder_name(data.get("holder_name", "")),
        }
        for name, check in checks.items():
            if not data.get(name):
                self.add_error(name, _("This field is required."))
                continue
            try:
                data[name] = check()
            except ValidationError as exc:
                self.add_error(name, exc)
        if not data.get("account_type"):
            self.add_error("account_type", _("Choose the account type."))
        if "bank_code" in self.errors:
            return
        if not data.get("branch_code"):
            self.add_error("branch_code", _("This field is required."))
            return
        try:
            self.branch = payee.validate_branch(data["bank_code"], data["branch_code"])
            data["branch_code"] = self.branch.branch_code
        except ValidationError as exc:
            self.add_error("branch_code", exc)

    def bank_values(self) -> BankDetails:
        return BankDetails.of(self.cleaned_data)


class ClaimForm(PayeeForm):
    """A claim: the payee, plus a one-time key so that submitting twice records one claim."""

    submission_key = forms.UUIDField(widget=forms.HiddenInput, initial=uuid.uuid4)
    channel = forms.ChoiceField(
        label=_("received by"), choices=Channel.choices, initial=Channel.PHONE
    )
    documents_received = forms.BooleanField(
        label=_("documents received (a power of attorney, an heir's papers)"),
        required=False,
        help_text=_("Needed when someone else than the member claims."),
    )


class PayeeChangeForm(PayeeForm):
    reason = forms.CharField(label=_("reason for the change"), max_length=1000)


class InvestigationForm(Form):
    program = ModelChoiceField(
        label=_("program"), queryset=RemediationProgram.objects.filter(is_active=True)
    )
    caller_name = forms.CharField(label=_("caller's name"), max_length=200)
    caller_kana = forms.CharField(label=_("caller's name (kana)"), max_length=200, required=False)
    caller_phone = forms.CharField(label=_("caller's phone"), max_length=40, required=False)
    caller_postal_code = forms.CharField(label=_("postal code"), max_length=8, required=False)
    caller_address = forms.CharField(label=_("address"), max_length=400, required=False)
    stated_member_no = forms.CharField(
        label=_("member number stated"), max_length=32, required=False
    )
    stated_contract_no = forms.CharField(
        label=_("contract number stated"), max_length=32, required=False
    )
    story = forms.CharField(
        label=_("what the caller says"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=text.TEXT_LIMIT,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        programs = self.fields["program"].queryset  # type: ignore[attr-defined]
        if programs.count() == 1:
            self.fields["program"].initial = programs.first()


class SettleForm(Form):
    amount_yen = forms.IntegerField(label=_("amount (yen)"), min_value=0, max_value=10_000_000)
    reason = forms.CharField(
        label=_("how the amount was established"), widget=forms.Textarea(attrs={"rows": 3})
    )


class GuidanceForm(ModelForm):
    """A talk script or an FAQ entry, as an admin writes it."""

    class Meta:
        model = Guidance
        fields = list(GUIDANCE_FIELDS)
        widgets = {
            "body": forms.Textarea(attrs={"rows": 10}),
            "body_en": forms.Textarea(attrs={"rows": 6}),
        }


class ContactUpdateForm(Form):
    """The member's new contact details as the caller gives them (empty: unchanged)."""

    phone = phone_field()
    postal_code = forms.RegexField(
        label=_("postal code"),
        regex=r"^[0-9]{3}-?[0-9]{4}$",
        required=False,
        max_length=8,
        error_messages={"invalid": _("A postal code has 7 digits (123-4567).")},
    )
    address = forms.CharField(label=_("address"), required=False, max_length=400)
    email = forms.EmailField(label=_("email"), required=False, max_length=254)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("address") and not data.get("postal_code"):
            self.add_error("postal_code", _("A new address needs its postal code."))
        return data
