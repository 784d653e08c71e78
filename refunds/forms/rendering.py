"""Form fields rendered by Django's form renderer, in Bootstrap 5's markup.

Every form of the project (its own, django-filter's, Django's sign-in and password forms) is
rendered by ``BootstrapFormRenderer``, the ``FORM_RENDERER`` of the settings: a field's
``{{ field.as_field_group }}`` goes through ``templates/refunds/forms/field.html`` (label,
required marker, widget, help text, errors) and ``{{ field }}`` alone is the widget. The
widget itself is Django's: its own attributes (``maxlength``, ``min``, ``max``, ``step``,
``placeholder``, ``autofocus``, ``accept``, ``required``, ``disabled``, ``aria-*``) are kept
and the Bootstrap class is added to them.
"""

from typing import Any

from django import forms
from django.forms.boundfield import BoundField
from django.forms.renderers import TemplatesSetting


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
