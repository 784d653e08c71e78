"""Form fields are rendered by Django's form renderer: the widgets' own attributes reach the page."""

import datetime
import re
from unittest import mock

import pytest
from django import forms
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext_lazy as _lazy


class Sample(forms.Form):
    name = forms.CharField(
        label="Name",
        max_length=20,
        widget=forms.TextInput(attrs={"placeholder": "ヤマダ タロウ", "autofocus": True}),
        help_text="As the bank holds it.",
    )
    amount = forms.IntegerField(label="Amount", min_value=0, max_value=1000, step_size=10)
    share = forms.DecimalField(label="Share", max_digits=5, decimal_places=2, required=False)
    note = forms.CharField(
        label="Note", required=False, max_length=300, widget=forms.Textarea(attrs={"rows": 2})
    )
    kind = forms.ChoiceField(label="Kind", choices=[("a", "A"), ("b", "B")])
    method = forms.ChoiceField(
        label="Method", choices=[("x", "X"), ("y", "Y")], widget=forms.RadioSelect
    )
    agree = forms.BooleanField(label="Agree", required=False)
    file = forms.FileField(
        label="File", widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"})
    )
    secret = forms.CharField(widget=forms.HiddenInput, required=False)


def _tag(page: str, pattern: str) -> str:
    found = re.search(pattern, page)
    assert found, f"{pattern!r} not in {page}"
    return found.group(0)


def test_widget_attributes_reach_the_html():
    page = render_to_string("refunds/includes/form_fields.html", {"form": Sample()})
    name = _tag(page, r'<input type="text" name="name"[^>]*>')
    for attribute in (
        'maxlength="20"',
        'placeholder="ヤマダ タロウ"',
        "autofocus",
        "required",
        'class="form-control"',
        'id="id_name"',
        'aria-describedby="id_name_helptext"',
    ):
        assert attribute in name
    amount = _tag(page, r'<input type="number" name="amount"[^>]*>')
    for attribute in ('min="0"', 'max="1000"', 'step="10"', 'class="form-control"'):
        assert attribute in amount
    assert 'step="0.01"' in _tag(page, r'<input type="number" name="share"[^>]*>')
    note = _tag(page, r"<textarea[^>]*>")
    assert 'maxlength="300"' in note and 'rows="2"' in note and "form-control" in note
    assert 'class="form-select"' in _tag(page, r'<select name="kind"[^>]*>')
    radio = _tag(page, r'<input type="radio" name="method" value="x"[^>]*>')
    assert 'class="form-check-input"' in radio and 'id="id_method_0"' in radio
    assert '<label class="form-check-label" for="id_method_0">X</label>' in page
    assert 'class="form-check-input"' in _tag(page, r'<input type="checkbox" name="agree"[^>]*>')
    assert 'accept=".csv,text/csv"' in _tag(page, r'<input type="file" name="file"[^>]*>')
    assert _tag(page, r'<input type="hidden" name="secret"[^>]*>').count("class") == 0
    assert '<div class="form-text" id="id_name_helptext">As the bank holds it.</div>' in page
    # The Bootstrap wrappers and the required marker.
    assert 'id="field-name"' in page and 'id="field-method"' in page
    assert '<div class="mb-3 form-check" id="field-agree">' in page
    label = _tag(page, r'<label class="form-label" for="id_amount">.*?</label>')
    assert '<span class="text-danger" aria-hidden="true">*</span>' in label
    assert "text-danger" not in _tag(page, r'<label class="form-label" for="id_note">.*?</label>')


def test_errors_mark_the_widget_and_are_shown_under_it():
    form = Sample(data={"name": "x" * 21, "amount": "-5", "kind": "a", "method": "x"})
    assert not form.is_valid()
    page = render_to_string("refunds/includes/form_fields.html", {"form": form})
    name = _tag(page, r'<input type="text" name="name"[^>]*>')
    assert 'class="form-control is-invalid"' in name and 'aria-invalid="true"' in name
    assert 'aria-describedby="id_name_helptext id_name_error"' in name
    assert 'value="%s"' % ("x" * 21) in name
    assert re.search(
        r'<div class="invalid-feedback d-block" id="id_amount_error"><div>[^<]+0', page
    )
    assert "is-invalid" in _tag(page, r'<input type="number" name="amount"[^>]*>')
    assert "is-invalid" not in _tag(page, r'<select name="kind"[^>]*>')
    assert "checked" in _tag(page, r'<input type="radio" name="method" value="x"[^>]*>')


@pytest.mark.django_db
def test_the_product_forms_keep_their_limits(supervisor_client, admin_client_role):
    from tests.factories import CaseFactory

    case = CaseFactory(status="prepared", amount_yen=3402)
    page = supervisor_client.get(reverse("refunds:case_amount", args=[case.pk])).content.decode()
    amount = _tag(page, r'<input type="number" name="amount_yen"[^>]*>')
    assert 'min="0"' in amount and 'max="10000000"' in amount and 'value="3402"' in amount
    assert 'maxlength="500"' in _tag(page, r'<input type="text" name="reason"[^>]*>')
    page = admin_client_role.get(reverse("refunds:import_create")).content.decode()
    assert 'accept=".csv,text/csv"' in _tag(page, r'<input type="file" name="file"[^>]*>')
    assert 'class="form-select"' in _tag(page, r'<select name="kind"[^>]*>')


@pytest.mark.django_db
def test_every_page_renders_its_fields_through_the_renderer(
    client, staff_client, supervisor_client, admin_client_role
):
    """No page writes its own <input>: the widgets carry Django's attributes and Bootstrap's."""
    from tests.factories import MemberFactory

    member = MemberFactory()
    login = client.get(reverse("accounts:login")).content.decode()
    username = _tag(login, r'<input type="text" name="username"[^>]*>')
    assert "autofocus" in username and 'class="form-control"' in username
    assert 'maxlength="150"' in username
    password = staff_client.get(reverse("accounts:password_change")).content.decode()
    new = _tag(password, r'<input type="password" name="new_password1"[^>]*>')
    assert 'autocomplete="new-password"' in new and 'class="form-control"' in new
    detection = admin_client_role.get(reverse("refunds:detection")).content.decode()
    program = _tag(detection, r'<select name="program"[^>]*>')
    assert 'class="form-select"' in program
    assert '<option value="" selected>' not in detection  # no empty choice to send
    assert 'class="form-check-input"' in _tag(detection, r'<input type="checkbox"[^>]*>')
    scope = admin_client_role.get(reverse("refunds:scope_test")).content.decode()
    date = _tag(scope, r'<input type="date" name="applied_on_or_after"[^>]*>')
    assert 'class="form-control"' in date
    call = staff_client.get(reverse("refunds:member_detail", args=[member.pk])).content.decode()
    item = _tag(call, r'<input type="radio" name="relation"[^>]*>')
    assert 'class="form-check-input"' in item
    assert _tag(call, r'<input type="hidden" name="channel"[^>]*>').count('value="phone"') == 1
    cases = supervisor_client.get(reverse("refunds:case_list")).content.decode()
    assert 'class="form-select"' in _tag(cases, r'<select name="status"[^>]*>')
    assert 'class="form-control"' in _tag(cases, r'<input type="number" name="amount_min"[^>]*>')


class Choices(forms.Form):
    """Drop-downs of every shape: plain, grouped, several values, yes/no, lazy and odd labels."""

    plain = forms.ChoiceField(choices=[("", "---"), ("a", "A & B"), ("b", '"quoted" <b>')])
    grouped = forms.ChoiceField(
        choices=[("Tokyo", [("1", "Chiyoda"), ("2", "Chuo")]), ("3", "Osaka"), ("", "none")]
    )
    several = forms.MultipleChoiceField(choices=[(1, "one"), (2, "two"), (3, "three")])
    yes_no = forms.NullBooleanField()
    lazy = forms.TypedChoiceField(
        coerce=int, choices=[(1000, _lazy("Cases")), (2000, _lazy("Claims"))], required=False
    )
    marked = forms.ChoiceField(
        choices=[("x", "X")],
        widget=forms.Select(attrs={"data-on": True, "data-off": False, "aria-label": "<x>"}),
    )


class Inputs(forms.Form):
    """Inputs of every type the forms use, with values to escape and none."""

    text = forms.CharField(max_length=20, widget=forms.TextInput(attrs={"placeholder": '"x" & y'}))
    number = forms.IntegerField(min_value=0, max_value=10_000_000, required=False)
    amount = forms.DecimalField(max_digits=6, decimal_places=1, required=False)
    email = forms.EmailField(required=False)
    day = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    moment = forms.DateTimeField(required=False)
    search = forms.CharField(required=False, widget=forms.SearchInput(attrs={"autofocus": True}))
    phone = forms.CharField(required=False, widget=forms.TelInput)
    secret = forms.CharField(required=False, widget=forms.PasswordInput(render_value=True))
    hidden = forms.CharField(required=False, widget=forms.HiddenInput)
    agree = forms.BooleanField(required=False)


@pytest.mark.parametrize("language", ["ja", "en"])
@pytest.mark.parametrize(
    "data",
    [
        {},
        {"plain": "a", "grouped": "2", "several": ["1", "3"], "yes_no": "true", "lazy": "2000"},
        {"plain": "zz", "grouped": "", "yes_no": "false", "marked": "x"},
    ],
)
def test_a_select_is_written_as_djangos_templates_write_it(
    language: str, data: dict[str, object]
) -> None:
    from django.forms.renderers import TemplatesSetting
    from django.utils import translation

    from refunds.forms import rendering
    from refunds.forms.rendering import BootstrapBoundField, BootstrapFormRenderer

    class Templates(TemplatesSetting):  # the same fields, every widget through its templates
        bound_field_class = BootstrapBoundField

    ours = Choices(data=data or None, renderer=BootstrapFormRenderer())
    theirs = Choices(data=data or None, renderer=Templates())
    written: list[str | None] = []
    original = rendering.select_html

    def select_html(widget: dict[str, object]) -> str | None:
        written.append(original(widget))
        return written[-1]

    with translation.override(language), mock.patch.object(rendering, "select_html", select_html):
        for name in Choices.base_fields:
            assert str(ours[name]) == str(theirs[name]), name
    # every drop-down was written in Python (none handed back to the templates)
    assert len(written) == len(Choices.base_fields) and None not in written


@pytest.mark.parametrize("language", ["ja", "en"])
@pytest.mark.parametrize(
    "data",
    [
        None,
        {"text": "<b>&", "number": "1234567", "amount": "12.5", "email": "a@example.jp",
         "day": "2026-12-01", "moment": "2026-12-01 10:51", "search": "前田", "phone": "0120",
         "secret": "s\"", "hidden": "h", "agree": "on"},
        {"number": "x", "amount": "", "day": "no day"},
    ],
)  # fmt: skip
def test_an_input_is_written_as_djangos_templates_write_it(language, data):
    from django.forms.renderers import TemplatesSetting
    from django.utils import translation

    from refunds.forms import rendering
    from refunds.forms.rendering import BootstrapBoundField, BootstrapFormRenderer

    class Templates(TemplatesSetting):
        bound_field_class = BootstrapBoundField

    initial = {"number": 12221, "amount": 3402.5, "day": datetime.date(2010, 1, 2)}
    ours = Inputs(data=data, initial=initial, renderer=BootstrapFormRenderer())
    theirs = Inputs(data=data, initial=initial, renderer=Templates())
    written = mock.Mock(wraps=rendering.input_html)
    with translation.override(language), mock.patch.object(rendering, "input_html", written):
        for name in Inputs.base_fields:
            assert str(ours[name]) == str(theirs[name]), name
    assert written.call_count == len(Inputs.base_fields)  # each written in Python
