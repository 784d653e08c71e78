"""Query filters of the list endpoints: exact matches on indexed columns only. (Labels are the
schema's descriptions, in English like the rest of it.)"""

from typing import Any

import django_filters
from django import forms
from drf_spectacular.utils import extend_schema_field

from refunds.api.pagination import MAX_ID
from refunds.models import (
    Case,
    CaseStatus,
    Category,
    Claim,
    Contract,
    Inquiry,
    Member,
    PaymentBatch,
    RemediationProgram,
)


class IdField(forms.IntegerField):
    """A whole number in the range of an id (a larger one overflows SQLite's integers)."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(**kwargs)


@extend_schema_field({"type": "integer", "minimum": 1, "maximum": MAX_ID})
class IdFilter(django_filters.NumberFilter):
    """An object id: whole numbers only (``NumberFilter`` alone takes decimals)."""

    field_class = IdField


class MemberFilter(django_filters.FilterSet):
    member_no = django_filters.CharFilter(label="member number")

    class Meta:
        model = Member
        fields = ["member_no", "status"]


class ContractFilter(django_filters.FilterSet):
    contract_no = django_filters.CharFilter(label="contract number")
    member = IdFilter(field_name="member_id", label="member id")

    class Meta:
        model = Contract
        fields = ["contract_no", "member"]


class CaseFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=CaseStatus.choices, label="status")
    category = django_filters.TypedChoiceFilter(
        choices=Category.choices, coerce=int, label="category"
    )
    program = django_filters.ModelChoiceFilter(
        queryset=RemediationProgram.objects.all(), label="program id"
    )
    program_code = django_filters.CharFilter(label="program code")
    member = IdFilter(field_name="member_id", label="member id")
    case_no = django_filters.CharFilter(label="case number")

    class Meta:
        model = Case
        fields = ["status", "category", "program", "program_code", "member", "case_no"]


class InquiryFilter(django_filters.FilterSet):
    member = IdFilter(field_name="member_id", label="member id")
    case = IdFilter(field_name="case_id", label="case id")

    class Meta:
        model = Inquiry
        fields = ["member", "case"]


class ClaimFilter(django_filters.FilterSet):
    member = IdFilter(field_name="member_id", label="member id")
    case = IdFilter(field_name="case_id", label="case id")

    class Meta:
        model = Claim
        fields = ["member", "case"]


class PaymentBatchFilter(django_filters.FilterSet):
    class Meta:
        model = PaymentBatch
        fields = ["status", "method"]
