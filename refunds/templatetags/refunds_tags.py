from typing import Any

from django import template
from django.utils.safestring import SafeString

from refunds import labels
from refunds.tables import body_rows, head_cells

register = template.Library()


register.filter(labels.yen)
register.filter(labels.status_badge)
register.filter("code", labels.code_label)


@register.filter
def changes_text(event: Any) -> str:
    """An audit event's changes in words (``refunds.labels.describe_changes``)."""
    pairs = labels.describe_changes(event.object_type, event.changes or {})
    return "; ".join(f"{label}: {text}" for label, text in pairs)


@register.filter
def changed_fields(event: Any) -> str:
    """Only the names of what an event changed (for a reader who may not see the values)."""
    pairs = labels.describe_changes(event.object_type, event.changes or {})
    return ", ".join(label for label, _text in pairs)


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


@register.simple_tag(takes_context=True)
def table_head_cells(context: Any, table: Any) -> SafeString:
    """The ``<th>`` cells of a django-tables2 table's header (``refunds.tables.head_cells``)."""
    return head_cells(table, context)


@register.simple_tag(takes_context=True)
def table_body_rows(context: Any, table: Any) -> SafeString:
    """The rows of a django-tables2 table's body (``refunds.tables.body_rows``)."""
    return body_rows(table, context)
