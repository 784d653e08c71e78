"""Filters: one FilterSet per model, and no filter that lists a large table."""

import importlib
import pkgutil

import django_filters
import pytest
from django import forms
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import get_resolver, reverse

from refunds import filters
from refunds.api import views as api_views
from refunds.filters import only
from refunds.modelchoices import ListedChoices
from refunds.models import RemediationProgram
from refunds.views.base import ObjectListView
from tests.factories import CaseFactory

# Related tables small enough for a drop-down (a handful of programs).
SMALL_TABLES = {RemediationProgram}


def _list_views() -> list[type]:
    found = []

    def walk(resolver):
        for pattern in resolver.url_patterns:
            if hasattr(pattern, "url_patterns"):
                walk(pattern)
                continue
            view = getattr(pattern.callback, "view_class", None) or getattr(
                pattern.callback, "cls", None
            )
            if view is not None:
                found.append(view)

    walk(get_resolver())
    return found


def _filtersets() -> list[type]:
    sets = []
    for view in _list_views():
        if issubclass(view, ObjectListView) and view.filterset_class is not None:
            sets.append(view.filterset_class)
    sets += [
        getattr(view, "filterset_class", None)
        for view in vars(api_views).values()
        if isinstance(view, type)
    ]
    return [s for s in sets if s is not None]


def test_no_filter_lists_a_large_table():
    sets = _filtersets()
    assert len(sets) > 15
    for filterset in sets:
        for name, flt in filterset.base_filters.items():
            if isinstance(
                flt, django_filters.ModelChoiceFilter | django_filters.ModelMultipleChoiceFilter
            ):
                model = flt.extra["queryset"].model
                assert model in SMALL_TABLES, f"{filterset.__name__}.{name} lists {model.__name__}"


def test_every_filterset_is_the_models_one():
    """A page's or the API's FilterSet is a cut of the model's FilterSet in refunds.filters."""
    own = {
        value
        for value in vars(filters).values()
        if isinstance(value, type)
        and issubclass(value, django_filters.FilterSet)
        and value is not filters.FilterSet
    }
    for filterset in _filtersets():
        assert any(issubclass(filterset, base) for base in own), filterset


def test_only_cuts_the_filters_and_refuses_an_unknown_name():
    cut = only(filters.CaseFilter, "status", "case_no")
    assert list(cut.base_filters) == ["status", "case_no"]
    assert "status" in filters.CaseFilter.base_filters and len(filters.CaseFilter.base_filters) > 2
    with pytest.raises(ValueError, match="no filter"):
        only(filters.CaseFilter, "nothing")


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["complaint_list", "qa_queue", "callback_list", "review_queue"])
def test_queues_offer_no_drop_down_of_members_or_cases(supervisor_client, name):
    from django.urls import reverse

    cases = [CaseFactory() for _ in range(3)]
    page = supervisor_client.get(reverse(f"refunds:{name}")).content.decode()
    for case in cases:
        assert f">{case.member}<" not in page and f">{case.case_no}<" not in page
    assert 'name="member"' not in page and 'name="case"' not in page


@pytest.mark.django_db
def test_no_choice_of_a_filter_is_preselected(supervisor_client):
    """An empty filter form selects the empty choice of every drop-down (the review queue once
    showed category 1 selected)."""
    import re

    from django.urls import reverse

    for name in ("review_queue", "case_list", "qa_queue"):
        page = supervisor_client.get(reverse(f"refunds:{name}")).content.decode()
        form = page.split('<form method="get"', 1)[1].split("</form>", 1)[0]
        assert not re.search(r"<option value=\"[^\"]+\"[^>]*selected", form), name


def _form_classes() -> list[type[forms.BaseForm]]:
    """Every form class of the product's form modules."""
    import portal.forms
    import refunds.forms

    modules = [portal.forms]
    modules += [
        importlib.import_module(f"refunds.forms.{info.name}")
        for info in pkgutil.iter_modules(refunds.forms.__path__)
    ]
    return [
        value
        for module in modules
        for value in vars(module).values()
        if isinstance(value, type) and issubclass(value, forms.BaseForm)
    ]


def test_every_drop_down_of_rows_reads_them_in_one_query():
    """A model choice field of a filter or a form reads its choices with one plain query
    (``refunds.modelchoices``), not through a server-side cursor."""
    found = 0
    for filterset in _filtersets():
        for name, flt in filterset.base_filters.items():
            if isinstance(flt, django_filters.ModelChoiceFilter):
                found += 1
                assert issubclass(flt.field_class.iterator, ListedChoices), (filterset, name)
    for form in _form_classes():
        for name, field in form.base_fields.items():
            if isinstance(field, forms.ModelChoiceField):
                found += 1
                assert issubclass(field.iterator, ListedChoices), (form, name)
    assert found >= 6


@pytest.mark.django_db
def test_a_drop_down_of_programs_is_one_select(staff_client):
    """The claims list's programs: one SELECT (on PostgreSQL Django's own iterator declared a
    cursor, fetched and closed it), every program offered, the filter still applied."""
    programs = [CaseFactory().program for _ in range(2)]
    with CaptureQueriesContext(connection) as queries:
        page = staff_client.get(reverse("refunds:claim_list")).content.decode()
    reads = [q["sql"] for q in queries if "refunds_remediationprogram" in q["sql"]]
    assert len(reads) == 1 and reads[0].startswith("SELECT"), reads
    for program in programs:
        assert f'<option value="{program.pk}">{program}</option>' in page
    chosen = staff_client.get(reverse("refunds:claim_list"), {"program": programs[0].pk})
    assert f'<option value="{programs[0].pk}" selected>' in chosen.content.decode()
