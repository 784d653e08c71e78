"""Writing a file that only adds rows straight into its table, without a staging table.

The usual large delivery (a month of billing lines) only adds rows: no key of it is stored yet,
none appears twice and every reference exists. Such a file needs no set-based validation and no
upsert: its rows can go straight into the table while the file is read (``COPY`` on PostgreSQL,
so the database stores a batch while the next is parsed; ``executemany`` on SQLite). The table's
unique key proves the first two points as the rows go in, and the references are read once
beforehand (the rows need their ids anyway): a reference missing from them is unknown.

This runs in a savepoint. A key already stored or twice in the file (the unique key refuses the
row) or an unknown reference rolls the savepoint back, and the engine reads the file again
through the staging table, which finds and words every such row. Cell errors are the same on
both paths: they come from the same code (``rows.py``).

On PostgreSQL the ``COPY`` is cut into statements that grow from one batch to
``_COPY_BATCHES``: the database reports a refused row only at the end of a ``COPY``, so a file
whose first rows are already stored (a re-import) turns to the staging table after one batch.
"""

import itertools
from collections.abc import Iterable, Iterator
from typing import Any

from django.apps import apps
from django.db import IntegrityError, connection, models, transaction

from .reader import CsvStream
from .rows import Cell, CopySource, Rows, sqlite_insert
from .schema import Column, ImportSpec

_COPY_BATCHES = 16
_BYTES_PER_LINE = 16  # a data row takes at least this many bytes
MAX_REFERENCES = 500_000  # ids read whole at most, per reference (about 60 MB)
# Reading a referenced row costs a fraction of what writing a file's row does: the references
# are read whole when they are at most this many per line the file may have (a few corrections
# against a large table go through the staging table, which looks up only what they name).
REFERENCES_PER_LINE = 4


class NotOnlyAdding(Exception):
    """The file turns out to do more than add rows: it goes through the staging table."""


def _unique_key(model: type[models.Model], columns: tuple[str, ...]) -> bool:
    """Whether the table has a unique constraint on exactly these columns."""
    wanted = set(columns)
    meta = model._meta
    candidates: list[Iterable[str]] = [
        c.fields
        for c in meta.constraints
        if isinstance(c, models.UniqueConstraint) and c.fields and c.condition is None
    ]
    candidates += list(meta.unique_together)
    candidates += [(f.name,) for f in meta.concrete_fields if f.unique and not f.primary_key]
    return any({_column(meta.get_field(n)) for n in fields} == wanted for fields in candidates)


def _column(fld: Any) -> str | None:
    return getattr(fld, "column", None)


def _driver_integrity_error() -> type[Exception]:
    """The driver's own IntegrityError: ``copy_expert`` is the driver's, not wrapped by Django."""
    return connection.Database.IntegrityError  # type: ignore[attr-defined]


class DirectWrite:
    """The rows of a file that only adds rows, written straight into the table."""

    @classmethod
    def for_file(
        cls, spec: ImportSpec, present: list[Column], plans: list[Cell], stream: CsvStream
    ) -> "DirectWrite | None":
        """The direct write of this file, or None when it cannot take one.

        It needs a kind without cross-field checks (they compare with stored rows), a unique
        constraint on the key, and every column the table requires in the file.
        """
        if spec.checks or connection.vendor not in ("postgresql", "sqlite"):
            return None
        model = apps.get_model(spec.model)
        if not _unique_key(model, spec.target_key):
            return None
        columns = [
            name
            for col in present
            for name in (spec.target_column(col.name), *(d for d, _f in col.derived))
        ]
        for fld in model._meta.concrete_fields:
            if not (fld.primary_key or fld.null or fld.column in columns):
                return None
        return cls(spec, model._meta.db_table, columns, plans, stream.size // _BYTES_PER_LINE)

    def __init__(
        self,
        spec: ImportSpec,
        table: str,
        columns: list[str],
        plans: list[Cell],
        lines_at_most: int,
    ) -> None:
        self.table = table
        self.columns = columns
        self.postgres = connection.vendor == "postgresql"
        self.references = [ref for ref in spec.references if ref.column in {c.name for c in plans}]
        self.references_at_most = min(lines_at_most * REFERENCES_PER_LINE, MAX_REFERENCES)
        self.ids: dict[str, dict[str, int]] = {ref.column: {} for ref in self.references}
        self.cells = [self._resolving(cell) if cell.name in self.ids else cell for cell in plans]

    def _resolving(self, cell: Cell) -> Cell:
        """A reference column: the id of the row it names."""
        parse, ids = cell.convert, self.ids[cell.name]

        def convert(text: str) -> int:
            try:
                return ids[parse(text)]
            except KeyError:
                raise NotOnlyAdding from None

        return cell._replace(convert=convert, kinds=("integer",))

    def _read_references(self, cursor: Any) -> bool:
        """Read every row each reference may name; False when one table has too many."""
        for ref in self.references:
            cursor.execute(
                f"SELECT {ref.table_key}, id FROM {ref.table} LIMIT %s",
                [self.references_at_most + 1],
            )
            found = cursor.fetchall()
            if len(found) > self.references_at_most:
                return False
            self.ids[ref.column].update(found)
        return True

    def run(self, rows: Rows) -> bool:
        """Write every good row; False (and nothing written) when the file does more than add
        rows or its references are too many to read whole."""
        try:
            # A savepoint: a file that does more than add rows leaves nothing behind.
            with transaction.atomic(), connection.cursor() as django_cursor:
                cursor: Any = django_cursor
                if not self._read_references(cursor):
                    return False
                if self.postgres:
                    self._copy(cursor, rows.copy_texts())
                else:
                    sqlite_insert(
                        self.table, self.columns, itertools.chain.from_iterable(rows.tuples())
                    )
        except (NotOnlyAdding, IntegrityError, _driver_integrity_error()):
            return False
        return True

    def _copy(self, cursor: Any, texts: Iterator[str]) -> None:
        sql = f"COPY {self.table} ({', '.join(self.columns)}) FROM STDIN"
        batches = 1
        while True:
            first = next(texts, None)
            if first is None:
                return
            source = CopySource(itertools.chain((first,), itertools.islice(texts, batches - 1)))
            try:
                cursor.copy_expert(sql, source)
            except Exception:
                if source.error is not None:
                    raise source.error from None
                raise
            batches = min(batches * 2, _COPY_BATCHES)
