"""What the API shows and accepts. Writes are validated for shape here and decided by the
services (``refunds.services``), never by a serializer's ``save``.

Personal data (members)
    Every read (list and detail, any role) shows a member's personal data masked, as the member
    page does before its "Reveal (logged)" button: birth year only, the phone with all digits but
    the last four as "*" (``Member.masked_phone``), the first three digits of the postal code,
    the prefecture of the address, the domain of the email. Supervisors and admins get the full
    data from ``POST /api/members/{id}/reveal/``, logged by ``member_reveal`` (a
    ``PersonalDataAccess`` row and an audit event) exactly as the page's button logs it. Staff
    get no unmasked personal data from the API. A caller's phone on an inquiry and a payee's
    account number are always masked.

Amounts (cases)
    A case's amounts (``amount_yen``, ``computed_amount_yen``, ``paid_amount_yen``,
    ``compensation_yen``, ``flag_difference_yen``) are ``null`` unless
    ``may_see_amounts(user=..., member=case.member)`` allows them: supervisors and admins
    always, staff once they recorded a still-valid identity check of the case's member.
    ``amounts_visible`` says which applies.
"""

import datetime
from typing import Any, cast

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.reverse import reverse

from refunds import columns, privacy, text
from refunds.models import (
    IDENTITY_ITEMS,
    CallerRelation,
    Case,
    Category,
    Channel,
    Claim,
    Contract,
    Direction,
    Inquiry,
    InquiryOutcome,
    InquiryReason,
    Member,
    PayeeReason,
    PaymentBatch,
    PaymentItem,
    PayoutMethod,
)
from refunds.payee import AccountType, BankDetails
from refunds.policies import REFUSAL_CODES, may_see_amounts

AMOUNT_FIELDS = (
    "amount_yen",
    "computed_amount_yen",
    "paid_amount_yen",
    "compensation_yen",
    "flag_difference_yen",
)
# Inquiries are taken from this date on; earlier (or later than now) is a typing error.
EARLIEST_INQUIRY = datetime.datetime(2000, 1, 1, tzinfo=datetime.UTC)
CLOCK_SKEW = datetime.timedelta(minutes=5)


def _username() -> serializers.SlugRelatedField[Any]:
    """A user, by username (the field's own name is the user foreign key)."""
    return serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)


def _related(source: str | None = None) -> serializers.CharField:
    """A number or name of a related object (``None`` when there is none): at ``source``, or
    a column of the row named as the field (an annotation of the queryset)."""
    if source is None:
        return serializers.CharField(read_only=True, allow_null=True)
    return serializers.CharField(source=source, read_only=True, allow_null=True)


# -- members and contracts ------------------------------------------------------------------


class TextChecked:
    """An input serializer whose every text goes through ``refunds.text``: a control or
    direction character is refused, naming the field (as the pages and the imports do)."""

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        refused = {
            name: [why]
            for name, value in attrs.items()
            if isinstance(value, str) and (why := text.unsafe(value))
        }
        if refused:
            raise serializers.ValidationError(refused)
        return super().validate(attrs)  # type: ignore[misc]


class MemberSerializer(serializers.ModelSerializer[Member]):
    """A member with personal data masked (see the module's docstring)."""

    birth_year = serializers.SerializerMethodField()
    phone_masked = serializers.SerializerMethodField()
    postal_code_masked = serializers.SerializerMethodField()
    prefecture = serializers.SerializerMethodField()
    email_masked = serializers.SerializerMethodField()

    class Meta:
        model = Member
        fields = columns.MEMBERS.api
        read_only_fields = fields

    def get_birth_year(self, member: Member) -> int | None:
        return member.birth_date.year if member.birth_date else None

    def get_phone_masked(self, member: Member) -> str:
        return member.masked_phone

    def get_postal_code_masked(self, member: Member) -> str:
        return privacy.mask_postal(member.postal_code)

    def get_prefecture(self, member: Member) -> str:
        return member.prefecture

    def get_email_masked(self, member: Member) -> str:
        return privacy.mask_email(member.email)


class MemberPersonalDataSerializer(serializers.ModelSerializer[Member]):
    """A member's personal data unmasked (only as the answer of a logged reveal)."""

    class Meta:
        model = Member
        fields = [
            "id",
            "member_no",
            "name",
            "name_kana",
            "birth_date",
            "phone",
            "email",
            "postal_code",
            "address",
        ]
        read_only_fields = fields


class ContractSerializer(serializers.ModelSerializer[Contract]):
    member_no = _related("member.member_no")

    class Meta:
        model = Contract
        fields = columns.CONTRACTS.api
        read_only_fields = fields


# -- cases ----------------------------------------------------------------------------------


class CaseSerializer(serializers.ModelSerializer[Case]):
    """A case; its amounts are ``null`` where the user may not see them (module docstring)."""

    contract_no = _related("contract.contract_no")
    member_no = _related("member.member_no")
    amounts_visible = serializers.SerializerMethodField()
    prepared_by = _username()
    approved_by = _username()
    second_approved_by = _username()

    class Meta:
        model = Case
        fields = columns.CASES.api
        read_only_fields = fields

    def get_amounts_visible(self, case: Case) -> bool:
        # One identity-check lookup per member and response (a page lists many cases).
        context = cast(dict[str, Any], self.context)  # the root serializer's, shared
        memo: dict[int | None, bool] = context.setdefault("_amounts_visible", {})
        if case.member_id not in memo:
            memo[case.member_id] = may_see_amounts(
                user=self.context["request"].user, member=case.member
            )
        return memo[case.member_id]

    def to_representation(self, instance: Case) -> dict[str, Any]:
        data: dict[str, Any] = super().to_representation(instance)
        if not data["amounts_visible"]:
            data.update(dict.fromkeys(AMOUNT_FIELDS))
        return data


class NoteSerializer(TextChecked, serializers.Serializer[Any]):
    """An optional note (prepare, release)."""

    note = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class ReasonSerializer(TextChecked, serializers.Serializer[Any]):
    """A required reason (reject, hold, reopen)."""

    reason = serializers.CharField(max_length=500)


# -- inquiries ------------------------------------------------------------------------------


class InquirySerializer(serializers.ModelSerializer[Inquiry]):
    member_no = _related("member.member_no")
    case_no = _related("case.case_no")
    caller_phone_masked = serializers.SerializerMethodField()
    confirmed_items = serializers.SerializerMethodField()
    created_by = _username()

    class Meta:
        model = Inquiry
        fields = columns.INQUIRIES.api
        read_only_fields = fields

    def get_caller_phone_masked(self, inquiry: Inquiry) -> str:
        return privacy.mask_phone(inquiry.caller_phone)

    @extend_schema_field(
        serializers.ListField(child=serializers.ChoiceField(choices=list(IDENTITY_ITEMS)))
    )
    def get_confirmed_items(self, inquiry: Inquiry) -> list[str]:
        return [name for name in IDENTITY_ITEMS if getattr(inquiry, name)]


class InquiryCreateSerializer(TextChecked, serializers.Serializer[Any]):
    """A whole inquiry at once (``inquiry_log``), with the fields of the page's form."""

    reason = serializers.ChoiceField(choices=InquiryReason.choices)
    note = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=text.TEXT_LIMIT
    )
    outcome = serializers.ChoiceField(
        choices=InquiryOutcome.choices, required=False, allow_blank=True, default=""
    )
    channel = serializers.ChoiceField(choices=Channel.choices, default=Channel.PHONE)
    direction = serializers.ChoiceField(choices=Direction.choices, default=Direction.INBOUND)
    member_no = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=32,
        help_text="The member's number, if the caller is a known member.",
    )
    caller_name = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=200
    )
    caller_phone = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=40
    )
    started_at = serializers.DateTimeField(
        required=False,
        allow_null=True,
        default=None,
        help_text="When the contact was received; empty for now.",
    )
    follow_up_needed = serializers.BooleanField(default=False)
    callback_requested = serializers.BooleanField(default=False)
    callback_at = serializers.DateTimeField(
        required=False,
        allow_null=True,
        default=None,
        help_text="The callback time the caller chose, within the line's hours; empty: the "
        "first free slot (only with callback_requested).",
    )

    def validate_member_no(self, value: str) -> Member | None:
        number = value.strip().upper()
        if not number:
            return None
        member = Member.objects.filter(member_no=number).first()
        if member is None:
            raise serializers.ValidationError(
                _("No member has the number %(no)s.") % {"no": number}
            )
        return member

    def validate_started_at(self, value: datetime.datetime | None) -> datetime.datetime | None:
        if value is None:
            return None
        if value < EARLIEST_INQUIRY or value > timezone.now() + CLOCK_SKEW:
            raise serializers.ValidationError(_("Give a time between 2000-01-01 and now."))
        return value


class RevealSerializer(TextChecked, serializers.Serializer[Any]):
    """Why the unmasked personal data is needed (kept in the reveal log)."""

    reason = serializers.CharField(max_length=300)


class IdentityCheckSerializer(TextChecked, serializers.Serializer[Any]):
    """Who is calling and what the caller says (``inquiry_start``): each answer is compared
    with the member's data; the answer says which matched, never the stored value."""

    relation = serializers.ChoiceField(choices=CallerRelation.choices, default="self")
    verified_name = serializers.CharField(required=False, allow_blank=True, max_length=200)
    verified_birth_date = serializers.DateField(required=False, allow_null=True)
    verified_address = serializers.CharField(required=False, allow_blank=True, max_length=400)
    verified_phone = serializers.RegexField(
        r"^\+?[0-9()\s-]*$", required=False, allow_blank=True, max_length=40
    )
    channel = serializers.ChoiceField(choices=Channel.choices, default=Channel.PHONE)

    def answers(self) -> dict[str, object]:
        return {item: self.validated_data.get(item) for item in IDENTITY_ITEMS}


# -- claims ---------------------------------------------------------------------------------


class ClaimSerializer(serializers.ModelSerializer[Claim]):
    """A claim of ``selectors.claims`` (the related numbers and the taker's username are
    columns of the row) with its payee; the account number masked, the holder's name not
    shown."""

    case_no = _related()
    member_no = _related()
    account_number_masked = serializers.CharField(source="masked_account", read_only=True)
    credit_contract_no = _related()
    created_by = _related("taken_by_username")

    class Meta:
        model = Claim
        fields = columns.CLAIMS.api
        read_only_fields = fields


class ClaimCreateSerializer(TextChecked, serializers.Serializer[Any]):
    """A member's claim (``claim_record``): the payee is checked again by the service."""

    case = serializers.PrimaryKeyRelatedField(queryset=Case.objects.select_related("member"))
    method = serializers.ChoiceField(choices=PayoutMethod.choices)
    bank_code = serializers.CharField(required=False, allow_blank=True, default="", max_length=8)
    branch_code = serializers.CharField(required=False, allow_blank=True, default="", max_length=8)
    account_type = serializers.ChoiceField(
        choices=AccountType.choices, required=False, allow_blank=True, default=""
    )
    account_number = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=16
    )
    holder_name = serializers.CharField(required=False, allow_blank=True, default="", max_length=60)
    credit_contract = serializers.PrimaryKeyRelatedField(
        queryset=Contract.objects.all(), required=False, allow_null=True, default=None
    )
    channel = serializers.ChoiceField(choices=Channel.choices, default=Channel.PHONE)
    submission_key = serializers.UUIDField(
        required=False,
        allow_null=True,
        default=None,
        help_text="The same key sent again returns the first claim (200) instead of a second.",
    )
    documents_received = serializers.BooleanField(
        default=False, help_text="A representative's or an heir's documents are in hand."
    )
    payee_reason = serializers.ChoiceField(
        choices=PayeeReason.choices,
        required=False,
        allow_blank=True,
        default="",
        help_text="Why the account holder is not the member (required when they differ).",
    )

    def bank_values(self) -> BankDetails:
        return BankDetails.of(self.validated_data)


# -- payments -------------------------------------------------------------------------------


class PaymentItemSerializer(serializers.ModelSerializer[PaymentItem]):
    case_no = _related("case.case_no")
    account_number_masked = serializers.SerializerMethodField()

    class Meta:
        model = PaymentItem
        fields = columns.PAYMENT_ITEMS.api
        read_only_fields = fields

    def get_account_number_masked(self, item: PaymentItem) -> str:
        return privacy.mask_account(item.account_number)


class PaymentBatchSerializer(serializers.ModelSerializer[PaymentBatch]):
    created_by = _username()
    exported_by = _username()
    has_file = serializers.SerializerMethodField()

    class Meta:
        model = PaymentBatch
        fields = columns.PAYMENT_BATCHES.api
        read_only_fields = fields

    def get_has_file(self, batch: PaymentBatch) -> bool:
        return bool(batch.file)


class PaymentBatchDetailSerializer(PaymentBatchSerializer):
    """A run with the address of its payments: a run of 20,000 payments is a list of pages
    (``/api/payments/<id>/items/``), not one answer of megabytes."""

    items = serializers.SerializerMethodField()

    class Meta(PaymentBatchSerializer.Meta):
        fields = [*PaymentBatchSerializer.Meta.fields, "items"]
        read_only_fields = fields

    def get_items(self, batch: PaymentBatch) -> str:
        return reverse("api:payment-items", args=[batch.pk], request=self.context.get("request"))


class PaymentRunCreateSerializer(TextChecked, serializers.Serializer[Any]):
    """A run's proposal (``refunds.services.payments.Proposal``) and its transfer date."""

    method = serializers.ChoiceField(choices=PayoutMethod.choices)
    transfer_date = serializers.DateField(
        help_text="A bank business day, PAYMENT_LEAD_BUSINESS_DAYS (2) ahead at least."
    )
    program = serializers.CharField(required=False, allow_blank=True, default="")
    category = serializers.ChoiceField(choices=Category.choices, required=False, allow_null=True)
    amount_min = serializers.IntegerField(required=False, allow_null=True, min_value=0)
    amount_max = serializers.IntegerField(required=False, allow_null=True, min_value=0)
    approved_days = serializers.IntegerField(required=False, allow_null=True, min_value=0)


class PaymentRunExcludeSerializer(TextChecked, serializers.Serializer[Any]):
    items = serializers.ListField(child=serializers.IntegerField(min_value=1), min_length=1)
    reason = serializers.CharField(max_length=300)


class ReconcileOutcomeSerializer(serializers.Serializer[Any]):
    applied = serializers.BooleanField()
    paid = serializers.IntegerField()
    failed = serializers.IntegerField()
    still_open = serializers.IntegerField()
    sha256 = serializers.CharField()
    errors = serializers.ListField(child=serializers.CharField())  # type: ignore[assignment]


# -- errors (documentation only) ------------------------------------------------------------


class ErrorSerializer(serializers.Serializer[Any]):
    detail = serializers.CharField()


class RefusalSerializer(serializers.Serializer[Any]):
    """A rule's refusal (409): why, and a stable code."""

    detail = serializers.CharField()
    code = serializers.ChoiceField(choices=sorted(REFUSAL_CODES.items()))
