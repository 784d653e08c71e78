"""Filters: one FilterSet per model, and no filter that lists a large table."""

import django_filters
import pytest
from django.urls import get_resolver

from refunds import filters
from refunds.api import views as api_views
from refunds.filters import only
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
