"""Choice labels by value, for the pages that show many of them (the tables, the status badge).

Django's ``get_FOO_display()`` builds a hashable copy of the field's choices on every call, and
hashing a lazy label translates it: a case's status (thirteen choices) cost thirteen look-ups
of the catalogue per row. Here a field's labels are put in a dict once; the one label shown is
translated (in the request's language) when it is read. The text is Django's
(``tests/test_tables.py`` compares them for every choices field of every model).
"""

import functools
from typing import Any

from django.db import models
from django.utils.encoding import force_str


@functools.cache
def _labels(field: "models.Field[Any, Any]") -> dict[Any, Any]:
    return dict(field.flatchoices)


def choice_label(field: "models.Field[Any, Any]", value: Any) -> Any:
    """What ``instance.get_<field>_display()`` gives for ``value`` (a hashable value)."""
    return force_str(_labels(field).get(value, value), strings_only=True)


def display(instance: models.Model, name: str) -> Any:
    """``instance.get_<name>_display()`` through the label dict."""
    field = instance._meta.get_field(name)
    assert isinstance(field, models.Field)
    return choice_label(field, getattr(instance, field.attname))
