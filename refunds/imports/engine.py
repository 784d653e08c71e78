"""The import engine: stream a CSV into a staging table, validate set-based, upsert in one go.

Per row, Python parses and normalises the cells (errors name line and column). The good rows go
to a temporary staging table (``COPY`` on PostgreSQL, ``executemany`` on SQLite); duplicate keys,
unknown references and cross-field checks are then found with a few set-based queries; finally
one ``INSERT … SELECT … ON CONFLICT DO UPDATE … WHERE <changed>`` writes what is new or different.
Everything runs in one transaction: a rejected row rolls it all back unless ``partial``.
"""

import io
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, BinaryIO, NamedTuple

from django.apps import apps
from django.conf import settings
from django.db import connection, models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .errors import FileRefused, RowError
from .normalize import CellError
from .reader import CsvStream, Record, detect_encoding
from .schema import Column, CrossCheck, ImportSpec, Reference

ProgressCallback = Callable[[int, int], None]  # (bytes read, rows read)


@dataclass
class ImportOutcome:
    encoding: str
    rows_total: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)
    taken: bool = False

    @property
    def rejected(self) -> int:
        return len({e.line for e in self.errors})

    def summary(self) -> str:
        return (
            f"created={self.created} updated={self.updated} "
            f"unchanged={self.unchanged} rejected={self.rejected}"
        )


class _Stage:
    """The temporary staging table of one import and the SQL that runs on it."""

    def __init__(self, spec: ImportSpec, present: Sequence[Column]) -> None:
        self.spec = spec
        self.present = list(present)
        self.model: type[models.Model] = apps.get_model(spec.model)
        self.table = self.model._meta.db_table
        self.name = f"import_stage_{uuid.uuid4().hex[:12]}"
        self.postgres = connection.vendor == "postgresql"
        self.columns: list[str] = []
        self.types: dict[str, str] = {}
        for col in self.present:
            self.columns.append(col.name)
            self.types[col.name] = col.sql_type
            for derived_name, _derive in col.derived:
                self.columns.append(derived_name)
                self.types[derived_name] = "text"
        self._indexed = False
        self._copy_kinds = ["integer"] + [self.types[c] for c in self.columns]  # line first

    # -- creation and loading ---------------------------------------------------------------
    def create(self, cursor: Any) -> None:
        cols = ", ".join(f"{c} {self.types[c]}" for c in self.columns)
        if self.postgres:
            cursor.execute(
                f"CREATE TEMP TABLE {self.name} (line integer NOT NULL, "
                f"bad boolean NOT NULL DEFAULT false, {cols}) ON COMMIT DROP"
            )
        else:
            cursor.execute(
                f"CREATE TEMP TABLE {self.name} (line integer PRIMARY KEY, "
                f"bad integer NOT NULL DEFAULT 0, {cols})"
            )
            self._indexed = True

    def drop(self, cursor: Any) -> None:
        if not self.postgres:
            cursor.execute(f"DROP TABLE IF EXISTS temp.{self.name}")

    def load(self, cursor: Any, rows: list[tuple[Any, ...]]) -> None:
        if not rows:
            return
        if self.postgres:
            buf = io.StringIO(_copy_text_of(rows, self._copy_kinds))
            cursor.copy_expert(
                f"COPY {self.name} (line, {', '.join(self.columns)}) FROM STDIN", buf
            )
        else:
            marks = ", ".join("?" * (len(self.columns) + 1))
            cursor.executemany(
                f"INSERT INTO {self.name} (line, {', '.join(self.columns)}) VALUES ({marks})",
                rows,
            )

    # -- validation ------------------------------------------------------------------------
    def _mark_bad(self, cursor: Any, select_lines: str, params: Sequence[Any] = ()) -> None:
        if not self._indexed:
            cursor.execute(f"CREATE INDEX ON {self.name} (line)")
            self._indexed = True
        true = "true" if self.postgres else "1"
        cursor.execute(
            f"UPDATE {self.name} SET bad = {true} WHERE line IN "
            f"(SELECT line FROM ({select_lines}) q)",
            params,
        )

    def _check(
        self, cursor: Any, select: str, make_error: Callable[[tuple[Any, ...]], RowError]
    ) -> list[RowError]:
        cursor.execute(select)
        found = [make_error(row) for row in cursor.fetchall()]
        if found:
            self._mark_bad(cursor, select)
        return found

    def validate(self, cursor: Any) -> list[RowError]:
        errors: list[RowError] = []
        errors += self._check_duplicates(cursor)
        for ref in self.spec.references:
            errors += self._check(
                cursor,
                f"SELECT s.line, s.{ref.column} FROM {self.name} s "
                f"LEFT JOIN {ref.table} r ON r.{ref.table_key} = s.{ref.column} "
                f"WHERE r.id IS NULL AND {self._good('s')}",
                _reference_error(ref),
            )
        for check in self.spec.checks:
            values = self._resolved_values(check.uses)
            errors += self._check(
                cursor,
                f"SELECT v.line FROM ({values}) v WHERE {check.condition}",
                _check_error(check),
            )
        return errors

    def _good(self, alias: str) -> str:
        return f"NOT {alias}.bad" if self.postgres else f"{alias}.bad = 0"

    def _check_duplicates(self, cursor: Any) -> list[RowError]:
        key = ", ".join(self.spec.key)
        on = " AND ".join(f"s.{k} = f.{k}" for k in self.spec.key)
        select = (
            f"SELECT s.line, f.first_line FROM {self.name} s JOIN "
            f"(SELECT {key}, MIN(line) AS first_line FROM {self.name} "
            f"GROUP BY {key} HAVING COUNT(*) > 1) f ON {on} WHERE s.line > f.first_line"
        )
        return self._check(
            cursor,
            select,
            lambda row: RowError(
                row[0], "-", _("duplicate key: same as line %(line)s") % {"line": row[1]}
            ),
        )

    def _resolved_values(self, uses: Iterable[str]) -> str:
        """Each used column from the file when it has it, else the stored value."""
        parts = ["s.line AS line"]
        for name in uses:
            parts.append(f"s.{name} AS {name}" if name in self.columns else f"t.{name} AS {name}")
        on = " AND ".join(f"t.{self.spec.target_column(k)} = s.{k}" for k in self.spec.key)
        return (
            f"SELECT {', '.join(parts)} FROM {self.name} s LEFT JOIN {self.table} t ON {on} "
            f"WHERE {self._good('s')}"
        )

    # -- writing ---------------------------------------------------------------------------
    def bulk_settings(self, cursor: Any) -> AbstractContextManager[None]:
        """On PostgreSQL: memory to hash the stage, and no nested loop into the target.

        The target's statistics may be stale (say it is empty while it holds millions of rows);
        a nested loop that scans it per staged row is then quadratic. Without nested loops the
        worst case is one scan of the target per statement: linear, whatever the statistics.
        """
        if not self.postgres:
            return nullcontext()
        cursor.execute(f"ANALYZE {self.name}")
        return _pg_settings(cursor, {"work_mem": "128MB", "enable_nestloop": "off"})

    def upsert(self, cursor: Any, good_rows: int) -> tuple[int, int, int]:
        """Update changed rows, then insert new keys; return (created, updated, unchanged).

        Two plain set-based statements (an ``UPDATE … FROM`` the stage, then an ``INSERT …
        SELECT … WHERE NOT EXISTS``) instead of one ``INSERT … ON CONFLICT``: no speculative
        insertion per row, and each statement's row count is what it did.
        """
        joins: list[str] = []
        select_of: dict[str, str] = {}
        for ref in self.spec.references:
            alias = f"r_{ref.column}"
            joins.append(f"JOIN {ref.table} {alias} ON {alias}.{ref.table_key} = s.{ref.column}")
            select_of[ref.target_column] = f"{alias}.id"
        for name in self.columns:
            target = self.spec.target_column(name)
            select_of.setdefault(target, f"s.{name}")
        updatable = [c for c in select_of if c not in self.spec.target_key]
        now = timezone.now()
        insert_params: list[Any] = []
        for fld in self.model._meta.concrete_fields:
            column = fld.column
            if column is None or column in select_of or fld.primary_key:
                continue
            if self.spec.timestamps and column in ("created_at", "updated_at"):
                select_of[column] = "%s"
                insert_params.append(now)
            elif not fld.null:
                select_of[column] = "%s"
                insert_params.append(fld.get_default() if fld.has_default() else "")
        source = f"{self.name} s {' '.join(joins)}"
        same_key = " AND ".join(f"t.{c} = {select_of[c]}" for c in self.spec.target_key)
        good = self._good("s")

        updated = 0
        if updatable:
            sets = [f"{c} = {select_of[c]}" for c in updatable]
            update_params: list[Any] = []
            if self.spec.timestamps:
                sets.append("updated_at = %s")
                update_params.append(now)
            if self.postgres:
                changed = (
                    f"({', '.join(f't.{c}' for c in updatable)}) IS DISTINCT FROM "
                    f"({', '.join(select_of[c] for c in updatable)})"
                )
            else:
                changed = " OR ".join(f"t.{c} IS NOT {select_of[c]}" for c in updatable)
            cursor.execute(
                f"UPDATE {self.table} AS t SET {', '.join(sets)} FROM {source} "
                f"WHERE {same_key} AND {good} AND ({changed})",
                update_params,
            )
            updated = cursor.rowcount
        cursor.execute(
            f"INSERT INTO {self.table} ({', '.join(select_of)}) "
            f"SELECT {', '.join(select_of.values())} FROM {source} WHERE {good} "
            f"AND NOT EXISTS (SELECT 1 FROM {self.table} t WHERE {same_key})",
            insert_params,
        )
        created = cursor.rowcount
        return created, updated, good_rows - created - updated


@contextmanager
def _pg_settings(cursor: Any, settings_: dict[str, str]) -> Iterator[None]:
    """PostgreSQL settings for a few statements of this transaction, then the previous ones."""
    names = list(settings_)
    cursor.execute(f"SELECT {', '.join('current_setting(%s)' for _name in names)}", names)
    previous = cursor.fetchone()
    for name, value in settings_.items():
        cursor.execute("SELECT set_config(%s, %s, true)", [name, value])
    try:
        yield
    finally:
        for name, value in zip(names, previous, strict=True):
            cursor.execute("SELECT set_config(%s, %s, true)", [name, value])


def _reference_error(ref: Reference) -> Callable[[tuple[Any, ...]], RowError]:
    def make(row: tuple[Any, ...]) -> RowError:
        return RowError(row[0], ref.column, f"{row[1]}: {ref.reason}")

    return make


def _check_error(check: CrossCheck) -> Callable[[tuple[Any, ...]], RowError]:
    def make(row: tuple[Any, ...]) -> RowError:
        return RowError(row[0], check.column, str(check.reason))

    return make


def _copy_text(value: str | None) -> str:
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


def _copy_integer(value: int | None) -> str:
    return "\\N" if value is None else str(value)


def _copy_date(value: str | None) -> str:
    """A date is staged as ISO text already (see ``_staged``): never needs escaping."""
    return "\\N" if value is None else value


def _copy_column(kind: str, values: tuple[Any, ...]) -> Iterable[str]:
    """One staged column as COPY text fields: a column-wide check, a conversion per value only
    where needed (NULLs, integers, text with a backslash, tab or line break)."""
    nulls = None in values
    if kind == "integer":
        return map(_copy_integer, values) if nulls else map(str, values)
    if kind == "date":  # ISO text already
        return map(_copy_date, values) if nulls else values
    if nulls:
        return map(_copy_text, values)
    joined = "".join(values)
    if "\\" in joined or "\t" in joined or "\n" in joined or "\r" in joined:
        return map(_copy_text, values)
    return values


def _copy_text_of(rows: list[tuple[Any, ...]], kinds: list[str]) -> str:
    """Rows in PostgreSQL's COPY text format, converted column by column."""
    columns = [_copy_column(k, v) for k, v in zip(kinds, zip(*rows, strict=True), strict=True)]
    return "\n".join(map("\t".join, zip(*columns, strict=True))) + "\n"


def _read_header(
    stream: CsvStream, records: Iterator[Record], spec: ImportSpec
) -> tuple[list[Column], list[int], int]:
    header = next(records, None)
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
            lengths[col.name] = fld.max_length  # type: ignore[assignment]
    return lengths


class _Cell(NamedTuple):
    """How one file column becomes staged values, settled once before the rows are read."""

    position: int  # index of the value in the record
    name: str
    convert: Callable[[str], Any]  # stripped, non-empty text -> staged value (or CellError)
    required: bool
    empty: Any  # staged for an empty cell: NULL, or "" in a text column
    limit: int  # longest allowed value, 0 for no limit
    # The derived columns' values from the text, and what they are for an empty cell.
    derive: Callable[[str], tuple[Any, ...]] | None
    derive_empty: tuple[str, ...]


def _iso_date(parse: Callable[[str], Any]) -> Callable[[str], str]:
    """A date column is staged as ISO text: the same for both databases, no adapter per value."""

    @lru_cache(maxsize=65536)
    def convert(text: str) -> str:
        return parse(text).isoformat()  # type: ignore[no-any-return]

    return convert


def _derive_all(col: Column) -> Callable[[str], tuple[Any, ...]] | None:
    if not col.derived:
        return None
    functions = [derive for _name, derive in col.derived]
    return lambda text: tuple(derive(text) for derive in functions)


def _cells(spec: ImportSpec, present: Sequence[Column], indexes: Sequence[int]) -> list[_Cell]:
    lengths = _max_lengths(spec, present)
    return [
        _Cell(
            position=idx,
            name=col.name,
            convert=_iso_date(col.parse) if col.sql_type == "date" else col.parse,
            required=col.required,
            empty="" if col.sql_type == "text" else None,
            limit=lengths.get(col.name, 0),
            derive=_derive_all(col),
            derive_empty=("",) * len(col.derived),
        )
        for col, idx in zip(present, indexes, strict=True)
    ]


def run_import(
    *,
    spec: ImportSpec,
    fh: BinaryIO,
    file_name: str,
    encoding: str = "auto",
    partial: bool = False,
    progress: ProgressCallback | None = None,
) -> ImportOutcome:
    """Import one open binary file; raises ``FileRefused`` when the file as a whole is bad."""
    if encoding == "auto":
        encoding = detect_encoding(fh)
    fh.seek(0)
    outcome = ImportOutcome(encoding=encoding)
    stream = CsvStream(fh, file_name, encoding)
    chunk_rows: int = settings.IMPORT_CHUNK_ROWS
    with transaction.atomic():
        records = stream.records()
        present, indexes, width = _read_header(stream, records, spec)
        cells = _cells(spec, present, indexes)
        stage = _Stage(spec, present)
        with connection.cursor() as cursor:
            stage.create(cursor)
            # DDL is transactional on both databases: a rollback also removes the stage.
            good = _stream_rows(
                stream, records, cells, width, stage, cursor, outcome, chunk_rows, progress
            )
            if outcome.rows_total == 0:
                raise FileRefused(_("the file has a header but no data rows"))
            set_based_errors = stage.validate(cursor)
            good -= len(set_based_errors)
            outcome.errors += set_based_errors
            outcome.errors.sort()
            if outcome.errors and not partial:
                transaction.set_rollback(True)
                return outcome
            with stage.bulk_settings(cursor):
                counts = stage.upsert(cursor, good)
            outcome.created, outcome.updated, outcome.unchanged = counts
            outcome.taken = True
            stage.drop(cursor)
    return outcome


def _stream_rows(
    stream: CsvStream,
    records: Iterable[Record],
    cells: list[_Cell],
    width: int,
    stage: _Stage,
    cursor: Any,
    outcome: ImportOutcome,
    chunk_rows: int,
    progress: ProgressCallback | None,
) -> int:
    """Parse every data record; stage the good ones; return how many were staged."""
    buffer: list[tuple[Any, ...]] = []
    staged = 0
    rows_total = 0
    errors = outcome.errors
    for record in records:
        values = record.values
        if not values or (len(values) == 1 and not values[0].strip()):
            continue  # a blank line
        rows_total += 1
        line = record.line
        if record.undecodable:
            errors.append(
                RowError(
                    line,
                    "-",
                    _("bytes that do not decode as %(encoding)s") % {"encoding": stream.encoding},
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
        row: list[Any] = [line]
        for position, name, convert, required, empty, limit, derive, derive_empty in cells:
            text = values[position].strip()
            if not text:
                if required:
                    errors.append(RowError(line, name, _("a value is required")))
                    break
                row.append(empty)
                if derive:
                    row.extend(derive_empty)
                continue
            try:
                value = convert(text)
            except CellError as exc:
                errors.append(RowError(line, name, str(exc)))
                break
            if limit and len(value) > limit:
                errors.append(
                    RowError(line, name, _("longer than %(limit)s characters") % {"limit": limit})
                )
                break
            row.append(value)
            if derive:
                row.extend(derive(text))
        else:
            buffer.append(tuple(row))
            if len(buffer) >= chunk_rows:
                stage.load(cursor, buffer)
                staged += len(buffer)
                buffer = []
                if progress:
                    outcome.rows_total = rows_total
                    progress(stream.bytes_read, rows_total)
    stage.load(cursor, buffer)
    staged += len(buffer)
    outcome.rows_total = rows_total
    if progress:
        progress(stream.bytes_read, rows_total)
    return staged
