"""The product's tables (django-tables2), built with the library's public API only.

Every table derives from ``BaseTable`` (template, classes, empty text). The library's classes
are used as they are; where they cost too much per cell on a page of 50 rows this module has a
documented subclass or its own column instead, never a replacement inside the library: date
columns that do not compile a template per cell (``DateColumn``, ``DateTimeColumn``, declared
on the tables), a ``TemplateColumn`` rendered in the page's context, and the body of the table
written by ``body_rows`` (the ``table.tbody`` block of ``refunds/includes/table.html``).
"""

import datetime
import functools
import html
import weakref
from collections.abc import Callable
from typing import Any

import django_tables2 as tables
from django.core.exceptions import FieldDoesNotExist
from django.db.models import Model
from django.middleware.csrf import get_token
from django.template import Template
from django.template.base import render_value_in_context
from django.template.loader import get_template
from django.utils import timezone
from django.utils.formats import localize
from django.utils.html import conditional_escape, escape, format_html
from django.utils.http import urlencode
from django.utils.safestring import SafeString
from django.utils.translation import get_language, gettext, pgettext
from django.utils.translation import gettext_lazy as _
from django_tables2.columns.linkcolumn import BaseLinkColumn
from django_tables2.rows import BoundRow
from django_tables2.utils import AttributeDict, signature

from refunds import columns
from refunds.labels import (
    choice_label,
    code_label,
    grouped,
    list_title,
    object_type_label,
    status_badge,
    yen,
)
from refunds.links import object_url, object_urls
from refunds.localtime import formatted_as, strftime_format
from refunds.models import (
    AuditEvent,
    Case,
    Claim,
    Contract,
    DetectionRun,
    ImportBatch,
    Inquiry,
    Investigation,
    Member,
    PaymentBatch,
    PaymentItem,
    PayoutMethod,
    PersonalDataAccess,
    PortalAttempt,
    ProgressReport,
    RemediationProgram,
    ReturnedMail,
    Tariff,
)
from refunds.policies import approval_refusal


class TemplateColumn(tables.TemplateColumn):
    """A ``TemplateColumn`` whose code is compiled once and rendered in the page's context.

    django-tables2's own compiles ``template_code`` again for every cell and renders a
    ``template_name`` through a new ``RequestContext`` per cell (every context processor run
    again). The page's context, which ``{% render_table %}`` hands to the table as
    ``table.context``, already holds what the context processors give. This overrides only
    ``render``, the method a column is documented to override; the context is the library's
    ``get_context_data``.
    """

    def render(self, record: Any, table: Any, value: Any, bound_column: Any, **kwargs: Any) -> Any:
        parent = getattr(table, "context", None)
        if parent is None:  # rendered outside {% render_table %}
            return super().render(record, table, value, bound_column, **kwargs)
        context = self.get_context_data(
            record=record, table=table, value=value, bound_column=bound_column, **kwargs
        )
        with parent.update(context):
            parent["request"] = getattr(table, "request", None)
            if self.template_code:
                return _compiled(self.template_code).render(parent)
            return get_template(self.template_name).template.render(parent)  # type: ignore[attr-defined]


@functools.lru_cache(maxsize=512)
def _compiled(template_code: str) -> Template:
    return Template(template_code)


# Per table being drawn: a date column's zone and pattern by format (``DateColumn._writing``).
_TABLE_FORMATS: "weakref.WeakKeyDictionary[Any, dict[str, Any]]" = weakref.WeakKeyDictionary()


class DateColumn(tables.Column):
    """A date as django-tables2's ``DateColumn`` writes it, without a template per cell.

    The library's date columns are ``TemplateColumn``s compiling ``{{ value|date:format }}``
    for every cell; this one writes what the ``date`` filter writes (``localtime.formatted``;
    ``SHORT_DATE_FORMAT`` unless told otherwise, ``DATE_FORMAT`` with ``short=False``) and
    exports the ISO date, as they do.
    Declared on the tables for their date fields (``tests/test_tables.py`` checks that none
    is left to the library's).
    """

    short_format, long_format = "SHORT_DATE_FORMAT", "DATE_FORMAT"

    def __init__(self, format: str | None = None, *, short: bool = True, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.format = format or (self.short_format if short else self.long_format)

    def render(self, value: Any, bound_column: Any, table: Any) -> Any:
        zone, pattern = self._writing(table)
        if isinstance(value, datetime.datetime) and timezone.is_aware(value):
            value = value.astimezone(zone)  # timezone.localtime, as a template shows it
        return formatted_as(value, self.format, pattern) or bound_column.default

    def _writing(self, table: Any) -> tuple[datetime.tzinfo, tuple[str, bool] | None]:
        """The local zone and the format's ``strftime`` pattern, read once per table (a
        request's) instead of for every cell: both are the request's language and zone."""
        formats = _TABLE_FORMATS.get(table)
        if formats is None:
            formats = _TABLE_FORMATS[table] = {}
        found = formats.get(self.format)
        if found is None:
            zone = timezone.get_current_timezone()
            found = formats[self.format] = (zone, strftime_format(self.format))
        return found

    def value(self, value: Any) -> Any:
        if isinstance(value, datetime.datetime):
            return value.isoformat(sep=" ")
        return value.isoformat() if isinstance(value, datetime.date) else value


class DateTimeColumn(DateColumn):
    """A date and time as django-tables2's ``DateTimeColumn`` writes it (see ``DateColumn``)."""

    short_format, long_format = "SHORT_DATETIME_FORMAT", "DATETIME_FORMAT"


class BooleanColumn(tables.BooleanColumn):
    """django-tables2's ``BooleanColumn`` with its two cells written once, not for every row.

    The library's ``render`` looks up the record's field (for choices) and builds the
    ``<span>`` with its attributes for each cell; a ``True`` or ``False`` value (a model's
    boolean field) is always one of two cells. Any other value, or ``<span>`` attributes
    computed per row, go to the library's ``render``.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        span = self.attrs.get("span", {})
        self.cells = (
            {}
            if any(callable(v) for v in span.values())
            else {value: self._cell(value, span) for value in (True, False)}
        )

    def _cell(self, value: bool, span: dict[str, Any]) -> SafeString:
        attrs = AttributeDict({"class": str(value).lower(), **span}).as_html()
        return format_html("<span {}>{}</span>", attrs, escape(self.yesno[int(not value)]))

    def render(self, value: Any, record: Any, bound_column: Any) -> Any:
        if type(value) is bool and self.cells:
            return self.cells[value]
        return super().render(value, record, bound_column)


def flag_column(**kwargs: Any) -> BooleanColumn:
    """A case's review flag as every list shows it: ⚑ on a flagged case, nothing on the others
    (the reason is on the case's page)."""
    return BooleanColumn(verbose_name=_("flagged"), yesno="⚑,", **kwargs)


class YenColumn(tables.Column):
    """Integer yen, right-aligned: ``3,402円`` (``—`` when there is none)."""

    empty_values = ()

    def render(self, value: Any) -> str:
        return yen(value)


class CodeColumn(tables.Column):
    """A course, plan or charge item code of the billing data, in words (``labels.code_label``)."""

    def __init__(self, kind: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.kind = kind

    def render(self, value: Any) -> str:
        return code_label(value, self.kind)

    def value(self, value: Any) -> Any:
        return value


class CountColumn(tables.Column):
    def render(self, value: Any) -> str:
        return grouped(value)


class CaseStatusColumn(tables.Column):
    """The case's status as its badge (``includes/case_status_badge.html`` in Python)."""

    def render(self, record: Any) -> str:
        return status_badge(record)


def yen_column(label: object, **kwargs: Any) -> YenColumn:
    return YenColumn(verbose_name=label, attrs={"td": {"class": "text-end"}}, **kwargs)


def count_column(label: object) -> CountColumn:
    return CountColumn(verbose_name=label, attrs={"td": {"class": "text-end"}})


class ObjectLinkColumn(tables.Column):
    """A column linked to the page of an object the row refers to (the member's, the case's):
    the URL is ``links.object_url`` of the object's number, the pattern reversed once, not
    ``reverse()`` for every cell (a list of 50 rows with two such links spent 5–10 ms on it). A
    cell without that object shows the default, unlinked.

    ``get_url`` is django-tables2's hook for a column's own link; ``body_rows`` calls it directly
    (the library's ``LinkTransform`` inspects its signature again for every cell).
    """

    def __init__(self, *args: Any, url_name: str, pk: str, **kwargs: Any) -> None:
        self.url_name, self.pk_accessor = url_name, tables.A(pk)
        super().__init__(*args, **kwargs)

    def get_url(self, record: Any) -> str | None:
        pk = self.pk_accessor.resolve(record, quiet=True)
        return None if pk is None else object_url(self.url_name, pk)

    def url_reader(self) -> Callable[[Model], str | None]:
        """``get_url`` for the model records of one request's rows (``body_rows``): the URL's
        place read once, the number an attribute of the record."""
        if len(self.pk_accessor.bits) != 1:
            return self.get_url
        url_of, name = object_urls(self.url_name), self.pk_accessor.bits[0]

        def url(record: Model) -> str | None:
            pk = getattr(record, name, None)
            return None if pk is None else url_of(pk)

        return url


def _to_own_page(url_name: str, **kwargs: Any) -> ObjectLinkColumn:
    """A column linked to the row's own page (what ``linkify=True`` gives through the model's
    ``get_absolute_url``, without the library composing the link again for every cell)."""
    return ObjectLinkColumn(url_name=url_name, pk="pk", **kwargs)


def _to_member(**kwargs: Any) -> ObjectLinkColumn:
    return ObjectLinkColumn(url_name="refunds:member_detail", pk="member_id", **kwargs)


def _to_case(**kwargs: Any) -> ObjectLinkColumn:
    return ObjectLinkColumn(url_name="refunds:case_detail", pk="case_id", **kwargs)


class BaseTable(tables.Table):
    """What every table shares: the template (keyset pages, the body below), classes, empty text,
    and which columns sort.

    A table's ``Meta`` derives from ``BaseTable.Meta`` (django-tables2 inherits options only so).

    ``sortable`` names the columns a user may sort by, in a table of rows that grow with the
    members (a million and more): each an order an index gives whole within the list's rows,
    so that a page sorted by it costs what the first page costs (``make bench-pages`` times
    every one of them, both ways, at a million rows). Sorting by any other column would sort
    the whole table for each page (0.1–2 s at that size); its heading is plain text and a
    ``?sort=`` naming it is ignored. ``None`` (the default) leaves every column sortable: a
    list of a few hundred rows (imports, runs, programs, reports).
    """

    sortable: tuple[str, ...] | None = None

    class Meta:
        template_name = "refunds/includes/table.html"
        attrs = {"class": "table table-sm table-hover align-middle"}
        empty_text = _("None.")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.sortable is not None:
            for column in self.columns.iterall():  # this table's own copies of its columns
                if column.name not in self.sortable:
                    column.column.orderable = False


def others(table: type[tables.Table], fields: tuple[str, ...]) -> tuple[str, ...]:
    """The columns of ``table`` not in ``fields``: what a narrower table derived from it excludes.

    django-tables2 adds every declared column of a table, and of the tables it derives from,
    whatever ``Meta.fields`` says; ``Meta.exclude`` is how a derived table leaves some out.
    """
    return tuple(name for name in table.base_columns if name not in fields)


class MemberTable(BaseTable):
    sortable = ("member_no", "postal_code")
    member_no = _to_own_page("refunds:member_detail")
    withdrawn_on = DateColumn()

    class Meta(BaseTable.Meta):
        model = Member
        fields = columns.MEMBERS.table
        order_by = ("member_no",)


class ContractTable(BaseTable):
    sortable = ("contract_no", "member_no")
    member_no = _to_member(
        accessor="member__member_no", verbose_name=columns.CONTRACTS.label("member_no")
    )
    course = CodeColumn("course")
    plan = CodeColumn("plan")
    applied_on = DateColumn()
    cancel_requested_on = DateColumn()
    ended_on = DateColumn()

    class Meta(BaseTable.Meta):
        model = Contract
        fields = columns.CONTRACTS.table


class TariffTable(BaseTable):
    course = CodeColumn("course")
    plan = CodeColumn("plan")
    monthly_fee_yen = yen_column(_("monthly fee"))
    valid_from = DateColumn()
    valid_to = DateColumn()

    class Meta(BaseTable.Meta):
        model = Tariff
        fields = ("course", "plan", "area", "valid_from", "valid_to", "monthly_fee_yen")


class ImportBatchTable(BaseTable):
    id = _to_own_page("refunds:import_detail", verbose_name="#")
    created = count_column(_("created"))
    updated = count_column(_("updated"))
    unchanged = count_column(_("unchanged"))
    rejected = count_column(_("rejected"))
    status = TemplateColumn(
        template_name="refunds/includes/import_status_badge.html", verbose_name=_("status")
    )
    created_at = DateTimeColumn()

    class Meta(BaseTable.Meta):
        model = ImportBatch
        fields = (
            "id",
            "kind",
            "file_name",
            "encoding",
            "status",
            "created",
            "updated",
            "unchanged",
            "rejected",
            "created_by",
            "created_at",
        )


class CaseTable(BaseTable):
    sortable = ("case_no", "status", "updated_at")
    case_no = _to_own_page("refunds:case_detail")
    member_no = tables.Column(
        accessor="member__member_no", verbose_name=columns.CASES.label("member_no")
    )
    contract_no = tables.Column(
        accessor="contract__contract_no", verbose_name=columns.CASES.label("contract_no")
    )
    plan = CodeColumn("plan", accessor="contract__plan", verbose_name=columns.CASES.label("plan"))
    area = tables.Column(accessor="contract__area", verbose_name=columns.CASES.label("area"))
    amount_yen = yen_column(_("amount"))
    status = CaseStatusColumn(verbose_name=_("status"))
    flagged = flag_column()
    updated_at = DateTimeColumn()

    class Meta(BaseTable.Meta):
        model = Case
        fields = columns.CASES.table


class DetectionRunTable(BaseTable):
    id = _to_own_page("refunds:detection_detail", verbose_name="#")
    dry_run = BooleanColumn()
    started_at = DateTimeColumn()

    class Meta(BaseTable.Meta):
        model = DetectionRun
        fields = (
            "id",
            "program",
            "dry_run",
            "status",
            "created",
            "updated",
            "unchanged",
            "flagged",
            "no_longer_affected",
            "reopened",
            "problems",
            "started_by",
            "started_at",
        )


class ProgramTable(BaseTable):
    code = tables.Column()
    is_active = BooleanColumn()
    edit = tables.Column(empty_values=(), verbose_name="", orderable=False)
    applied_on_or_after = DateColumn()
    cancel_requested_on_or_before = DateColumn()
    recent_leaver_from = DateColumn()
    claim_deadline = DateColumn()
    portal = tables.Column(
        accessor="portal_closed", verbose_name=_("member portal"), orderable=False
    )

    def render_edit(self, record: RemediationProgram) -> SafeString:
        """A link to the program's form, for an admin."""
        context = getattr(self, "context", None)
        if context is None or not context.get("is_admin"):
            return SafeString("")
        return format_html(
            '<a href="{}">{}</a>', object_url("refunds:program_update", record.pk), gettext("Edit")
        )

    def render_portal(self, record: RemediationProgram) -> SafeString:
        if record.portal_closed:
            badge = format_html(
                '<span class="badge text-bg-warning">{}</span>',
                pgettext("member portal", "closed"),
            )
        else:
            badge = format_html(
                '<span class="badge text-bg-success">{}</span>', pgettext("member portal", "open")
            )
        context = getattr(self, "context", None)
        if context is None or not context.get("is_supervisor"):
            return badge
        return format_html(
            '{} <a href="{}">{}</a>',
            badge,
            object_url("refunds:program_portal", record.pk),
            gettext("Open or close"),
        )

    class Meta(BaseTable.Meta):
        model = RemediationProgram
        fields = (
            "code",
            "version",
            "name",
            "case_prefix",
            "applied_on_or_after",
            "cancel_requested_on_or_before",
            "recent_leaver_from",
            "second_approval_threshold_yen",
            "claim_deadline",
            "portal",
            "is_active",
        )


def member_link() -> tables.Column:
    """The member's number, linked to the member's page."""
    return _to_member(accessor="member__member_no", verbose_name=_("member"))


def case_link() -> tables.Column:
    """The case's number, linked to the case's page."""
    return _to_case(accessor="case__case_no", verbose_name=_("case"))


class InquiryTable(BaseTable):
    sortable: tuple[str, ...] | None = ()  # newest first: the order of the queryset
    id = _to_own_page("refunds:inquiry_detail", verbose_name="#")
    started_at = DateTimeColumn()
    callback_due_at = DateTimeColumn()
    member_no = member_link()
    case_no = case_link()
    caller = tables.Column(empty_values=(), verbose_name=_("caller"), orderable=False)
    created_by = tables.Column(verbose_name=_("taken by"))

    def render_caller(self, record: Inquiry) -> str:
        """The member's name, else the name the caller gave."""
        return (record.member.name if record.member else "") or record.caller_name

    class Meta(BaseTable.Meta):
        model = Inquiry
        fields = columns.INQUIRIES.table


class CallbackTable(InquiryTable):
    sortable = ("callback_due_at",)
    callback_due_at = TemplateColumn(
        '<span class="{% if record.callback_due_at < now %}text-danger fw-semibold{% endif %}">'
        "{{ value|date:'Y-m-d H:i' }}</span>",
        verbose_name=_("callback due"),
    )
    phone = tables.Column(empty_values=(), verbose_name=_("phone"), orderable=False)

    def render_phone(self, record: Inquiry) -> str:
        """The number the caller gave, else the member's, masked."""
        return record.caller_phone or (record.member.masked_phone if record.member else "")

    class Meta(InquiryTable.Meta):
        fields = sequence = (
            "callback_due_at",
            "id",
            "member_no",
            "caller",
            "phone",
            "channel",
            "reason",
            "note",
            "created_by",
        )
        exclude = others(InquiryTable, fields)
        order_by = ("callback_due_at",)


class ComplaintTable(InquiryTable):
    sortable = ("complaint_due_at",)
    complaint_due_at = DateTimeColumn()

    class Meta(InquiryTable.Meta):
        fields = sequence = (
            "complaint_due_at",
            "id",
            "member_no",
            "caller",
            "case_no",
            "note",
            "created_by",
        )
        exclude = others(InquiryTable, fields)
        order_by = ("complaint_due_at",)


class ClaimTable(BaseTable):
    """Claims of ``selectors.claims``: the member's and contract's numbers and the taker's
    name are columns of the row."""

    sortable = ("case_no",)
    received_at = DateTimeColumn()
    case_no = case_link()
    member_no = _to_member(accessor="member_no", verbose_name=_("member"))
    status = tables.Column(accessor="case__status", verbose_name=_("case status"))

    def render_status(self, record: Any) -> str:
        return status_badge(record.case)

    amount = yen_column(_("amount"), accessor="case__amount_yen")
    payee = tables.Column(empty_values=(), verbose_name=_("payee"), orderable=False)

    def render_payee(self, record: Any) -> str:
        """The bank, branch and masked account of a transfer, the credited contract else."""
        if record.method == PayoutMethod.BANK_TRANSFER:
            return f"{record.bank_name} {record.branch_name} {record.masked_account}"
        return record.credit_contract_no or ""

    created_by = tables.Column(accessor="taken_by", verbose_name=_("taken by"))

    class Meta(BaseTable.Meta):
        model = Claim
        fields = columns.CLAIMS.table


class InvestigationTable(BaseTable):
    case_no = case_link()
    program = tables.Column(accessor="case__program", verbose_name=_("program"))
    opened = DateTimeColumn(accessor="case__created_at", verbose_name=_("opened"))
    amount = yen_column(_("amount"), accessor="case__amount_yen")
    settled_at = DateTimeColumn()

    class Meta(BaseTable.Meta):
        model = Investigation
        fields = (
            "case_no",
            "program",
            "opened",
            "caller_name",
            "caller_phone",
            "story",
            "amount",
            "settled_at",
        )


class ReviewTable(BaseTable):
    sortable = ("case_no", "prepared_at", "status")
    case_no = _to_own_page("refunds:case_detail")
    member = tables.Column(accessor="member__member_no", verbose_name=_("member"))
    amount_yen = yen_column(_("amount"))
    computed_amount_yen = yen_column(_("computed"))
    prepared_at = DateTimeColumn()
    status = CaseStatusColumn(verbose_name=_("status"))
    flagged = flag_column()
    # Written by the table's own methods (no template per cell: 50 rows × 2 cells a page).
    evidence = tables.Column(accessor="pk", verbose_name=_("evidence"), orderable=False)
    decide = tables.Column(accessor="pk", verbose_name="", orderable=False)

    @functools.cached_property
    def _shared(self) -> dict[str, Any]:
        """What every row's evidence and decision cells share, read once per table (a
        request's): the URL patterns, the labels in the page's language, escaped, and one masked
        CSRF token for the page's forms."""
        request = getattr(self, "request", None)
        return {
            "evidence": object_urls("refunds:case_evidence"),
            "approve": object_urls("refunds:case_approve"),
            "reject": object_urls("refunds:case_reject"),
            "token": escape(get_token(request)) if request is not None else "",
            "show": escape(gettext("show")),
            "mine": escape(gettext("your preparation")),
            "not_mine": escape(gettext("not yours to approve")),
            "approve_label": escape(gettext("Approve")),
            "reject_label": escape(gettext("Reject")),
        }

    def render_evidence(self, record: Case) -> SafeString:
        """The case's evidence, fetched when opened."""
        shared = self._shared
        return SafeString(
            f'<details class="small"><summary hx-get="{escape(shared["evidence"](record.pk))}" '
            'hx-trigger="click once" hx-target="next .evidence" hx-swap="innerHTML">'
            f'{shared["show"]}</summary><div class="evidence"></div></details>'
        )

    def render_decide(self, record: Case) -> SafeString:
        """Approve (when the duties allow this supervisor: ``policies.approval_refusal``, else
        why not) and reject."""
        request, shared = getattr(self, "request", None), self._shared
        refusal = approval_refusal(record, request.user) if request is not None else "-"
        if refusal:
            mine = request is not None and record.prepared_by_id == request.user.pk
            decide = (
                f'<span class="badge text-bg-light border" title="{conditional_escape(refusal)}">'
                f"{shared['mine'] if mine else shared['not_mine']}</span>"
            )
        else:
            decide = (
                f'<form method="post" action="{escape(shared["approve"](record.pk))}" '
                'class="d-inline js-once">'
                f'<input type="hidden" name="csrfmiddlewaretoken" value="{shared["token"]}">'
                f'<button class="btn btn-sm btn-success" type="submit">{shared["approve_label"]}'
                "</button></form>"
            )
        return SafeString(
            f'<div class="text-nowrap">{decide} <a class="btn btn-sm btn-outline-danger" '
            f'href="{escape(shared["reject"](record.pk))}">{shared["reject_label"]}</a></div>'
        )

    class Meta(BaseTable.Meta):
        model = Case
        fields = (
            "case_no",
            "member",
            "category",
            "amount_yen",
            "computed_amount_yen",
            "status",
            "flagged",
            "qa_status",
            "prepared_by",
            "prepared_at",
            "approved_by",
            "evidence",
            "decide",
        )
        order_by = ("prepared_at",)


class BatchTable(BaseTable):
    id = _to_own_page("refunds:batch_detail", verbose_name="#")
    total_yen = yen_column(_("total"))
    transfer_date = DateColumn()
    created_at = DateTimeColumn()
    exported_at = DateTimeColumn()
    reconciled_at = DateTimeColumn()

    class Meta(BaseTable.Meta):
        model = PaymentBatch
        fields = columns.PAYMENT_BATCHES.table


class PaymentItemTable(BaseTable):
    case_no = case_link()
    amount_yen = yen_column(_("amount"))
    payee = tables.Column(empty_values=(), verbose_name=_("payee"), orderable=False)

    def render_payee(self, record: PaymentItem) -> str:
        """Bank and branch codes with the holder of a transfer, member and contract else."""
        if record.bank_code:
            return f"{record.bank_code}-{record.branch_code} {record.holder_kana}"
        return f"{record.member_no} / {record.contract_no}"

    result_at = DateTimeColumn()

    class Meta(BaseTable.Meta):
        model = PaymentItem
        fields = columns.PAYMENT_ITEMS.table
        orderable = False


class PaymentItemChoiceTable(PaymentItemTable):
    """A draft run's payments as its builder sees them: each can be checked to be taken out."""

    item = tables.CheckBoxColumn(
        accessor="pk",
        attrs={
            "input": {"name": "item", "form": "exclude-form", "class": "form-check-input"},
            "th__input": {"class": "d-none"},
        },
    )

    class Meta(PaymentItemTable.Meta):
        sequence = ("item", "...")


class QaTable(ReviewTable):
    def render_decide(self, record: Case) -> SafeString:
        """A link to the case's quality check."""
        return format_html(
            '<a class="btn btn-sm btn-outline-primary" href="{}">{}</a>',
            object_url("refunds:qa_record", record.pk),
            gettext("Re-check"),
        )

    class Meta(BaseTable.Meta):  # the queue's order is the queryset's
        pass


class AuditEventTable(BaseTable):
    sortable = ("created_at", "actor")
    created_at = DateTimeColumn(format="Y-m-d H:i:s", verbose_name=_("when"))
    object_repr = tables.Column(verbose_name=_("object"))

    def render_object_type(self, value: str) -> str:
        return object_type_label(value)

    def render_object_repr(self, record: AuditEvent, value: str) -> str:
        return list_title(record.object_id) if record.object_type == "list" else value

    changes = TemplateColumn(
        '{% load refunds_tags %}<span class="small">{{ record|changes_text|truncatechars:240 }}'
        "</span>",
        orderable=False,
    )

    class Meta(BaseTable.Meta):
        model = AuditEvent
        fields = columns.AUDIT_EVENTS.table


class ProgressReportTable(BaseTable):
    generated_at = DateTimeColumn(format="Y-m-d H:i", linkify=True)
    identified = TemplateColumn(
        "{% load humanize %}{{ record.data.total.identified.count|intcomma }}",
        verbose_name=_("cases identified"),
        orderable=False,
        attrs={"td": {"class": "text-end"}},
    )
    paid = TemplateColumn(
        "{% load humanize %}{{ record.data.total.paid.count|intcomma }} · "
        "{{ record.data.total.paid.yen|yen }}",
        verbose_name=_("paid"),
        orderable=False,
        attrs={"td": {"class": "text-end"}},
    )
    unpaid = TemplateColumn(
        "{% load humanize %}{{ record.data.total.unpaid.count|intcomma }} · "
        "{{ record.data.total.unpaid.yen|yen }}",
        verbose_name=_("not paid yet"),
        orderable=False,
        attrs={"td": {"class": "text-end"}},
    )

    class Meta(BaseTable.Meta):
        model = ProgressReport
        fields = ("generated_at", "program_code", "identified", "paid", "unpaid", "generated_by")


class ReturnedMailTable(BaseTable):
    """Members a letter came back from, at the address they still have: to trace."""

    sortable = ("recorded_at",)
    recorded_at = DateTimeColumn()
    member_no = member_link()
    name = tables.Column(accessor="member__name", verbose_name=_("name"), orderable=False)
    recorded_by = tables.Column(verbose_name=_("by"))

    class Meta(BaseTable.Meta):
        model = ReturnedMail
        fields = ("recorded_at", "member_no", "name", "reason", "note", "recorded_by")
        order_by = ("-recorded_at",)


class PortalAttemptTable(BaseTable):
    sortable = ("at",)
    at = DateTimeColumn(format="Y-m-d H:i:s", verbose_name=_("when"))
    case = _to_case(accessor="code__case__case_no", verbose_name=_("case"))

    class Meta(BaseTable.Meta):
        model = PortalAttempt
        fields = ("at", "kind", "outcome", "ip", "case", "user_agent")
        order_by = ("-at",)


class PersonalDataAccessTable(BaseTable):
    sortable = ("accessed_at",)
    accessed_at = DateTimeColumn(format="Y-m-d H:i:s", verbose_name=_("when"))
    member = _to_member(accessor="member__member_no", verbose_name=_("whose"))

    def render_fields(self, value: Any) -> str:
        """The fields shown, by their labels (not the model's names)."""
        labels = {field.name: str(field.verbose_name) for field in Member._meta.fields}
        names = value if isinstance(value, list) else []
        return ", ".join(labels.get(name, str(name)) for name in names)

    class Meta(BaseTable.Meta):
        model = PersonalDataAccess
        fields = ("accessed_at", "user", "member", "fields", "reason")


# -- the body of a table -------------------------------------------------------------------------
#
# ``refunds/includes/table.html`` overrides the ``table.tbody`` block of django-tables2's
# Bootstrap 5 template with ``{% table_body_rows table %}``, which writes the same rows
# (``tests/test_tables.py`` compares them with the library's template for the lists and both
# languages). With the library's block instead, the case list at 1,000,000 cases took 215 ms
# of Python per request against 58 ms (p95 268 ms against 80 ms on the same loaded machine;
# the member, contract and audit lists 3 to 4 times as long too): the page would miss its
# 50 ms goal by the table body alone. It uses the library's public objects only: the table's
# ``columns`` (``BoundColumn``) and ``paginated_rows`` (``BoundRow``), and each row's
# ``get_cell`` for every cell it does not read itself.

_CELL_ARGUMENTS = frozenset(("value", "record", "column", "bound_column", "bound_row", "table"))


@functools.cache
def _choices_field(model: type[Model], name: str) -> Any:
    try:
        field = model._meta.get_field(name)
    except FieldDoesNotExist:
        return None
    return field if getattr(field, "choices", None) else None


def _parameters(render: Any) -> tuple[tuple[str, ...], str | None]:
    """django-tables2's ``signature`` of a render method, read once per function (a table's
    methods are bound anew for every request's table)."""
    function = getattr(render, "__func__", None)
    if function is None:
        return signature(render)
    arguments, keywords = _signature_of(function)
    return arguments[1:], keywords  # without self, as for the bound method


@functools.lru_cache(maxsize=512)
def _signature_of(function: Any) -> tuple[tuple[str, ...], str | None]:
    return signature(function)


def _cell_reader(bound_column: Any, table: Any) -> Any:
    """A function giving a model record's cell in ``bound_column``, as ``BoundRow.get_cell`` does.

    ``get_cell`` looks up, for every cell, the accessor's field, the render function's
    signature (``inspect.signature``) and, for a choices field, Django's ``get_FOO_display``;
    here the signature is read once per column and a choice's label comes from
    ``refunds.labels``. None where the library must read the cell (no accessor, a many-to-many
    or link column, a render function wanting other arguments); the function raises
    ``LookupError`` for a record it cannot read (not a model, a method on the way), which
    ``get_cell`` then reads.
    """
    column = bound_column.column
    bits = bound_column.accessor.bits
    if not bits or isinstance(column, tables.ManyToManyColumn | BaseLinkColumn):
        return None
    render = bound_column.render
    arguments, keywords = _parameters(render)
    if not keywords and not _CELL_ARGUMENTS.issuperset(arguments):
        return None
    empty, link, default = column.empty_values, bound_column.link, bound_column.default
    last, language = bits[-1], get_language()
    # A column whose render is the library's plain one gives the value back: nothing to call.
    as_is = type(column).render is tables.Column.render and render == column.render
    # A link to an object's page: the column's own URL, its <a> attributes fixed.
    own_url, anchor = None, ""
    if isinstance(column, ObjectLinkColumn) and not any(
        callable(v) for v in (column.attrs.get("a") or {}).values()
    ):
        own_url = column.url_reader()
        extra = AttributeDict(column.attrs.get("a") or {}).as_html()
        anchor = '<a href="{}"' + (f" {extra}" if extra else "") + ">{}</a>"

    def cell(row: Any) -> Any:
        record = target = row.record
        if not isinstance(record, Model):
            raise LookupError
        value = None
        for bit in bits[:-1]:
            target = getattr(target, bit, None)
            if target is None:
                break
            if callable(target):
                raise LookupError
        else:
            field = _choices_field(type(target), last) if isinstance(target, Model) else None
            if field is not None:
                value = choice_label(field, getattr(target, field.attname), language)
            else:
                value = getattr(target, last, None)
                if callable(value):
                    raise LookupError
        if value in empty:
            return default
        if as_is and not link:
            return value
        given = {
            "value": value,
            "record": record,
            "column": column,
            "bound_column": bound_column,
            "bound_row": row,
            "table": table,
        }
        content: Any = value
        if not as_is:
            content = render(**(given if keywords else {name: given[name] for name in arguments}))
        if own_url is not None:
            href = own_url(record)
            if href is None:
                return content
            # format_html(anchor, href, content), its arguments escaped as it escapes them
            return SafeString(anchor.format(html.escape(href), conditional_escape(content)))
        return link(content, **given) if link else content

    return cell


def head_cells(table: Any, context: Any) -> SafeString:
    """The ``<th>`` cells of a table's header as django-tables2's Bootstrap 5 template writes
    them: a sortable column's heading links to the page's query string with the column's next
    order (``querystring_replace``), here built from one copy of the query string instead of
    a template loop and a tag per column."""
    params = dict(context["request"].GET)
    field = table.prefixed_order_by_field
    out = []
    for column in table.columns:
        th = column.attrs["th"].as_html()
        header = render_value_in_context(column.header, context)
        if column.orderable:
            if field not in ("", None):
                params[field] = column.order_by_alias.next
            href = escape("?" + urlencode(params, doseq=True))
            out.append(f'<th {th} scope="col"><a href="{href}">{header}</a></th>')
        else:
            out.append(f'<th {th} scope="col">{header}</th>')
    return SafeString("".join(out))


def body_rows(table: Any, context: Any) -> SafeString:
    """The ``<tr>`` rows of a table's body as django-tables2's Bootstrap 5 template writes them.

    The library's ``{% for column, cell in row.items %}`` costs, per cell, a template loop
    step, ``column.attrs`` (three new ``AttributeDict``s) and ``BoundRow.get_cell`` (see
    ``_cell_reader``). Here each column's ``<td>`` attributes are written once (per cell when
    they depend on the record), each cell read by ``_cell_reader`` (else ``get_cell``) and
    escaped and localised as ``{{ cell }}``, ``|localize`` or ``|unlocalize`` would.
    """
    columns = []
    for column in table.columns:
        td = column.column.attrs.get("td", column.column.attrs.get("cell", {}))
        per_cell = any(callable(v) for v in td.values()) or bool(table.attrs.get("td"))
        td_html = "" if per_cell else column.attrs["td"].as_html()
        columns.append((column, td_html, per_cell, _cell_reader(column, table)))
    escaping = context.autoescape
    # A row's attributes are its even/odd class unless the table computes others.
    plain_rows = not table.row_attrs
    out = []
    for row in table.paginated_rows:
        if plain_rows and type(row) is BoundRow:
            out.append(f'<tr class="{row.get_even_odd_css_class()}">')
        else:
            out.append(f"<tr {row.attrs.as_html()}>")
        for column, td, per_cell, read in columns:
            try:
                cell = read(row) if read else row.get_cell(column.name)
            except LookupError:
                cell = row.get_cell(column.name)
            if per_cell:
                column.current_record, column.current_value = row.record, cell
                td = column.attrs["td"].as_html()
            if escaping and type(cell) is str:  # what {{ cell }} does to text, in one step
                text = html.escape(cell)
            elif type(cell) is SafeString:  # and to safe text: writes it as it is
                text = cell
            elif column.localize is None:
                text = render_value_in_context(cell, context)
            else:
                text = conditional_escape(localize(cell, use_l10n=column.localize))
            out.append(f"<td {td}>{text}</td>")
        out.append("</tr>")
    if not out and table.empty_text:
        out.append(
            format_html('<tr><td colspan="{}">{}</td></tr>', len(table.columns), table.empty_text)
        )
    return SafeString("".join(out))
