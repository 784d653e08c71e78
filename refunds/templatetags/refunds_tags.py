import functools
from typing import Any

from django import template
from django.contrib.humanize.templatetags.humanize import intcomma
from django.core.exceptions import FieldDoesNotExist
from django.db.models import Model
from django.template.base import render_value_in_context
from django.utils.formats import localize
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

register = template.Library()


@register.filter
def yen(value: Any) -> str:
    """Integer yen as people read it: ``3,402円`` (``¥3,402`` in English)."""
    if value is None or value == "":
        return "—"
    return _("%(amount)s yen") % {"amount": intcomma(int(value))}


_STATUS_BADGES = {
    "paid": "text-bg-success",
    "rejected": "text-bg-danger",
    "payment_failed": "text-bg-danger",
    "no_longer_affected": "text-bg-light",
    "awaiting_claim": "text-bg-warning",
}


@register.filter
def status_badge(case: Any) -> SafeString:
    """A case's status as a coloured badge (the lists, the case and member pages)."""
    css = _STATUS_BADGES.get(case.status, "text-bg-primary")
    return format_html('<span class="badge {}">{}</span>', css, case.get_status_display())


@register.filter
def plain(value: Any) -> str:
    """A stored parameter as people write it: lists comma-separated."""
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value)
    return str(value)


@register.filter
def get_item(mapping: Any, key: Any) -> Any:
    """``mapping[key]`` in a template (None when absent)."""
    if not isinstance(mapping, dict):
        return None
    return mapping.get(key)


@functools.cache
def _has_choices(model: type[Model], name: str) -> bool:
    try:
        return bool(getattr(model._meta.get_field(name), "choices", None))
    except FieldDoesNotExist:
        return False


def _plain_value(column: Any, table: Any) -> Any:
    """For a column that shows its accessor's value as it is, a function that reads it."""
    import django_tables2 as tables

    bits = getattr(column.accessor, "bits", None)
    if (
        type(column.column) is not tables.Column
        or column.column.link
        or hasattr(table, f"render_{column.name}")
        or not bits
    ):
        return None
    empty, default = column.column.empty_values, column.default

    def value(record: Any) -> Any:
        target = record
        for bit in bits[:-1]:
            target = getattr(target, bit, None)
            if target is None:
                return default
        if isinstance(target, Model) and _has_choices(type(target), bits[-1]):
            found = getattr(target, f"get_{bits[-1]}_display")()
        else:
            found = getattr(target, bits[-1], None)
            if callable(found):
                raise LookupError
        return default if found in empty else found

    return value


@register.simple_tag(takes_context=True)
def table_body_rows(context: Any, table: Any) -> SafeString:
    """The rows of a django-tables2 table's body, as its Bootstrap template writes them.

    The template language costs about as much per cell as the cell itself; this writes the same
    markup in one pass: each column's ``<td>`` attributes once (per cell only when they depend
    on the record), a column that shows a value as it is read directly, any other through the
    column, each value escaped and localised as ``{{ cell }}`` would be.
    """
    columns = []
    for column in table.columns:
        td = column.column.attrs.get("td", column.column.attrs.get("cell", {}))
        per_cell = any(callable(v) for v in td.values()) or bool(table.attrs.get("td"))
        read = None if per_cell else _plain_value(column, table)
        columns.append((column, per_cell, "" if per_cell else column.attrs["td"].as_html(), read))
    out = []
    for row in table.paginated_rows:
        out.append(format_html("<tr {}>", row.attrs.as_html()))
        for column, per_cell, td, read in columns:
            try:
                cell = read(row.record) if read else row.get_cell(column.name)
            except LookupError:
                cell = row.get_cell(column.name)
            if per_cell:
                column.current_record, column.current_value = row.record, cell
                td = column.attrs["td"].as_html()
            if column.localize is None:
                text = render_value_in_context(cell, context)
            else:
                text = conditional_escape(localize(cell, use_l10n=column.localize))
            out.append(format_html("<td {}>{}</td>", td, text))
        out.append(SafeString("</tr>"))
    if not out and table.empty_text:
        out.append(
            format_html('<tr><td colspan="{}">{}</td></tr>', len(table.columns), table.empty_text)
        )
    return SafeString("".join(out))
