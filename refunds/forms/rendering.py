"""Form fields rendered by Django's form renderer, in Bootstrap 5's markup.

Every form of the project (its own, django-filter's, Django's sign-in and password forms) is
rendered by ``BootstrapFormRenderer``, the ``FORM_RENDERER`` of the settings: a field's
``{{ field.as_field_group }}`` goes through ``templates/refunds/forms/field.html`` (label,
required marker, widget, help text, errors) and ``{{ field }}`` alone is the widget. The
widget itself is Django's: its own attributes (``maxlength``, ``min``, ``max``, ``step``,
``placeholder``, ``autofocus``, ``accept``, ``required``, ``disabled``, ``aria-*``) are kept
and the Bootstrap class is added to them.

A ``<select>`` (``Select``, ``SelectMultiple``, ``NullBooleanSelect`` and the filters' choice
widgets) and an ``<input>`` (text, number, date…) are written by ``select_html`` and
``input_html`` from the context Django's widget gives its template, rather than by
``django/forms/widgets/select.html`` (which includes ``select_option.html`` and ``attrs.html``
for every option) and the templates that include ``input.html``: the filter forms of the lists
spent 4–5 ms a page so. The markup is the templates', character for character
(``tests/test_forms.py`` compares them); a widget whose options use another template is
rendered by its templates.
"""

from collections.abc import Mapping
from typing import Any

from django import forms
from django.forms.boundfield import BoundField
from django.forms.renderers import TemplatesSetting
from django.http import HttpRequest
from django.template import Context
from django.template.base import render_value_in_context
from django.utils.html import conditional_escape

SELECT_TEMPLATE = "django/forms/widgets/select.html"
OPTION_TEMPLATE = "django/forms/widgets/select_option.html"
# The widgets whose template is ``{% include "django/forms/widgets/input.html" %}`` alone.
INPUT_TEMPLATES = frozenset(
    f"django/forms/widgets/{name}.html"
    for name in (
        "text", "number", "email", "search", "tel", "url", "password", "hidden",
        "date", "datetime", "time", "color", "checkbox", "file", "input",
    )
)  # fmt: skip


def bootstrap_class(widget: forms.Widget) -> str:
    """The Bootstrap 5 class of a widget's ``<input>``, ``<select>`` or ``<textarea>``."""
    if getattr(widget, "input_type", None) in ("checkbox", "radio"):
        return "form-check-input"  # a check box, a radio button, the options of a group
    if isinstance(widget, forms.Select):
        return "form-select"
    return "form-control"


class BootstrapBoundField(BoundField):
    """A bound field whose widget carries the Bootstrap class (and ``is-invalid`` on errors)."""

    def build_widget_attrs(
        self, attrs: dict[str, Any], widget: forms.Widget | None = None
    ) -> dict[str, Any]:
        attrs = super().build_widget_attrs(attrs, widget)
        widget = widget or self.field.widget
        if widget.is_hidden:
            return attrs
        classes = [str(attrs.get("class") or widget.attrs.get("class") or "")]
        classes.append(bootstrap_class(widget))
        if self.errors:
            classes.append("is-invalid")
        attrs["class"] = " ".join(c for c in classes if c)
        return attrs


class BootstrapFormRenderer(TemplatesSetting):
    """The project's templates (``TEMPLATES``) render the fields, Django's the widgets."""

    field_template_name = "refunds/forms/field.html"
    bound_field_class = BootstrapBoundField

    def render(
        self, template_name: str, context: dict[str, Any], request: HttpRequest | None = None
    ) -> str:
        if template_name == SELECT_TEMPLATE:
            html = select_html(context["widget"])
            if html is not None:
                return html
        elif template_name in INPUT_TEMPLATES:
            return input_html(context["widget"])
        return super().render(template_name, context, request)


_TEXT = Context(autoescape=True)  # how {{ value }} writes a value (localised, escaped)


def _text(value: Any) -> str:
    return render_value_in_context(value, _TEXT)


def _attrs(attrs: Mapping[str, Any]) -> str:
    """``django/forms/widgets/attrs.html``."""
    return "".join(
        f" {_text(name)}" if value is True else f' {_text(name)}="{_as_s(value)}"'
        for name, value in attrs.items()
        if value is not False
    )


def _as_s(value: Any) -> str:
    """``{{ value|stringformat:'s' }}``: the value as ``%s`` writes it, escaped unless safe."""
    return str(conditional_escape(value if isinstance(value, str) else f"{value}"))


def select_html(widget: Mapping[str, Any]) -> str | None:
    """``django/forms/widgets/select.html`` and its options' ``select_option.html`` (each ends
    in a new line, as its file does), or None for a widget whose options use another template."""
    out = [f'<select name="{_text(widget["name"])}"{_attrs(widget["attrs"])}>']
    for group_name, group_choices, _index in widget["optgroups"]:
        if group_name:
            out.append(f'\n  <optgroup label="{_text(group_name)}">')
        for option in group_choices:
            if option["template_name"] != OPTION_TEMPLATE:
                return None
            out.append(
                f'\n  <option value="{_as_s(option["value"])}"{_attrs(option["attrs"])}>'
                f"{_text(option['label'])}</option>\n"
            )
        if group_name:
            out.append("\n  </optgroup>")
    out.append("\n</select>")
    return "".join(out)


def input_html(widget: Mapping[str, Any]) -> str:
    """``django/forms/widgets/input.html``, which the text, number, date… widgets include."""
    value = widget["value"]
    shown = "" if value is None else f' value="{_as_s(value)}"'
    return f'<input type="{_text(widget["type"])}" name="{_text(widget["name"])}"{shown}' + (
        f"{_attrs(widget['attrs'])}>"
    )
