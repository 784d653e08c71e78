"""The project's form bases: every text a form takes goes through ``refunds.text``."""

from typing import Any

from django import forms

from refunds import text


class TextChecked:
    """Refuses a text with a control or direction character, naming its field."""

    cleaned_data: dict[str, Any]

    def clean(self) -> dict[str, Any]:
        data = super().clean()  # type: ignore[misc]
        for name, value in list(self.cleaned_data.items()):
            why = text.unsafe(value) if isinstance(value, str) else None
            if why:
                self.add_error(name, why)  # type: ignore[attr-defined]
        return data if data is not None else self.cleaned_data


class Form(TextChecked, forms.Form):
    pass


class ModelForm(TextChecked, forms.ModelForm):
    pass
