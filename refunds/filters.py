"""One FilterSet per model, for its pages and for the API alike (as NetBox does).

A page or an API list offers the filters it names: ``only(CaseFilter, "status", …)`` is the
FilterSet cut to those, for the filtering, the form and the API schema alike; each filter is
defined once, here. A filter on a related table is a search box on a number or an id, never a
drop-down of the whole table.
"""

import datetime
from typing import Any, TypeVar, cast

import django_filters
from django import forms
from django.db import models
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field

from refunds.casenumbers import fold, normalise
from refunds.modelchoices import ModelChoiceFilter
from refunds.models import (
    Area,
    AuditEvent,
    Case,
    CaseStatus,
    Category,
    Claim,
    Contract,
    ImportBatch,
    Inquiry,
    Investigation,
    Member,
    PaymentBatch,
    PersonalDataAccess,
    PortalAttempt,
    ProgressReport,
    RemediationProgram,
    ReturnedMail,
    Tariff,
)

FS = TypeVar("FS", bound=django_filters.FilterSet)
# The largest id (a larger number overflows SQLite's integers).
MAX_ID = 2**63 - 1


def only(filterset_class: type[FS], *names: str) -> type[FS]:
    """``filterset_class`` offering only the filters ``names``, in that order."""
    unknown = set(names) - set(filterset_class.base_filters)
    if unknown:
        raise ValueError(f"{filterset_class.__name__} has no filter {', '.join(sorted(unknown))}")
    cut = cast(
        type[FS], type(filterset_class.__name__, (filterset_class,), {"__module__": __name__})
    )
    cut.base_filters = {name: filterset_class.base_filters[name] for name in names}
    return cut


class AnyYesNo(forms.Select):
    """Yes / no, or either (the empty choice reads "any", never "unknown")."""

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        choices = (("", _("Any")), ("true", _("Yes")), ("false", _("No")))
        super().__init__(attrs, choices=choices)


class YesNoFilter(django_filters.BooleanFilter):
    """A yes/no filter whose empty choice is "any"."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", AnyYesNo)
        super().__init__(*args, **kwargs)


class FilterSet(django_filters.FilterSet):
    """The project's FilterSet: a yes/no field of a model is filtered with ``YesNoFilter``."""

    FILTER_DEFAULTS = {
        **django_filters.filterset.FILTER_FOR_DBFIELD_DEFAULTS,
        models.BooleanField: {"filter_class": YesNoFilter},
    }


class IdField(forms.IntegerField):
    """A whole number in the range of an id."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(**kwargs)


@extend_schema_field({"type": "integer", "minimum": 1, "maximum": MAX_ID})
class IdFilter(django_filters.NumberFilter):
    """An object id: whole numbers only (``NumberFilter`` alone takes decimals)."""

    field_class = IdField


class MemberFilter(FilterSet):
    q = django_filters.CharFilter(method="search", label=_("Member number or name"))
    member_no = django_filters.CharFilter(label=_("member number"))

    class Meta:
        model = Member
        fields = ["status", "member_no"]

    def search(self, queryset: QuerySet[Member], name: str, value: str) -> QuerySet[Member]:
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(member_no=value) | Q(name__contains=value) | Q(name_kana__contains=value)
        )


class ContractFilter(FilterSet):
    contract_no = django_filters.CharFilter(label=_("contract number"))
    member = IdFilter(field_name="member_id", label=_("member id"))

    class Meta:
        model = Contract
        fields = ["contract_no", "course", "plan", "area", "member"]


class TariffFilter(FilterSet):
    class Meta:
        model = Tariff
        fields = ["course", "plan", "area"]


# The programs' drop-down: what a choice shows (the program's code and version), not the rules.
PROGRAMS = RemediationProgram.objects.only("code", "version")


class ImportBatchFilter(FilterSet):
    class Meta:
        model = ImportBatch
        fields = ["kind", "status"]


class CaseFilter(FilterSet):
    case_no = django_filters.CharFilter(label=_("case number"), method="filter_case_no")
    program = ModelChoiceFilter(queryset=PROGRAMS, label=_("program"))
    program_code = django_filters.CharFilter(label=_("program code"))
    # A ChoiceFilter (not Typed…): its form offers the empty choice, so nothing is preselected.
    category = django_filters.ChoiceFilter(choices=Category.choices, label=_("category"))
    status = django_filters.ChoiceFilter(choices=CaseStatus.choices, label=_("status"))
    member = IdFilter(field_name="member_id", label=_("member id"))
    area = django_filters.ChoiceFilter(
        field_name="contract__area", choices=Area.choices, label=_("area")
    )
    plan = django_filters.CharFilter(field_name="contract__plan", label=_("plan"))
    amount_min = django_filters.NumberFilter(
        field_name="amount_yen", lookup_expr="gte", label=_("amount from")
    )
    amount_max = django_filters.NumberFilter(
        field_name="amount_yen", lookup_expr="lte", label=_("amount to")
    )
    older_than = django_filters.NumberFilter(
        method="filter_age",
        label=_("prepared more than (days) ago"),
        min_value=0,
        max_value=36500,
    )

    class Meta:
        model = Case
        fields = ["program", "category", "status", "flagged"]

    def filter_case_no(self, queryset: QuerySet[Case], name: str, value: str) -> QuerySet[Case]:
        """The case number as typed: ``SH10-82`` finds ``SH10-000082`` (``casenumbers``)."""
        if not value:
            return queryset
        return queryset.filter(case_no=normalise(value) or fold(value))

    def filter_age(self, queryset: QuerySet[Case], name: str, value: Any) -> QuerySet[Case]:
        if value is None:
            return queryset
        since = timezone.now() - datetime.timedelta(days=int(value))
        return queryset.filter(prepared_at__lt=since)


class ProgramFilter(FilterSet):
    class Meta:
        model = RemediationProgram
        fields = ["code", "is_active"]


class InquiryFilter(FilterSet):
    open = YesNoFilter(method="filter_open", label=_("open"))
    started_from = django_filters.DateFilter(
        field_name="started_at", lookup_expr="date__gte", label=_("from")
    )
    overdue = YesNoFilter(method="filter_overdue", label=_("overdue"))
    mine = YesNoFilter(method="filter_mine", label=_("taken by me"))
    member = IdFilter(field_name="member_id", label=_("member id"))
    case = IdFilter(field_name="case_id", label=_("case id"))
    # Typed, never chosen from a list of a whole table.
    member_no = django_filters.CharFilter(
        field_name="member__member_no", lookup_expr="iexact", label=_("member number")
    )
    due_before = django_filters.DateFilter(
        field_name="complaint_due_at", lookup_expr="date__lte", label=_("due on or before")
    )

    class Meta:
        model = Inquiry
        fields = ["channel", "reason", "outcome", "follow_up_needed"]

    def filter_open(
        self, queryset: QuerySet[Inquiry], name: str, value: bool | None
    ) -> QuerySet[Inquiry]:
        if value is None:
            return queryset
        is_open = Q(ended_at__isnull=True) | Q(
            follow_up_needed=True, follow_up_done_at__isnull=True
        )
        return queryset.filter(is_open) if value else queryset.exclude(is_open)

    def filter_overdue(
        self, queryset: QuerySet[Inquiry], name: str, value: bool | None
    ) -> QuerySet[Inquiry]:
        if value is None:
            return queryset
        lookup = {"callback_due_at__lt": timezone.now()}
        return queryset.filter(**lookup) if value else queryset.exclude(**lookup)

    def filter_mine(
        self, queryset: QuerySet[Inquiry], name: str, value: bool | None
    ) -> QuerySet[Inquiry]:
        if not value:
            return queryset
        return queryset.filter(created_by=self.request.user)


class ClaimFilter(FilterSet):
    case_status = django_filters.ChoiceFilter(
        field_name="case__status", choices=CaseStatus.choices, label=_("case status")
    )
    member = IdFilter(field_name="member_id", label=_("member id"))
    case = IdFilter(field_name="case_id", label=_("case id"))
    program = ModelChoiceFilter(field_name="case__program", queryset=PROGRAMS, label=_("program"))

    class Meta:
        model = Claim
        fields = ["case_status", "program", "method", "channel"]


class InvestigationFilter(FilterSet):
    settled = YesNoFilter(
        field_name="settled_at", lookup_expr="isnull", exclude=True, label=_("settled")
    )

    class Meta:
        model = Investigation
        fields = ["settled"]


class BatchFilter(FilterSet):
    class Meta:
        model = PaymentBatch
        fields = ["method", "status"]


class AuditEventFilter(FilterSet):
    action = django_filters.CharFilter(lookup_expr="startswith", label=_("action"))
    object_repr = django_filters.CharFilter(label=_("object (case number, …)"))
    actor = django_filters.CharFilter(field_name="actor__username", label=_("who"))
    since = django_filters.DateFilter(
        field_name="created_at", lookup_expr="date__gte", label=_("from")
    )

    class Meta:
        model = AuditEvent
        fields = ["action", "object_type", "object_repr", "actor", "since"]


class PortalAttemptFilter(FilterSet):
    """The member portal's log: what was tried, how it ended, from where, since when."""

    ip = django_filters.CharFilter(label=_("address"))
    case = django_filters.CharFilter(field_name="code__case__case_no", label=_("case number"))
    since = django_filters.DateFilter(field_name="at", lookup_expr="date__gte", label=_("from"))

    class Meta:
        model = PortalAttempt
        fields = ["kind", "outcome", "ip", "case", "since"]


class ProgressReportFilter(FilterSet):
    class Meta:
        model = ProgressReport
        fields = ["program_code"]


class PersonalDataAccessFilter(FilterSet):
    member = django_filters.CharFilter(field_name="member__member_no", label=_("member number"))
    user = django_filters.CharFilter(field_name="user__username", label=_("who"))
    since = django_filters.DateFilter(
        field_name="accessed_at", lookup_expr="date__gte", label=_("from")
    )

    class Meta:
        model = PersonalDataAccess
        fields = ["member", "user", "since"]


class ReturnedMailFilter(FilterSet):
    member = IdFilter(field_name="member_id", label=_("member id"))

    class Meta:
        model = ReturnedMail
        fields = ["reason"]
