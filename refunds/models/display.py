"""``get_FOO_display()`` of every choices field, with the labels looked up in a dict.

Django's own builds a hashable copy of the field's choices on each call, which hashes every
lazy label and so translates each one: a list of 50 cases (status, category, via the table and
the status badge) spent a quarter of its time there. Each label is translated once per language
(the request's language still decides).
"""

from collections.abc import Callable, Iterable
from typing import Any

from django.db import models
from django.utils.encoding import force_str
from django.utils.translation import get_language


def _display(field: "models.Field[Any, Any]") -> Callable[[models.Model], Any] | None:
    try:
        labels = dict(field.flatchoices)
    except TypeError:  # an unhashable choice value: keep Django's
        return None

    translated: dict[tuple[str | None, Any], Any] = {}

    def get_display(self: models.Model) -> Any:
        value = getattr(self, field.attname)
        try:
            label = labels[value]
        except (KeyError, TypeError):  # not a choice (or unhashable): shown as it is
            return force_str(value, strings_only=True)
        key = (get_language(), value)
        if key not in translated:
            translated[key] = force_str(label, strings_only=True)
        return translated[key]

    get_display.__name__ = f"get_{field.name}_display"
    return get_display


def install(model_classes: Iterable[type[models.Model]]) -> None:
    """Give each model's choices fields the dict-backed display (unless the model has its own)."""
    for model in model_classes:
        for field in model._meta.get_fields():
            if not isinstance(field, models.Field) or not field.choices or callable(field.choices):
                continue
            name = f"get_{field.name}_display"
            own = next((klass for klass in model.__mro__ if name in vars(klass)), None)
            if own is not None and not _is_djangos(vars(own)[name]):
                continue
            display = _display(field)
            if display is not None:
                setattr(model, name, display)


def _is_djangos(method: Any) -> bool:
    return getattr(getattr(method, "func", None), "__name__", "") == "_get_FIELD_display"
