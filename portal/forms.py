"""The portal's forms, in the member's words. They validate; the services write."""

import datetime
import unicodedata
from typing import Any

import jaconv
from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from refunds import claimcodes, payee
from refunds.forms.base import Form
from refunds.forms.callcenter import PayeeForm
from refunds.models import Case, PayeeReason, PayoutMethod
from refunds.payee import AccountType
from refunds.policies import portal_payouts
from refunds.search import keys
from refunds.services.portal import RequestDetails

NAME_MAX_LENGTH = 40  # a bank's or branch's name as a member types it

# Japanese eras by their first year (a year an era began in is named by both).
ERAS = ((2019, "令和"), (1989, "平成"), (1926, "昭和"), (1912, "大正"), (1868, "明治"))
OLDEST_YEAR = 1900


def _era_name(year: int) -> str:
    names = []
    for start, name in ERAS:
        if year >= start:
            number = year - start + 1
            names.append(f"{name}{'元' if number == 1 else number}年")
            if number != 1:
                break
    return "・".join(reversed(names[:2])) if len(names) > 1 else names[0]


def _year_label(year: int) -> str:
    if get_language() == "ja":
        return f"{year}年（{_era_name(year)}）"
    return str(year)


class BirthDateFields(forms.Form):
    """A birth date as three lists (year with its Japanese era, month, day): easy on a phone."""

    birth_year = forms.TypedChoiceField(label=_("year"), coerce=int)
    birth_month = forms.TypedChoiceField(
        label=_("month"), coerce=int, choices=[("", "--")] + [(m, m) for m in range(1, 13)]
    )
    birth_day = forms.TypedChoiceField(
        label=_("day"), coerce=int, choices=[("", "--")] + [(d, d) for d in range(1, 32)]
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        this_year = timezone.localdate().year
        years = [("", "----")] + [
            (y, _year_label(y)) for y in range(this_year, OLDEST_YEAR - 1, -1)
        ]
        self.fields["birth_year"].choices = years  # type: ignore[attr-defined]
        for name in ("birth_year", "birth_month", "birth_day"):
            self.fields[name].widget.attrs["autocomplete"] = {
                "birth_year": "bday-year",
                "birth_month": "bday-month",
                "birth_day": "bday-day",
            }[name]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        parts = [data.get(n) for n in ("birth_year", "birth_month", "birth_day")]
        if None in parts or "" in parts:
            return data
        year, month, day = (int(p) for p in parts)  # type: ignore[arg-type]
        try:
            born = datetime.date(year, month, day)
        except ValueError:
            self.add_error("birth_day", _("There is no such date."))
            return data
        if born > timezone.localdate():
            self.add_error("birth_year", _("A birth date cannot be in the future."))
            return data
        data["birth_date"] = born
        return data


class SignInForm(Form, BirthDateFields):
    code = forms.CharField(
        label=_("Claim code"),
        max_length=40,
        help_text=_("16 letters and digits, printed on your letter (the dashes are optional)."),
        widget=forms.TextInput(
            attrs={
                "autocomplete": "off",
                "autocapitalize": "characters",
                "spellcheck": "false",
                "inputmode": "text",
                "placeholder": "XXXX-XXXX-XXXX-XXXX",
            }
        ),
    )

    field_order = ["code", "birth_year", "birth_month", "birth_day"]

    def clean_code(self) -> str:
        folded = claimcodes.fold(self.cleaned_data["code"])
        if not folded:
            raise ValidationError(_("Type the code printed on your letter."))
        return folded


class PortalPayoutForm(PayeeForm):
    """How the member wants the refund: only the payouts their category allows, the bank
    account checked as the call center checks it (Zengin master, 7 digits, kana holder)."""

    # The form's one-time key: sent twice (a double tap, the back button), one claim.
    submission_key = forms.UUIDField(widget=forms.HiddenInput)

    def __init__(self, *args: Any, case: Case, **kwargs: Any) -> None:
        super().__init__(*args, member=case.member, case=case, **kwargs)
        self.fields.pop("credit_contract", None)
        allowed = portal_payouts(case)
        method = self.fields["method"]
        method.choices = [(m, PORTAL_PAYOUT_LABELS[m]) for m in allowed]  # type: ignore[attr-defined]
        method.label = _("How would you like to receive the refund?")
        method.help_text = ""
        method.initial = allowed[0]
        self.fields["bank_code"].label = _("Bank (its 4-digit code or its name)")
        self.fields["bank_code"].help_text = _("For example 0001, みずほ or 三井住友銀行.")
        self.fields["branch_code"].label = _("Branch (its 3-digit code or its name)")
        self.fields["branch_code"].help_text = _("For example 001 or 渋谷支店.")
        self.fields["account_number"].label = _("Account number (7 digits)")
        self.fields["account_type"].label = _("Account type")
        self.fields["holder_name"].label = _("Account holder name (katakana)")
        self.fields["holder_name"].help_text = _(
            "As your bank writes it, in katakana (e.g. ヤマダ タロウ)."
        )
        reason = self.fields["payee_reason"]
        reason.label = _("If the account is not in your own name, why")
        reason.choices = [("", "---------"), *PayeeReason.choices]  # type: ignore[attr-defined]
        for name in ("bank_code", "branch_code"):  # a name is longer than a code
            field = self.fields[name]
            field.validators = [MaxLengthValidator(NAME_MAX_LENGTH)]
            field.widget.attrs.update({"autocomplete": "off", "maxlength": NAME_MAX_LENGTH})
        self.fields["account_number"].widget.attrs.update(
            {"inputmode": "numeric", "autocomplete": "off"}
        )

    def _clean_bank(self, data: dict[str, Any]) -> None:
        """A bank or branch typed by name becomes its code (one match in the Zengin master),
        then the call center's checks run as they are."""
        bank = data.get("bank_code", "")
        if bank and not unicodedata.normalize("NFKC", bank).strip().isdigit():
            code = self._one("bank_code", payee.find_banks_by_name(bank), bank)
            if code is None:
                return
            data["bank_code"] = code
        branch = data.get("branch_code", "")
        if branch and not unicodedata.normalize("NFKC", branch).strip().isdigit():
            found = payee.find_branches_by_name(
                unicodedata.normalize("NFKC", data["bank_code"]).strip(), branch
            )
            code = self._one("branch_code", found, branch)
            if code is None:
                return
            data["branch_code"] = code
        super()._clean_bank(data)

    def _one(self, field: str, found: list[tuple[str, str]], typed: str) -> str | None:
        if len(found) == 1:
            return found[0][0]
        if not found:
            self.add_error(
                field, _("No bank or branch is called %(name)s: type its code.") % {"name": typed}
            )
        else:
            self.add_error(
                field,
                _("Several match %(name)s: %(list)s. Type the code.")
                % {"name": typed, "list": "、".join(f"{n}（{c}）" for c, n in found[:5])},
            )
        return None

    def summary(self) -> dict[str, str]:
        """What the member confirms: the bank and branch by name, as the master has them."""
        data = self.cleaned_data
        if data["method"] != PayoutMethod.BANK_TRANSFER or self.branch is None:
            return {}
        return {
            "bank": f"{self.branch.bank_name}（{self.branch.bank_code}）",
            "branch": f"{self.branch.branch_name}（{self.branch.branch_code}）",
            "account_type": str(AccountType(data["account_type"]).label),
            "account_number": data["account_number"],
            "holder_name": data["holder_name"],
            "payee_reason": str(PayeeReason(data["payee_reason"]).label)
            if data.get("payee_reason")
            else "",
        }


PORTAL_PAYOUT_LABELS: dict[str, Any] = {
    PayoutMethod.BILL_CREDIT: _("Deduct it from my next bill"),
    PayoutMethod.BANK_TRANSFER: _("Transfer it to my bank account"),
}


def _fold(value: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", value or "").split())


_NAME_MARKS = set(" ・ー-'’.")


def _person_name(value: str) -> str:
    """A name as people write it: letters of any script, spaces, ・ ー - ' . — nothing else
    (no markup, no digits)."""
    value = _fold(value)
    bad = sorted({ch for ch in value if not (ch.isalpha() or ch in _NAME_MARKS)})
    if bad:
        raise ValidationError(_("A name may not contain %(chars)s.") % {"chars": " ".join(bad)})
    return value


class RequestForm(Form, BirthDateFields):
    """A former member without a letter asks to be found (category 3: left before the
    billing error's window, moved since)."""

    name = forms.CharField(label=_("Name"), max_length=100)
    name_kana = forms.CharField(label=_("Name (katakana reading)"), max_length=100)
    phone = forms.CharField(
        label=_("Phone number we can call"),
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
    )
    postal_code = forms.CharField(
        label=_("Postal code"),
        max_length=10,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "postal-code"}),
    )
    address = forms.CharField(
        label=_("Current address"),
        max_length=200,
        widget=forms.TextInput(attrs={"autocomplete": "street-address"}),
    )
    member_no = forms.CharField(
        label=_("Member number, if you know it"), max_length=32, required=False
    )
    contract_no = forms.CharField(
        label=_("Contract number, if you know it"), max_length=32, required=False
    )
    usage = forms.CharField(
        label=_("How did you use the service? (course, years, address then)"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    field_order = [
        "name",
        "name_kana",
        "birth_year",
        "birth_month",
        "birth_day",
        "phone",
        "postal_code",
        "address",
        "member_no",
        "contract_no",
        "usage",
    ]

    def clean_name(self) -> str:
        return _person_name(self.cleaned_data["name"])

    def clean_name_kana(self) -> str:
        value = jaconv.hira2kata(_person_name(self.cleaned_data["name_kana"]))
        if not all(("ァ" <= ch <= "ヶ") or ch in " ・ー" for ch in value):
            raise ValidationError(_("Write the reading in katakana (e.g. ヤマダ タロウ)."))
        return value

    def clean_phone(self) -> str:
        value = _fold(self.cleaned_data["phone"])
        digits = keys.digits(value)
        if any(not (ch.isdigit() or ch in " -()+") for ch in value) or not 10 <= len(digits) <= 11:
            raise ValidationError(_("Type a phone number of 10 or 11 digits."))
        return digits

    def clean_postal_code(self) -> str:
        digits = keys.digits(self.cleaned_data["postal_code"])
        if len(digits) != 7:
            raise ValidationError(_("A postal code has 7 digits."))
        return f"{digits[:3]}-{digits[3:]}"

    def clean_address(self) -> str:
        return _fold(self.cleaned_data["address"])

    def details(self) -> RequestDetails:
        data = self.cleaned_data
        return RequestDetails(
            name=data["name"],
            name_kana=data["name_kana"],
            birth_date=data["birth_date"],
            phone=data["phone"],
            postal_code=data["postal_code"],
            address=data["address"],
            usage=data["usage"].strip(),
            member_no=_fold(data.get("member_no", "")).upper(),
            contract_no=_fold(data.get("contract_no", "")).upper(),
        )
