"""Model choice fields that read their choices with one query.

Django's ``ModelChoiceIterator`` reads a field's choices with ``QuerySet.iterator()``, which on
PostgreSQL is a server-side cursor: ``DECLARE … WITH HOLD``, ``FETCH`` and ``CLOSE``, three round
trips and a cursor kept past the commit, for the few rows of a drop-down (a page with the
programs' drop-down spent 0.6 ms more on it than on one ``SELECT``). The fields here set
``iterator``, the documented attribute of a model choice field, to ``ListedChoices``, which reads
the queryset once. A drop-down offers only a small table (the programs, a member's cases or
contracts); a large one is a search box (``refunds.filters``).
"""

from collections.abc import Iterator
from typing import Any

import django_filters
from django import forms


class ListedChoices(forms.models.ModelChoiceIterator):
    """A model choice field's choices: the empty choice, then the rows of one plain query."""

    def __iter__(self) -> Iterator[Any]:
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        for obj in self.queryset.all():  # a fresh queryset: the field's own is never cached
            yield self.choice(obj)


class ListedFilterChoices(django_filters.fields.ModelChoiceIterator, ListedChoices):
    """django-filter's choices (its "null" choice after the empty one) read as ``ListedChoices``."""


class ModelChoiceField(forms.ModelChoiceField):
    iterator = ListedChoices


class ModelMultipleChoiceField(forms.ModelMultipleChoiceField):
    iterator = ListedChoices


class FilterModelChoiceField(django_filters.fields.ModelChoiceField):
    iterator = ListedFilterChoices


class ModelChoiceFilter(django_filters.ModelChoiceFilter):
    """django-filter's ``ModelChoiceFilter`` whose drop-down is read with one query."""

    field_class = FilterModelChoiceField
