from typing import Any

from django import template
from django.contrib.humanize.templatetags.humanize import intcomma
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from refunds.labels import display

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
    return format_html('<span class="badge {}">{}</span>', css, display(case, "status"))


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
def table_body_rows(context: Any, table: Any) -> SafeString:
    """The rows of a django-tables2 table's body (``refunds.tables.body_rows``)."""
    from refunds.tables import body_rows

    return body_rows(table, context)
