"""How values read on a page: choice labels by value, yen amounts and counts, a case's status
badge.

Tables and templates (the ``yen`` and ``status_badge`` filters) share these.

Django's ``get_FOO_display()`` builds a hashable copy of the field's choices on every call, and
hashing a lazy label translates it: a case's status (thirteen choices) cost thirteen look-ups
of the catalogue per row. Here a field's labels are put in a dict once per language (the
request's language decides which is read). The text is Django's
(``tests/test_tables.py`` compares them for every choices field of every model).
"""

import functools
from typing import Any

from django.apps import apps
from django.contrib.humanize.templatetags.humanize import intcomma
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.urls import NoReverseMatch, resolve, reverse
from django.utils.encoding import force_str
from django.utils.formats import get_format
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from refunds.models import Case, CaseStatus, Channel, LetterKind


@functools.cache
def _labels(field: "models.Field[Any, Any]", language: str | None) -> dict[Any, Any]:
    """The field's labels by value in ``language``, the active language when called."""
    return {value: force_str(label, strings_only=True) for value, label in field.flatchoices}


def choice_label(field: "models.Field[Any, Any]", value: Any, language: str | None = None) -> Any:
    """What ``instance.get_<field>_display()`` gives for ``value`` (in ``language``, else the
    active language)."""
    try:
        return _labels(field, language or get_language())[value]
    except (KeyError, TypeError):  # not a choice (or unhashable): shown as it is
        return force_str(value, strings_only=True)


@functools.cache
def _grouping(language: str | None) -> tuple[Any, str]:
    """The active language's digit grouping and thousand separator (as ``intcomma`` reads)."""
    return get_format("NUMBER_GROUPING"), str(get_format("THOUSAND_SEPARATOR"))


def grouped(value: int) -> str:
    """An integer with its thousands marked, as ``intcomma`` writes it (``12,221``).

    ``intcomma`` looks up three of the language's formats and walks the digits for every
    number; a list of 50 amounts spent over a millisecond on it. Groups of three (both
    languages) are Python's own ``,`` format with the language's separator.
    """
    return _grouped(value, get_language())


def _grouped(value: int, language: str | None) -> str:
    size, separator = _grouping(language)
    if size != 3:
        return str(intcomma(value))
    text = f"{value:,}"
    return text if separator == "," else text.replace(",", separator)


def yen(value: Any) -> str:
    """Integer yen as people read it: ``3,402円`` (``¥3,402`` in English)."""
    if value is None or value == "":
        return "—"
    language = get_language()
    return _yen_pattern(language) % {"amount": _grouped(int(value), language)}


@functools.cache
def _yen_pattern(language: str | None) -> str:
    """``"%(amount)s yen"`` in ``language``, the active language when called (looked up once
    per language, not for every amount of a list)."""
    return _("%(amount)s yen")


_STATUS_BADGES: dict[str, str] = {
    CaseStatus.PAID: "text-bg-success",
    CaseStatus.REJECTED: "text-bg-danger",
    CaseStatus.PAYMENT_FAILED: "text-bg-danger",
    CaseStatus.NO_LONGER_AFFECTED: "text-bg-light",
    CaseStatus.AWAITING_CLAIM: "text-bg-warning",
}


def status_badge(case: Any) -> SafeString:
    """A case's status as a coloured badge (the lists, the case and member pages)."""
    return _badge(case.status, get_language())


@functools.cache
def _badge(status: str, language: str | None) -> SafeString:
    """The badge of ``status`` in ``language`` (the active language when called)."""
    css = _STATUS_BADGES.get(status, "text-bg-primary")
    label = choice_label(Case._meta.get_field("status"), status)
    return format_html('<span class="badge {}">{}</span>', css, label)


# -- an audit event's changes in words ------------------------------------------------------

# Keys of an event's changes that are not a field of its object.
CHANGE_LABELS = {
    "attempt": gettext_lazy("attempted"),
    "batch": gettext_lazy("payment batch"),
    "letter": gettext_lazy("letter"),
    "paid_yen": gettext_lazy("paid (yen)"),
    "paid_on": gettext_lazy("paid on"),
    "count": gettext_lazy("count"),
    "total_yen": gettext_lazy("total (yen)"),
    "sha256": "SHA-256",
    "file": gettext_lazy("file"),
    "paid": gettext_lazy("paid"),
    "failed": gettext_lazy("failed"),
    "still_open": gettext_lazy("still waiting"),
    "errors": gettext_lazy("errors"),
    "case_no": gettext_lazy("case number"),
    "program": gettext_lazy("program"),
    "run": gettext_lazy("detection run"),
    "kind": gettext_lazy("kind"),
    "claim": gettext_lazy("claim"),
    "failure_reason": gettext_lazy("failure reason"),
    "payee": gettext_lazy("payee"),
    "identity": gettext_lazy("identity check"),
    "case": gettext_lazy("case"),
    "fields": gettext_lazy("what"),
    "reason": gettext_lazy("reason"),
    "cases": gettext_lazy("cases"),
    "list": gettext_lazy("list"),
    "filter": gettext_lazy("filter"),
    "rows": gettext_lazy("rows"),
    "format": gettext_lazy("format"),
    "left": gettext_lazy("left"),
    "code": gettext_lazy("claim code"),
    "wrong": gettext_lazy("wrong birth dates"),
    "locked_at": gettext_lazy("locked at"),
    "channel": gettext_lazy("channel"),
    "portal_request": gettext_lazy("request from the portal"),
    "candidates": gettext_lazy("possible members"),
}

# Keys of an event's changes whose values are codes of a choice list (the letter's kind...).
CHANGE_CHOICES: dict[str, Any] = {"letter": LetterKind, "channel": Channel}

# Objects of an event that are not a model (an export is of a list, named by its view).
OBJECT_TYPE_LABELS = {"list": gettext_lazy("list")}


def object_type_label(object_type: str) -> str:
    """``refunds.case`` as 案件: the model's name, or the label of a kind that is no model."""
    if object_type in OBJECT_TYPE_LABELS:
        return str(OBJECT_TYPE_LABELS[object_type])
    try:
        return str(apps.get_model(object_type)._meta.verbose_name)
    except (LookupError, ValueError):
        return object_type


def list_title(view_name: str) -> str:
    """A list page's title from its view name (``refunds:member_list`` → 会員)."""
    try:
        view = resolve(reverse(view_name)).func
    except NoReverseMatch:
        return view_name
    title = getattr(getattr(view, "view_class", None), "title", "")
    return str(title) or view_name


def _field_of(object_type: str, key: str) -> "models.Field[Any, Any] | None":
    try:
        field = apps.get_model(object_type)._meta.get_field(key)
    except (LookupError, ValueError, FieldDoesNotExist):
        return None
    return field if isinstance(field, models.Field) else None


def _value_text(field: "models.Field[Any, Any] | None", value: Any, key: str = "") -> str:
    if value is None or value == "":
        return "—"
    if field is None and key in CHANGE_CHOICES and value in CHANGE_CHOICES[key].values:
        return str(CHANGE_CHOICES[key](value).label)
    if field is not None and field.choices:
        return str(choice_label(field, value))
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, list | tuple):
        return ", ".join(_value_text(field, v) for v in value)
    return str(value)


def describe_changes(object_type: str, changes: dict[str, Any]) -> list[tuple[str, str]]:
    """An event's changes as (label, text) pairs: ``ステータス: 検出（未通知）→ 通知済み``.

    A field of the object reads with its verbose name and its choices' labels; a pair
    ``[before, after]`` reads as ``before → after``; other keys use ``CHANGE_LABELS``."""
    described = []
    for key, value in changes.items():
        field = _field_of(object_type, key)
        label = field.verbose_name if field is not None else CHANGE_LABELS.get(key, key)
        if key == "list":
            text = list_title(str(value))
        elif key == "attempt":
            action = _field_of("refunds.auditevent", "action")
            text = _value_text(action, value)
        elif key == "fields" and isinstance(value, list):  # personal data shown: which fields
            text = ", ".join(
                str(getattr(_field_of("refunds.member", name), "verbose_name", name))
                for name in value
            )
        elif isinstance(value, list) and len(value) == 2 and field is not None:
            text = f"{_value_text(field, value[0])} → {_value_text(field, value[1])}"
        else:
            text = _value_text(field, value, key)
        described.append((str(label), text))
    return described


# -- the billing system's codes ------------------------------------------------------------

# The codes the built-in program's billing data uses, in words; a code the data brings that is
# not here reads as it is (a program of another business has codes of its own).
CODE_LABELS = {
    "course": {"HIKARI_FLETS": gettext_lazy("So-net Hikari with FLET'S")},
    "plan": {"family": gettext_lazy("family type"), "mansion": gettext_lazy("mansion type")},
    "item": {
        "base_fee": gettext_lazy("base fee"),
        "refund": gettext_lazy("refund"),
        "option": gettext_lazy("option"),
    },
}


def code_label(value: Any, kind: str) -> str:
    """A course, plan or charge item code in words (the code itself if it is not known)."""
    if value is None:
        return "—"
    return str(_code_labels(kind, get_language()).get(value, value))


@functools.cache
def _code_labels(kind: str, language: str | None) -> dict[str, str]:
    """``CODE_LABELS[kind]`` translated into ``language`` (the active language when called)."""
    return {code: str(label) for code, label in CODE_LABELS.get(kind, {}).items()}
