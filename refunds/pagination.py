"""Keyset ("seek") pagination of the lists: a page costs the same at any depth.

A numbered page ``N`` is ``OFFSET (N - 1) × 50``: the database walks every row before it, so at
a million cases page 5,000 took 1.5 s and the last one 6 s, whatever the indexes. Here a page
starts after (or before) the row that ended the page the user came from: the link carries that
row's values of the sort keys (the requested sort, then the list's default order, then the
primary key, which makes the order total) and the page is ``WHERE keys > those values ORDER BY
keys LIMIT 51``, an index range on the sorted column. The pages are First, Previous, Next and
Last (the last page is the first one of the reversed order), as in the REST API's cursor
pagination; there are no page numbers, which would need the rows before them to be counted.

``NULL`` sorts after every value (last ascending, first descending, PostgreSQL's default) on
every database. An order this cannot express (an expression, a relation ordered by its model's
own ordering) falls back to django-tables2's ``LazyPaginator`` and numbered pages.
"""

import base64
import binascii
import datetime
import decimal
import json
import uuid
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.core.paginator import Page
from django.db import models
from django.db.models import F, Func, Q, QuerySet, Value
from django.db.models.expressions import OrderBy
from django_tables2 import LazyPaginator
from django_tables2.rows import BoundRows

CURSOR_PARAM = "cursor"
MAX_PER_PAGE = 500
_NEXT, _PREVIOUS, _LAST = "n", "p", "l"


@dataclass(frozen=True)
class Key:
    """One sort key: an ORM path to a concrete column, its direction and whether it is NULL."""

    path: str
    descending: bool
    field: models.Field
    nullable: bool
    unique: bool

    @property
    def label(self) -> str:
        return f"-{self.path}" if self.descending else self.path

    def order(self, reverse: bool = False) -> OrderBy:
        if self.descending != reverse:
            return F(self.path).desc(nulls_first=True)
        return F(self.path).asc(nulls_last=True)

    def value_of(self, record: Any) -> Any:
        target = record
        for part in self.path.split("__")[:-1]:
            target = getattr(target, part)
            if target is None:
                return None
        return getattr(target, self.field.attname)


def _parse(item: Any) -> tuple[str, bool] | None:
    if isinstance(item, str):
        if item == "?" or "." in item:
            return None
        return (item[1:], True) if item.startswith("-") else (item.lstrip("+"), False)
    if isinstance(item, OrderBy) and isinstance(item.expression, F):
        name: str = item.expression.name  # type: ignore[attr-defined]
        return name, item.descending
    return None


def _one_per_row(field: models.Field) -> bool:
    """Whether no two rows share a value of ``field``: unique itself, or alone in one of its
    model's unconditional unique constraints (a claim's case: ``claim_one_per_case``)."""
    if field.unique:
        return True
    return any(
        isinstance(constraint, models.UniqueConstraint)
        and tuple(constraint.fields) == (field.name,)
        and constraint.condition is None
        and not constraint.expressions
        for constraint in field.model._meta.constraints
    )


def _key(model: type[models.Model], path: str, descending: bool) -> Key | None:
    parts = path.split("__")
    opts = model._meta
    nullable = False
    # A column of a related row is unique for this list when each relation on the way is one
    # row per row of the list (a claim's case, then its id) and the column itself is unique.
    one_per_row = True
    for part in parts[:-1]:
        try:
            relation = opts.get_field(part)
        except FieldDoesNotExist:
            return None
        if not (relation.many_to_one or relation.one_to_one) or not relation.concrete:
            return None
        nullable = nullable or bool(relation.null)
        one_per_row = one_per_row and _one_per_row(relation)
        opts = relation.related_model._meta  # type: ignore[union-attr]
    last = parts[-1]
    try:
        field = opts.pk if last == "pk" else opts.get_field(last)
    except FieldDoesNotExist:
        return None
    if field is None or field.is_relation or not field.concrete:
        return None  # a relation orders by its model's own ordering
    path = "__".join([*parts[:-1], field.name])
    nullable = nullable or bool(field.null)
    unique = one_per_row and bool(field.unique) and not nullable
    return Key(path, descending, field, nullable, unique)


def ordering_keys(queryset: QuerySet[Any]) -> list[Key] | None:
    """The keys that order ``queryset`` totally, or None when they cannot be used for seeking.

    An explicit order (a sorted column) is followed by the model's default order and the primary
    key in the same direction, so that one index of the sorted column and the default order
    serves both directions.
    """
    query = queryset.query
    default = list(queryset.model._meta.ordering) if query.default_ordering else []
    items: list[Any] = list(query.order_by) or default
    parsed = [_parse(item) for item in items]
    if any(p is None for p in parsed):
        return None
    pairs: list[tuple[str, bool]] = parsed  # type: ignore[assignment]
    descending = pairs[0][1] if pairs else False
    if query.order_by:
        tail = [_parse(item) for item in default]
        if any(p is None for p in tail):
            return None
        pairs += [(path, descending) for path, _desc in tail]  # type: ignore[misc]
    pairs.append(("pk", descending))
    keys: list[Key] = []
    for path, desc in pairs:
        key = _key(queryset.model, path, desc)
        if key is None:
            return None
        if any(k.path == key.path for k in keys):
            continue
        keys.append(key)
        if key.unique:
            break
    return keys


# -- cursors --------------------------------------------------------------------------------


def _plain(value: Any) -> Any:
    if isinstance(value, datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    return value


def encode_cursor(keys: list[Key], direction: str, values: list[Any] | None = None) -> str:
    payload = {"o": [k.label for k in keys], "d": direction}
    if values is not None:
        payload["v"] = [_plain(v) for v in values]
    text = json.dumps(payload, separators=(",", ":"), ensure_ascii=False)
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def decode_cursor(cursor: str, keys: list[Key]) -> tuple[str, list[Any] | None] | None:
    """The direction and the values of a cursor made for these keys; None if it is not one."""
    try:
        payload = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        if payload["o"] != [k.label for k in keys] or payload["d"] not in (_NEXT, _PREVIOUS, _LAST):
            return None
        if payload["d"] == _LAST:
            return _LAST, None
        raw = payload["v"]
        if not isinstance(raw, list) or len(raw) != len(keys):
            return None
        values = [
            None if v is None else k.field.to_python(v) for k, v in zip(keys, raw, strict=True)
        ]
    except (ValueError, KeyError, TypeError, binascii.Error, ValidationError):
        return None
    return payload["d"], values


# -- the condition --------------------------------------------------------------------------


class _Row(Func):
    """A row value, ``(a, b, c)``: compared as a whole, a range on an index of those columns."""

    function = ""
    template = "(%(expressions)s)"
    output_field = models.CharField()


def _beyond(key: Key, value: Any, descending: bool) -> Q:
    """Rows strictly after ``value`` on this key, NULL being the greatest value."""
    if descending:
        return (
            Q(**{f"{key.path}__isnull": False})
            if value is None
            else Q(**{f"{key.path}__lt": value})
        )
    if value is None:
        return Q(pk__in=[])
    after = Q(**{f"{key.path}__gt": value})
    return after | Q(**{f"{key.path}__isnull": True}) if key.nullable else after


def _equal(key: Key, value: Any) -> Q:
    return Q(**{f"{key.path}__isnull": True}) if value is None else Q(**{key.path: value})


def seek(
    queryset: QuerySet[Any], keys: list[Key], values: list[Any], reverse: bool
) -> QuerySet[Any]:
    """``queryset`` from the row after the one with ``values`` (before it when ``reverse``)."""
    directions = {k.descending != reverse for k in keys}
    if len(keys) > 1 and len(directions) == 1 and not any(k.nullable for k in keys):
        lookup = "lt" if directions.pop() else "gt"
        row = _Row(*(F(k.path) for k in keys))
        bound = _Row(*(Value(v) for v in values))
        return queryset.alias(_seek=row).filter(**{f"_seek__{lookup}": bound})
    condition: Q | None = None
    for key, value in reversed(list(zip(keys, values, strict=True))):
        descending = key.descending != reverse
        beyond = _beyond(key, value, descending)
        condition = beyond if condition is None else beyond | (_equal(key, value) & condition)
    assert condition is not None
    first, value = keys[0], values[0]
    if len(keys) > 1 and value is not None and not first.nullable:  # where an index scan starts
        descending = first.descending != reverse
        condition = Q(**{f"{first.path}__{'lte' if descending else 'gte'}": value}) & condition
    return queryset.filter(condition)


# -- the paginator --------------------------------------------------------------------------


class KeysetPage(Page):
    """A page with the cursors of the pages around it (None where there is none)."""

    def __init__(
        self,
        object_list: Any,
        paginator: Any,
        *,
        first: bool,
        last: bool,
        previous_cursor: str | None,
        next_cursor: str | None,
        last_cursor: str,
    ) -> None:
        super().__init__(object_list, 1, paginator)
        self.is_first, self.is_last = first, last
        self.previous_cursor, self.next_cursor = previous_cursor, next_cursor
        self.last_cursor = last_cursor
        self.keyset = True

    def has_next(self) -> bool:
        return not self.is_last

    def has_previous(self) -> bool:
        return not self.is_first

    def has_other_pages(self) -> bool:
        return not (self.is_first and self.is_last)


class KeysetPaginator:
    """Pages ``table.rows`` by cursor (``?cursor=``) for ``Table.paginate``.

    Rows that are not a queryset, or an order that cannot be sought, are paged by number with
    django-tables2's ``LazyPaginator``.
    """

    def __init__(
        self, object_list: BoundRows, per_page: int, cursor: str | None = None, **kwargs: Any
    ) -> None:
        self.rows = object_list
        self.per_page = max(1, min(int(per_page), MAX_PER_PAGE))
        self.cursor = cursor or ""
        self.kwargs = kwargs
        self.num_pages = 1

    def page(self, number: Any = 1) -> Page:
        data = getattr(self.rows.data, "data", None)
        keys = ordering_keys(data) if isinstance(data, QuerySet) else None
        if keys is None:
            lazy = LazyPaginator(self.rows, self.per_page, **self.kwargs)
            page = lazy.page(number)
            self.num_pages = lazy.num_pages
            return page
        return self._page(data, keys)  # type: ignore[arg-type]

    def _page(self, queryset: QuerySet[Any], keys: list[Key]) -> KeysetPage:
        decoded = decode_cursor(self.cursor, keys) if self.cursor else None
        direction, values = decoded if decoded else (None, None)
        reverse = direction in (_PREVIOUS, _LAST)
        if direction in (_NEXT, _PREVIOUS) and values is not None:
            queryset = seek(queryset, keys, values, reverse)
        queryset = queryset.order_by(*(k.order(reverse) for k in keys))
        records = list(queryset[: self.per_page + 1])
        more = len(records) > self.per_page
        records = records[: self.per_page]
        if reverse:
            records.reverse()
        if direction is None:
            first, last = True, not more
        elif direction == _NEXT:
            first, last = False, not more
        else:  # backwards: the rows before the cursor, or the last page
            first, last = not more, direction == _LAST
        cursor = encode_cursor
        return KeysetPage(
            BoundRows(data=records, table=self.rows.table),
            self,
            first=first,
            last=last,
            previous_cursor=(
                cursor(keys, _PREVIOUS, [k.value_of(records[0]) for k in keys])
                if records and not first
                else None
            ),
            next_cursor=(
                cursor(keys, _NEXT, [k.value_of(records[-1]) for k in keys])
                if records and not last
                else None
            ),
            last_cursor=cursor(keys, _LAST),
        )
