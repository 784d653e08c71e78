"""How values read on a page: choice labels by value, yen amounts, a case's status badge.

Tables and templates (the ``yen`` and ``status_badge`` filters) share these.

Django's ``get_FOO_display()`` builds a hashable copy of the field's choices on every call, and
hashing a lazy label translates it: a case's status (thirteen choices) cost thirteen look-ups
of the catalogue per row. Here a field's labels are put in a dict once per language (the
request's language decides which is read). The text is Django's
(``tests/test_tables.py`` compares them for every choices field of every model).
"""

import functools
from typing import Any

from django.contrib.humanize.templatetags.humanize import intcomma
from django.db import models
from django.utils.encoding import force_str
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from refunds.models import CaseStatus


@functools.cache
def _labels(field: "models.Field[Any, Any]", language: str | None) -> dict[Any, Any]:
    """The field's labels by value in ``language``, the active language when called."""
    return {value: force_str(label, strings_only=True) for value, label in field.flatchoices}


def choice_label(field: "models.Field[Any, Any]", value: Any) -> Any:
    """What ``instance.get_<field>_display()`` gives for ``value``."""
    try:
        return _labels(field, get_language())[value]
    except (KeyError, TypeError):  # not a choice (or unhashable): shown as it is
        return force_str(value, strings_only=True)


def display(instance: models.Model, name: str) -> Any:
    """``instance.get_<name>_display()`` through the label dict."""
    field = instance._meta.get_field(name)
    assert isinstance(field, models.Field)
    return choice_label(field, getattr(instance, field.attname))


def yen(value: Any) -> str:
    """Integer yen as people read it: ``3,402円`` (``¥3,402`` in English)."""
    if value is None or value == "":
        return "—"
    return _("%(amount)s yen") % {"amount": intcomma(int(value))}


_STATUS_BADGES = {
    CaseStatus.PAID: "text-bg-success",
    CaseStatus.REJECTED: "text-bg-danger",
    CaseStatus.PAYMENT_FAILED: "text-bg-danger",
    CaseStatus.NO_LONGER_AFFECTED: "text-bg-light",
    CaseStatus.AWAITING_CLAIM: "text-bg-warning",
}


def status_badge(case: Any) -> SafeString:
    """A case's status as a coloured badge (the lists, the case and member pages)."""
    css = _STATUS_BADGES.get(case.status, "text-bg-primary")
    return format_html('<span class="badge {}">{}</span>', css, display(case, "status"))
