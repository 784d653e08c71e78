from typing import Any

from django import template
from django.contrib.humanize.templatetags.humanize import intcomma
from django.utils.translation import gettext as _

register = template.Library()


@register.filter
def yen(value: Any) -> str:
    """Integer yen as people read it: ``3,402円`` (``¥3,402`` in English)."""
    if value is None or value == "":
        return "—"
    return _("%(amount)s yen") % {"amount": intcomma(int(value))}


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
