"""From the records of a file to the rows an import writes: the header, each column's plan, the
values of every good row, and an error with line, column and reason for every bad one.

Rows come a batch at a time. A batch whose every cell is good (the usual case) is converted
column by column: each distinct text of a column is parsed once and the column is mapped through
the result, with no Python code per cell. A batch with anything wrong in it (a bad cell, a wrong
number of fields, a blank line, undecodable bytes) is read row by row, which names each bad
row's line, column and reason; both ways give the same values.
"""

from collections.abc import Callable, Iterable, Iterator, Sequence
from functools import lru_cache
from typing import Any, NamedTuple

from django.apps import apps
from django.db import connection
from django.utils.translation import gettext as _

from refunds.text import unsafe

from .errors import FileRefused, RowError, RowErrors
from .normalize import CellError
from .reader import Batch, CsvStream, Record
from .schema import Column, ImportSpec

ProgressCallback = Callable[[int, int], None]  # (bytes read, rows read)


# -- PostgreSQL's COPY text format ------------------------------------------------------------
def copy_text(value: str | None) -> str:
    if value is None:
        return "\\N"
    if "\\" in value or "\t" in value or "\n" in value or "\r" in value:
        return (
            value.replace("\\", "\\\\")
            .replace("\t", "\\t")
            .replace("\n", "\\n")
            .replace("\r", "\\r")
        )
    return value


def copy_integer(value: int | None) -> str:
    return "\\N" if value is None else str(value)


def copy_date(value: str | None) -> str:
    """A date is staged as ISO text already (see ``_iso_date``): never needs escaping."""
    return "\\N" if value is None else value


COPY_TEXT: dict[str, Callable[[Any], str]] = {
    "text": copy_text,
    "date": copy_date,
    "integer": copy_integer,
}


def _copy_column(kind: str, values: tuple[Any, ...]) -> Iterable[str]:
    """One column as COPY text fields: a column-wide check, a conversion per value only where
    needed (NULLs, integers, text with a backslash, tab or line break)."""
    nulls = None in values
    if kind == "integer":
        return map(copy_integer, values) if nulls else map(str, values)
    if kind == "date":  # ISO text already
        return map(copy_date, values) if nulls else values
    if nulls:
        return map(copy_text, values)
    joined = "".join(values)
    if "\\" in joined or "\t" in joined or "\n" in joined or "\r" in joined:
        return map(copy_text, values)
    return values


def copy_text_of(rows: list[tuple[Any, ...]], kinds: list[str]) -> str:
    """Rows in PostgreSQL's COPY text format, converted column by column."""
    columns = [_copy_column(k, v) for k, v in zip(kinds, zip(*rows, strict=True), strict=True)]
    return "\n".join(map("\t".join, zip(*columns, strict=True))) + "\n"


# -- the header and the plan of each column ---------------------------------------------------
def read_header(
    stream: CsvStream, header: Record | None, spec: ImportSpec
) -> tuple[list[Column], list[int], int]:
    """The spec's columns the file has, where each is in a record, and the number of fields."""
    if header is None or not any(v.strip() for v in header.values):
        raise FileRefused(_("the file is empty"))
    if header.undecodable:
        raise FileRefused(
            _("the header does not decode as %(encoding)s") % {"encoding": stream.encoding}
        )
    names = [v.strip().lower() for v in header.values]
    seen: set[str] = set()
    for name in names:
        if name and name in seen:
            raise FileRefused(_("the column %(name)s appears twice") % {"name": name}, column=name)
        seen.add(name)
    missing = [c for c in spec.required if c not in seen]
    if missing:
        raise FileRefused(
            _("required column missing: %(columns)s") % {"columns": ", ".join(missing)},
            column=missing[0],
        )
    present = [c for c in spec.columns if c.name in seen]
    return present, [names.index(c.name) for c in present], len(names)


def _max_lengths(spec: ImportSpec, present: Sequence[Column]) -> dict[str, int]:
    model = apps.get_model(spec.model)
    lengths: dict[str, int] = {}
    for col in present:
        try:
            fld = model._meta.get_field(col.name)
        except Exception:  # a reference column: checked against the referenced table
            continue
        if getattr(fld, "max_length", None):
            lengths[col.name] = fld.max_length
    return lengths


class Cell(NamedTuple):
    """How one file column becomes written values, settled once before the rows are read."""

    position: int  # index of the value in the record
    name: str
    convert: Callable[[str], Any]  # stripped, non-empty text -> value (or CellError)
    required: bool
    empty: Any  # the value of an empty cell: NULL, or "" in a text column
    limit: int  # longest allowed value, 0 for no limit
    # The derived columns' values from the text, and what they are for an empty cell.
    derive: Callable[[str], tuple[Any, ...]] | None
    derive_empty: tuple[str, ...]
    # The SQL type of each value (the column's, then the derived ones'): text, date or integer.
    kinds: tuple[str, ...]

    def read(self, raw: str) -> tuple[Any, ...] | str:
        """The values of one cell as written, or the reason why it is bad."""
        text = raw.strip()
        if not text:
            if self.required:
                return _("a value is required")
            return (self.empty, *self.derive_empty)
        try:
            value = self.convert(text)
        except CellError as exc:
            return str(exc)
        if self.limit and len(value) > self.limit:
            return _("longer than %(limit)s characters") % {"limit": self.limit}
        if type(value) is str and (why := unsafe(value)):
            return why
        return (value, *self.derive(text)) if self.derive else (value,)


def _iso_date(parse: Callable[[str], Any]) -> Callable[[str], str]:
    """A date column is staged as ISO text: the same for both databases, no adapter per value."""

    @lru_cache(maxsize=65536)
    def convert(text: str) -> str:
        return parse(text).isoformat()

    return convert


def _derive_all(col: Column) -> Callable[[str], tuple[Any, ...]] | None:
    if not col.derived:
        return None
    functions = [derive for _name, derive in col.derived]
    return lambda text: tuple(derive(text) for derive in functions)


def cells(spec: ImportSpec, present: Sequence[Column], indexes: Sequence[int]) -> list[Cell]:
    lengths = _max_lengths(spec, present)
    return [
        Cell(
            position=idx,
            name=col.name,
            convert=_iso_date(col.parse) if col.sql_type == "date" else col.parse,
            required=col.required,
            empty="" if col.sql_type == "text" else None,
            limit=lengths.get(col.name, 0),
            derive=_derive_all(col),
            derive_empty=("",) * len(col.derived),
            kinds=(col.sql_type,) + ("text",) * len(col.derived),
        )
        for col, idx in zip(present, indexes, strict=True)
    ]


# -- the rows ---------------------------------------------------------------------------------
class Rows:
    """The good rows of a file, batch by batch; each bad one becomes a row error in ``errors``.

    ``copy_texts()`` gives each batch as PostgreSQL ``COPY`` text, ``tuples()`` each row as a
    tuple; with ``numbered`` the physical line comes first. ``rows_total`` counts the data rows
    read (blank lines aside), ``good`` the rows given.
    """

    def __init__(
        self,
        stream: CsvStream,
        batches: Iterator[Batch],
        cells: list[Cell],
        width: int,
        errors: RowErrors,
        *,
        numbered: bool = True,
        progress: ProgressCallback | None = None,
        stop_when_full: bool = False,
    ) -> None:
        self.stream = stream
        self.batches = batches
        self.cells = cells
        self.width = width
        self.errors = errors
        self.numbered = numbered
        self.progress = progress
        self.kinds = (["integer"] if numbered else []) + [k for c in cells for k in c.kinds]
        self.rows_total = 0
        self.good = 0
        # All or nothing: once ``errors`` is full the file is refused whatever follows, so
        # reading stops after that batch (the last line read; 0 while reading on).
        self.stop_when_full = stop_when_full
        self.stopped_after_line = 0

    def _each(self) -> Iterator[Batch]:
        for batch in self.batches:
            yield batch
            if self.progress:
                self.progress(self.stream.bytes_read, self.rows_total)
            if self.stop_when_full and self.errors.full:
                self.stopped_after_line = batch.lines[-1] if batch.lines else 0
                return

    def copy_texts(self) -> Iterator[str]:
        for batch in self._each():
            columns = self._columns(batch, copy=True)
            if columns is not None:
                # One list of every field of the batch, in order, and one join: each value's
                # text already starts with its tab, so only the line numbers (or nothing, the
                # first tab cut) and the line ends are added here.
                count = len(batch.lines)
                width = len(columns) + 2
                fields: list[str] = [""] * (count * width)
                if self.numbered:
                    fields[0::width] = map(str, batch.lines)
                for index, column in enumerate(columns, 1):
                    fields[index::width] = column
                fields[width - 1 :: width] = ["\n"] * count
                text = "".join(fields)
                yield text if self.numbered else text[1:].replace("\n\t", "\n")
            else:
                rows = self._one_by_one(batch)
                if rows:
                    yield copy_text_of(rows, self.kinds)

    def tuples(self) -> Iterator[Iterable[tuple[Any, ...]]]:
        """The rows of each batch."""
        for batch in self._each():
            columns = self._columns(batch, copy=False)
            if columns is None:
                yield self._one_by_one(batch)
            elif self.numbered:
                yield zip(batch.lines, *columns, strict=True)
            else:
                yield zip(*columns, strict=True)

    # -- a batch of good rows, column by column ----------------------------------------------
    def _columns(self, batch: Batch, *, copy: bool) -> list[Iterable[Any]] | None:
        """The columns of a batch (not the line), or None when a row needs a look.

        For COPY each value is its COPY text after a tab.
        """
        width = self.width
        flat = None if batch.undecodable or width < 2 else batch.flat(width)
        if flat is None:
            return None
        count = len(batch.lines)
        columns: list[Iterable[Any]] = []
        for cell in self.cells:
            column = flat[cell.position :: width]
            mapping: dict[str, Any] = {}
            for raw in set(column):
                found = cell.read(raw)
                if isinstance(found, str):
                    return None
                if copy:
                    found = tuple(
                        "\t" + COPY_TEXT[kind](value)
                        for kind, value in zip(cell.kinds, found, strict=True)
                    )
                mapping[raw] = found if cell.derive else found[0]
            if cell.derive:
                columns.extend(zip(*map(mapping.__getitem__, column), strict=True))
            else:
                columns.append(map(mapping.__getitem__, column))
        self.rows_total += count
        self.good += count
        return columns

    # -- a batch with something wrong in it, row by row ---------------------------------------
    def _one_by_one(self, batch: Batch) -> list[tuple[Any, ...]]:
        """The good rows of a batch; each bad row becomes an error with its line and column."""
        good: list[tuple[Any, ...]] = []
        errors = self.errors
        width = self.width
        for index, (line, values) in enumerate(zip(batch.lines, batch.values, strict=True)):
            if not values or (len(values) == 1 and not values[0].strip()):
                continue  # a blank line
            self.rows_total += 1
            if index in batch.undecodable:
                errors.append(
                    RowError(
                        line,
                        "-",
                        _("bytes that do not decode as %(encoding)s")
                        % {"encoding": self.stream.encoding},
                    )
                )
                continue
            if len(values) != width:
                errors.append(
                    RowError(
                        line,
                        "-",
                        _("expected %(expected)s fields, found %(found)s")
                        % {"expected": width, "found": len(values)},
                    )
                )
                continue
            row: list[Any] = [line] if self.numbered else []
            for cell in self.cells:
                found = cell.read(values[cell.position])
                if isinstance(found, str):
                    errors.append(RowError(line, cell.name, found))
                    break
                row.extend(found)
            else:
                good.append(tuple(row))
        self.good += len(good)
        return good


def sqlite_insert(table: str, columns: Sequence[str], rows: Iterable[tuple[Any, ...]]) -> None:
    """Insert rows with the driver's own ``executemany`` (Django's keeps every row of an iterator
    in memory until the statement ends)."""
    marks = ", ".join("?" * len(columns))
    connection.connection.executemany(
        f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", rows
    )


class CopySource:
    """A file-like ``COPY`` source over texts, for ``copy_expert``; ``error`` is what stopped
    the reading, if anything (the driver reports it as a failed COPY)."""

    def __init__(self, texts: Iterator[str]) -> None:
        self.texts = texts
        self.error: Exception | None = None

    def read(self, _size: int = -1) -> str:
        try:
            return next(self.texts, "")
        except Exception as exc:
            self.error = exc
            raise
