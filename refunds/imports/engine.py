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
from dataclasses import dataclass, field
from typing import Any, BinaryIO

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
            if col.derived:
                self.columns.append(col.derived[0])
                self.types[col.derived[0]] = "text"
        self._indexed = False

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
            buf = io.StringIO("".join(_copy_line(row) for row in rows))
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
    def upsert(self, cursor: Any, good_rows: int) -> tuple[int, int, int]:
        """Insert new keys, update changed rows; return (created, updated, unchanged)."""
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
        params: list[Any] = []
        for fld in self.model._meta.concrete_fields:
            column = fld.column
            if column is None or column in select_of or fld.primary_key:
                continue
            if self.spec.timestamps and column in ("created_at", "updated_at"):
                select_of[column] = "%s"
                params.append(timezone.now())
            elif not fld.null:
                select_of[column] = "%s"
                params.append(fld.get_default() if fld.has_default() else "")
        insert_cols = ", ".join(select_of)
        select = ", ".join(select_of.values())
        conflict = ", ".join(self.spec.target_key)
        sets = [f"{c} = EXCLUDED.{c}" for c in updatable]
        if self.spec.timestamps:
            sets.append("updated_at = %s")
            params.append(timezone.now())
        if self.postgres:
            changed = (
                f"({', '.join(f'{self.table}.{c}' for c in updatable)}) IS DISTINCT FROM "
                f"({', '.join(f'EXCLUDED.{c}' for c in updatable)})"
            )
        else:
            changed = " OR ".join(f"{self.table}.{c} IS NOT excluded.{c}" for c in updatable)
        if not updatable:
            action = "DO NOTHING"
        else:
            action = f"DO UPDATE SET {', '.join(sets)} WHERE {changed}"
        insert = (
            f"INSERT INTO {self.table} ({insert_cols}) SELECT {select} FROM {self.name} s "
            f"{' '.join(joins)} WHERE {self._good('s')} ON CONFLICT ({conflict}) {action}"
        )
        if self.postgres:
            cursor.execute(
                f"WITH ups AS ({insert} RETURNING (xmax = 0) AS inserted) "
                "SELECT COUNT(*) FILTER (WHERE inserted), COUNT(*) FILTER (WHERE NOT inserted) "
                "FROM ups",
                params,
            )
            created, updated = cursor.fetchone()
        else:
            on = " AND ".join(
                f"t.{self.spec.target_column(k)} = {select_of[self.spec.target_column(k)]}"
                for k in self.spec.key
            )
            cursor.execute(
                f"SELECT COUNT(*) FROM {self.name} s {' '.join(joins)} "
                f"JOIN {self.table} t ON {on} WHERE {self._good('s')}"
            )
            existing = cursor.fetchone()[0]
            cursor.execute(insert, params)
            created = good_rows - existing
            updated = cursor.rowcount - created
        return created, updated, good_rows - created - updated


def _reference_error(ref: Reference) -> Callable[[tuple[Any, ...]], RowError]:
    def make(row: tuple[Any, ...]) -> RowError:
        return RowError(row[0], ref.column, f"{row[1]}: {ref.reason}")

    return make


def _check_error(check: CrossCheck) -> Callable[[tuple[Any, ...]], RowError]:
    def make(row: tuple[Any, ...]) -> RowError:
        return RowError(row[0], check.column, str(check.reason))

    return make


def _copy_value(value: Any) -> str:
    if value is None:
        return "\\N"
    if isinstance(value, str):
        if "\\" in value or "\t" in value or "\n" in value or "\r" in value:
            return (
                value.replace("\\", "\\\\")
                .replace("\t", "\\t")
                .replace("\n", "\\n")
                .replace("\r", "\\r")
            )
        return value
    return str(value)


def _copy_line(row: tuple[Any, ...]) -> str:
    return "\t".join(map(_copy_value, row)) + "\n"


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
        lengths = _max_lengths(spec, present)
        stage = _Stage(spec, present)
        plan = list(zip(present, indexes, strict=True))
        with connection.cursor() as cursor:
            stage.create(cursor)
            # DDL is transactional on both databases: a rollback also removes the stage.
            good = _stream_rows(
                stream, records, plan, width, lengths, stage, cursor, outcome, chunk_rows, progress
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
            outcome.created, outcome.updated, outcome.unchanged = stage.upsert(cursor, good)
            outcome.taken = True
            stage.drop(cursor)
    return outcome


def _stream_rows(
    stream: CsvStream,
    records: Iterable[Any],
    plan: list[tuple[Column, int]],
    width: int,
    lengths: dict[str, int],
    stage: _Stage,
    cursor: Any,
    outcome: ImportOutcome,
    chunk_rows: int,
    progress: ProgressCallback | None,
) -> int:
    """Parse every data record; stage the good ones; return how many were staged."""
    buffer: list[tuple[Any, ...]] = []
    staged = 0
    errors = outcome.errors
    for record in records:
        values = record.values
        if not values or (len(values) == 1 and not values[0].strip()):
            continue  # a blank line
        outcome.rows_total += 1
        if record.undecodable:
            errors.append(
                RowError(
                    record.line,
                    "-",
                    _("bytes that do not decode as %(encoding)s") % {"encoding": stream.encoding},
                )
            )
            continue
        if len(values) != width:
            errors.append(
                RowError(
                    record.line,
                    "-",
                    _("expected %(expected)s fields, found %(found)s")
                    % {"expected": width, "found": len(values)},
                )
            )
            continue
        row: list[Any] = [record.line]
        for col, idx in plan:
            text = values[idx].strip()
            if not text:
                if col.required:
                    errors.append(RowError(record.line, col.name, _("a value is required")))
                    break
                row.append(None if col.sql_type != "text" else "")
                if col.derived:
                    row.append("")
                continue
            try:
                value = col.parse(text)
            except CellError as exc:
                errors.append(RowError(record.line, col.name, str(exc)))
                break
            limit = lengths.get(col.name)
            if limit and len(value) > limit:
                errors.append(
                    RowError(
                        record.line,
                        col.name,
                        _("longer than %(limit)s characters") % {"limit": limit},
                    )
                )
                break
            row.append(value)
            if col.derived:
                row.append(col.derived[1](text))
        else:
            buffer.append(tuple(row))
            if len(buffer) >= chunk_rows:
                stage.load(cursor, buffer)
                staged += len(buffer)
                buffer = []
                if progress:
                    progress(stream.bytes_read, outcome.rows_total)
    stage.load(cursor, buffer)
    staged += len(buffer)
    if progress:
        progress(stream.bytes_read, outcome.rows_total)
    return staged
