import datetime
import functools
import html
from typing import Any

import django_tables2 as tables
from django.contrib.humanize.templatetags.humanize import intcomma
from django.core.exceptions import FieldDoesNotExist
from django.db.models import Model
from django.template import Template, defaultfilters
from django.template.base import render_value_in_context
from django.template.loader import get_template
from django.utils import timezone
from django.utils.formats import localize
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _
from django_tables2 import utils as tables_utils
from django_tables2.columns import library as column_library
from django_tables2.columns.linkcolumn import BaseLinkColumn

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
    PersonalDataAccess,
    ProgressReport,
    RemediationProgram,
    Tariff,
)
from refunds.templatetags.refunds_tags import status_badge, yen


# django-tables2 renders every cell through hidden per-cell work: the signature of the column's
# render function inspected again, a ``TemplateColumn``'s code compiled again or its template
# rendered through a new ``RequestContext`` (every context processor run again). On a page of
# 50 rows that was most of the case list's time. The fixes below keep the library's behaviour.
def _signature_cached(original: Any) -> Any:
    @functools.lru_cache(maxsize=1024)
    def of_callable(fn: Any) -> Any:
        return original(fn)

    def signature(fn: Any) -> Any:
        func = getattr(fn, "__func__", None)
        try:
            if func is not None:  # a bound method: its function's arguments without the first
                args, keywords = of_callable(func)
                return args[1:], keywords
            return of_callable(fn)
        except TypeError:  # an unhashable callable
            return original(fn)

    return signature


tables_utils.signature = _signature_cached(tables_utils.signature)


@functools.lru_cache(maxsize=512)
def _compiled(template_code: str) -> Template:
    return Template(template_code)


class TemplateColumn(tables.TemplateColumn):
    """A ``TemplateColumn`` whose code is compiled once and rendered in the page's context.

    The page's context (``{% render_table %}`` hands it to the table) already holds what the
    context processors give, so neither kind of template needs a new ``RequestContext``.
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


# The columns the library makes for date and time fields, written by the ``date`` filter without
# a template (registered after the library's, so they are the ones chosen; a date-time field is a
# date field too).
class _DateFormat:
    short_format, long_format = "SHORT_DATE_FORMAT", "DATE_FORMAT"

    def __init__(self, format: str | None = None, *, short: bool = True, **kwargs: Any) -> None:
        self.date_format = format or (self.short_format if short else self.long_format)
        super().__init__(format=format, short=short, **kwargs)  # type: ignore[call-arg]

    def render(self, value: Any, bound_column: Any, **kwargs: Any) -> Any:
        if isinstance(value, datetime.datetime) and timezone.is_aware(value):
            value = timezone.localtime(value)  # as a template shows it
        return defaultfilters.date(value, self.date_format) or bound_column.default


@column_library.register
class DateColumn(_DateFormat, tables.DateColumn):
    pass


@column_library.register
class DateTimeColumn(_DateFormat, tables.DateTimeColumn):
    short_format, long_format = "SHORT_DATETIME_FORMAT", "DATETIME_FORMAT"


# -- the body of a table, written in one pass -------------------------------------------------

_CELL_ARGUMENTS = frozenset(("value", "record", "column", "bound_column", "bound_row", "table"))


@functools.cache
def _has_choices(model: type[Model], name: str) -> bool:
    try:
        return bool(getattr(model._meta.get_field(name), "choices", None))
    except FieldDoesNotExist:
        return False


def _cell_function(column: Any, table: Any) -> Any:
    """A function giving a model record's cell in ``column`` as the library's ``BoundRow`` does.

    The library looks the accessor, the field and the render function's arguments up again for
    every cell; here they are looked up once per column. None where the library must do it
    (a many-to-many or a link column's own text); the function raises ``LookupError`` for a
    record it cannot read (not a model, a method on the way), which the library then reads.
    """
    bits = getattr(column.accessor, "bits", None)
    if not bits or isinstance(column.column, tables.ManyToManyColumn | BaseLinkColumn):
        return None
    render = column.render
    arguments, keywords = tables_utils.signature(render)
    if not keywords and not _CELL_ARGUMENTS.issuperset(arguments):
        return None
    empty, link, last = column.column.empty_values, column.link, bits[-1]
    # The library's Column.render gives the value back: nothing to call.
    as_is = type(column.column) is tables.Column and render == column.column.render
    display = f"get_{last}_display"

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
            if isinstance(target, Model) and _has_choices(type(target), last):
                value = getattr(target, display)()
            else:
                value = getattr(target, last, None)
                if callable(value):
                    raise LookupError
        if value in empty:
            return column.default
        if as_is and not link:
            return value
        given = {
            "value": value,
            "record": record,
            "column": column.column,
            "bound_column": column,
            "bound_row": row,
            "table": table,
        }
        content = render(**(given if keywords else {name: given[name] for name in arguments}))
        return link(content, **given) if link else content

    return cell


def body_rows(table: Any, context: Any) -> SafeString:
    """The rows of a table's body as django-tables2's Bootstrap template writes them.

    The template language cost about as much per cell as the cell itself. Here each column's
    ``<td>`` attributes are written once (per cell when they depend on the record), each cell
    read by ``_cell_function`` and escaped and localised as ``{{ cell }}`` would be.
    """
    columns = []
    for column in table.columns:
        td = column.column.attrs.get("td", column.column.attrs.get("cell", {}))
        per_cell = any(callable(v) for v in td.values()) or bool(table.attrs.get("td"))
        columns.append(
            (
                column,
                "" if per_cell else column.attrs["td"].as_html(),
                per_cell,
                _cell_function(column, table),
            )
        )
    escaping = context.autoescape
    out = []
    for row in table.paginated_rows:
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


class YenColumn(tables.Column):
    """Integer yen, right-aligned: ``3,402円`` (``—`` when there is none)."""

    empty_values = ()

    def render(self, value: Any) -> str:
        return yen(value)


class CountColumn(tables.Column):
    def render(self, value: Any) -> str:
        return str(intcomma(value))


class CaseStatusColumn(tables.Column):
    """The case's status as its badge (``includes/case_status_badge.html`` in Python)."""

    def render(self, record: Any) -> str:
        return status_badge(record)


def yen_column(label: object, **kwargs: Any) -> YenColumn:
    return YenColumn(verbose_name=label, attrs={"td": {"class": "text-end"}}, **kwargs)


def count_column(label: object) -> CountColumn:
    return CountColumn(verbose_name=label, attrs={"td": {"class": "text-end"}})


class MemberTable(tables.Table):
    member_no = tables.Column(linkify=True)

    class Meta:
        model = Member
        fields = ("member_no", "name", "name_kana", "postal_code", "status", "withdrawn_on")
        default_columns = fields
        attrs = {"class": "table table-sm table-hover align-middle"}
        order_by = ("member_no",)


class ContractTable(tables.Table):
    member = tables.Column(
        accessor="member__member_no",
        verbose_name=_("member"),
        linkify=lambda record: record.member.get_absolute_url(),
    )

    class Meta:
        model = Contract
        fields = (
            "contract_no",
            "member",
            "course",
            "plan",
            "area",
            "applied_on",
            "cancel_requested_on",
            "ended_on",
        )
        default_columns = fields
        attrs = {"class": "table table-sm table-hover align-middle"}


class TariffTable(tables.Table):
    monthly_fee_yen = yen_column(_("monthly fee"))

    class Meta:
        model = Tariff
        fields = ("course", "plan", "area", "valid_from", "valid_to", "monthly_fee_yen")
        default_columns = fields
        attrs = {"class": "table table-sm table-hover align-middle"}


class ImportBatchTable(tables.Table):
    id = tables.Column(linkify=True, verbose_name="#")
    created = count_column(_("created"))
    updated = count_column(_("updated"))
    unchanged = count_column(_("unchanged"))
    rejected = count_column(_("rejected"))
    status = TemplateColumn(
        template_name="refunds/includes/import_status_badge.html", verbose_name=_("status")
    )

    class Meta:
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
        default_columns = fields
        attrs = {"class": "table table-sm table-hover align-middle"}


class CaseTable(tables.Table):
    # A million cases: a column sorts only where an index gives its order (case number,
    # status, last change); the others are found with the filters or the search.
    case_no = tables.Column(linkify=True)
    member = tables.Column(
        accessor="member__member_no", verbose_name=_("member number"), orderable=False
    )
    contract = tables.Column(
        accessor="contract__contract_no", verbose_name=_("contract number"), orderable=False
    )
    category = tables.Column(orderable=False)
    plan = tables.Column(accessor="contract__plan", verbose_name=_("plan"), orderable=False)
    area = tables.Column(accessor="contract__area", verbose_name=_("area"), orderable=False)
    amount_yen = yen_column(_("amount"), orderable=False)
    status = CaseStatusColumn(verbose_name=_("status"))
    flagged = tables.BooleanColumn(verbose_name=_("flagged"), yesno="⚑,", orderable=False)

    class Meta:
        model = Case
        fields = (
            "case_no",
            "member",
            "contract",
            "category",
            "plan",
            "area",
            "amount_yen",
            "status",
            "flagged",
            "updated_at",
        )
        default_columns = fields
        attrs = {"class": "table table-sm table-hover align-middle"}


class DetectionRunTable(tables.Table):
    id = tables.Column(linkify=True, verbose_name="#")

    class Meta:
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
        default_columns = fields
        attrs = {"class": "table table-sm table-hover align-middle"}


class ProgramTable(tables.Table):
    code = tables.Column()
    edit = TemplateColumn(
        "{% load i18n %}{% if is_admin %}<a href=\"{% url 'refunds:program_update' record.pk %}\">"
        '{% translate "Edit" %}</a>{% endif %}',
        verbose_name="",
        orderable=False,
    )

    class Meta:
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
            "is_active",
        )
        default_columns = fields
        attrs = {"class": "table table-sm table-hover align-middle"}


_MEMBER_LINK = {
    "accessor": "member__member_no",
    "verbose_name": _("member"),
    "linkify": lambda record: record.member.get_absolute_url() if record.member_id else None,
}
_CASE_LINK = {
    "accessor": "case__case_no",
    "verbose_name": _("case"),
    "linkify": lambda record: record.case.get_absolute_url() if record.case_id else None,
}


class InquiryTable(tables.Table):
    id = tables.Column(linkify=True, verbose_name="#")
    member = tables.Column(**_MEMBER_LINK)  # type: ignore[arg-type]
    case = tables.Column(**_CASE_LINK)  # type: ignore[arg-type]
    caller = TemplateColumn(
        "{{ record.member.name|default:record.caller_name }}",
        verbose_name=_("caller"),
        orderable=False,
    )
    created_by = tables.Column(verbose_name=_("taken by"))

    class Meta:
        model = Inquiry
        fields: tuple[str, ...] = (
            "id",
            "started_at",
            "channel",
            "direction",
            "member",
            "caller",
            "case",
            "reason",
            "outcome",
            "callback_due_at",
            "created_by",
        )
        default_columns: tuple[str, ...] = fields
        attrs = {"class": "table table-sm table-hover align-middle"}


class CallbackTable(InquiryTable):
    callback_due_at = TemplateColumn(
        '<span class="{% if record.callback_due_at < now %}text-danger fw-semibold{% endif %}">'
        "{{ value|date:'Y-m-d H:i' }}</span>",
        verbose_name=_("callback due"),
    )
    phone = TemplateColumn(
        "{% if record.caller_phone %}{{ record.caller_phone }}"
        "{% elif record.member %}{{ record.member.masked_phone }}{% endif %}",
        verbose_name=_("phone"),
        orderable=False,
    )

    class Meta(InquiryTable.Meta):
        fields = (
            "callback_due_at",
            "id",
            "member",
            "caller",
            "phone",
            "reason",
            "note",
            "created_by",
        )
        default_columns = fields
        order_by = ("callback_due_at",)


class ComplaintTable(InquiryTable):
    class Meta(InquiryTable.Meta):
        fields = ("complaint_due_at", "id", "member", "caller", "case", "note", "created_by")
        default_columns = fields
        order_by = ("complaint_due_at",)


class ClaimTable(tables.Table):
    case = tables.Column(**_CASE_LINK)  # type: ignore[arg-type]
    member = tables.Column(**_MEMBER_LINK)  # type: ignore[arg-type]
    status = tables.Column(accessor="case__status", verbose_name=_("case status"))

    def render_status(self, record: Any) -> str:
        return status_badge(record.case)

    amount = yen_column(_("amount"), accessor="case__amount_yen")
    payee = TemplateColumn(
        "{% if record.method == 'bank_transfer' %}{{ record.bank_name }} {{ record.branch_name }}"
        " {{ record.masked_account }}{% else %}{{ record.credit_contract }}{% endif %}",
        verbose_name=_("payee"),
        orderable=False,
    )
    created_by = tables.Column(verbose_name=_("taken by"))

    class Meta:
        model = Claim
        fields = (
            "received_at",
            "case",
            "member",
            "status",
            "amount",
            "method",
            "payee",
            "created_by",
        )
        default_columns = fields
        attrs = {"class": "table table-sm table-hover align-middle"}


class InvestigationTable(tables.Table):
    case = tables.Column(
        accessor="case__case_no",
        verbose_name=_("case"),
        linkify=lambda record: record.case.get_absolute_url(),
    )
    program = tables.Column(accessor="case__program", verbose_name=_("program"))
    opened = tables.DateTimeColumn(accessor="case__created_at", verbose_name=_("opened"))
    amount = yen_column(_("amount"), accessor="case__amount_yen")

    class Meta:
        model = Investigation
        fields = (
            "case",
            "program",
            "opened",
            "caller_name",
            "caller_phone",
            "story",
            "amount",
            "settled_at",
        )
        default_columns = fields
        attrs = {"class": "table table-sm table-hover align-middle"}


class ReviewTable(tables.Table):
    case_no = tables.Column(linkify=True)
    member = tables.Column(accessor="member__member_no", verbose_name=_("member"))
    amount_yen = yen_column(_("amount"))
    computed_amount_yen = yen_column(_("computed"))
    status = CaseStatusColumn(verbose_name=_("status"))
    evidence = TemplateColumn(
        template_name="refunds/includes/evidence_toggle.html",
        verbose_name=_("evidence"),
        orderable=False,
    )
    decide = TemplateColumn(
        template_name="refunds/includes/review_actions.html", verbose_name="", orderable=False
    )

    class Meta:
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
        default_columns = fields
        attrs = {"class": "table table-sm table-hover align-middle"}
        order_by = ("prepared_at",)


class BatchTable(tables.Table):
    id = tables.Column(linkify=True, verbose_name="#")
    total_yen = yen_column(_("total"))

    class Meta:
        model = PaymentBatch
        fields = (
            "id",
            "method",
            "status",
            "transfer_date",
            "item_count",
            "total_yen",
            "created_by",
            "created_at",
            "exported_at",
            "reconciled_at",
        )
        default_columns = fields
        attrs = {"class": "table table-sm table-hover align-middle"}


class PaymentItemTable(tables.Table):
    case = tables.Column(
        accessor="case__case_no",
        verbose_name=_("case"),
        linkify=lambda record: record.case.get_absolute_url(),
    )
    amount_yen = yen_column(_("amount"))
    payee = TemplateColumn(
        "{% if record.bank_code %}{{ record.bank_code }}-{{ record.branch_code }} "
        "{{ record.holder_kana }}{% else %}{{ record.member_no }} / {{ record.contract_no }}"
        "{% endif %}",
        verbose_name=_("payee"),
        orderable=False,
    )

    class Meta:
        model = PaymentItem
        fields = ("case", "amount_yen", "payee", "status", "failure_reason", "result_at")
        default_columns = fields
        attrs = {"class": "table table-sm table-hover align-middle"}
        orderable = False


class QaTable(ReviewTable):
    decide = TemplateColumn(
        '{% load i18n %}<a class="btn btn-sm btn-outline-primary" '
        'href="{% url \'refunds:qa_record\' record.pk %}">{% translate "Re-check" %}</a>',
        verbose_name="",
        orderable=False,
    )


class AuditEventTable(tables.Table):
    created_at = tables.DateTimeColumn(format="Y-m-d H:i:s", verbose_name=_("when"))
    object_repr = tables.Column(verbose_name=_("object"))
    changes = TemplateColumn(
        '<span class="small font-monospace">{% for k, v in record.changes.items %}'
        "{{ k }}: {{ v|truncatechars:120 }}{% if not forloop.last %}; {% endif %}"
        "{% endfor %}</span>",
        orderable=False,
    )

    class Meta:
        model = AuditEvent
        fields = (
            "created_at",
            "actor",
            "action",
            "object_type",
            "object_repr",
            "changes",
            "reason",
        )
        default_columns = fields
        attrs = {"class": "table table-sm table-hover align-middle"}


class ProgressReportTable(tables.Table):
    generated_at = tables.DateTimeColumn(format="Y-m-d H:i", linkify=True)
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

    class Meta:
        model = ProgressReport
        fields = ("generated_at", "program_code", "identified", "paid", "unpaid", "generated_by")
        default_columns = fields
        attrs = {"class": "table table-sm table-hover align-middle"}


class PersonalDataAccessTable(tables.Table):
    accessed_at = tables.DateTimeColumn(format="Y-m-d H:i:s", verbose_name=_("when"))
    member = tables.Column(
        accessor="member__member_no",
        verbose_name=_("whose"),
        linkify=lambda record: record.member.get_absolute_url(),
    )

    class Meta:
        model = PersonalDataAccess
        fields = ("accessed_at", "user", "member", "fields")
        default_columns = fields
        attrs = {"class": "table table-sm table-hover align-middle"}
