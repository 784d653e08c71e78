"""The import engine: stream a CSV into a staging table, validate set-based, upsert in one go.

Python reads the file in batches and parses and normalises the cells column by column (``rows.py``;
errors name line and column). A file that only adds rows, of a kind without cross-field checks,
goes straight into its table (``direct.py``). Otherwise, or when the file turns out to do more,
the good rows go to a temporary staging table (one ``COPY`` fed while the file is read on
PostgreSQL, ``executemany`` on SQLite); duplicate keys, unknown references and cross-field checks
are then found with a few set-based queries; finally an ``UPDATE … FROM`` and an ``INSERT …
SELECT`` write what is new or different. Everything runs in one transaction: a rejected row
rolls it all back unless ``partial``.
"""

import gc
import itertools
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass, field
from typing import Any, BinaryIO

from django.apps import apps
from django.conf import settings
from django.db import connection, models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .direct import DirectWrite
from .errors import FileRefused, RowError, RowErrors
from .reader import Batch, CsvStream, detect_encoding
from .rows import Cell, CopySource, ProgressCallback, Rows, cells, read_header, sqlite_insert
from .schema import Column, CrossCheck, ImportSpec, Reference


@dataclass
class ImportOutcome:
    encoding: str
    rows_total: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: RowErrors = field(default_factory=lambda: RowErrors(settings.IMPORT_MAX_ERRORS))
    taken: bool = False
    # An all-or-nothing import stops reading once IMPORT_MAX_ERRORS rows are rejected: the
    # line it stopped after (0: read to the end).
    stopped_after_line: int = 0

    @property
    def rejected(self) -> int:
        return self.errors.lines

    def summary(self) -> str:
        stopped = (
            f" stopped_after_line={self.stopped_after_line}" if self.stopped_after_line else ""
        )
        return (
            f"created={self.created} updated={self.updated} "
            f"unchanged={self.unchanged} rejected={self.rejected}{stopped}"
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

    def load(self, cursor: Any, rows: Rows) -> None:
        """Stage every row of ``rows`` in one statement that runs while the file is read.

        On PostgreSQL one ``COPY`` reads its data as the batches are parsed, so the database
        stores a batch while the next one is parsed; on SQLite one ``executemany``. An exception
        raised while reading (a file refused) is raised as it is.
        """
        if self.postgres:
            source = CopySource(rows.copy_texts())
            try:
                cursor.copy_expert(
                    f"COPY {self.name} (line, {', '.join(self.columns)}) FROM STDIN", source
                )
            except Exception:
                if source.error is not None:
                    raise source.error from None
                raise
        else:
            sqlite_insert(
                self.name, ["line", *self.columns], itertools.chain.from_iterable(rows.tuples())
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
        self,
        cursor: Any,
        select: str,
        make_error: Callable[[tuple[Any, ...]], RowError],
        errors: RowErrors,
    ) -> int:
        """Add the rows ``select`` finds to ``errors`` (read in batches: a million bad rows are
        counted, not held); how many."""
        cursor.execute(select)
        found = 0
        while rows := cursor.fetchmany(2000):
            found += len(rows)
            errors.extend(map(make_error, rows))
        if found:
            self._mark_bad(cursor, select)
        return found

    def validate(self, cursor: Any, errors: RowErrors) -> int:
        """The set-based checks (duplicates, references, cross-field rules) into ``errors``;
        how many rows they rejected."""
        found = self._check_duplicates(cursor, errors)
        for ref in self.spec.references:
            found += self._check(
                cursor,
                f"SELECT s.line, s.{ref.column} FROM {self.name} s "
                f"LEFT JOIN {ref.table} r ON r.{ref.table_key} = s.{ref.column} "
                f"WHERE r.id IS NULL AND {self._good('s')}",
                _reference_error(ref),
                errors,
            )
        for check in self.spec.checks:
            values = self._resolved_values(check.uses)
            found += self._check(
                cursor,
                f"SELECT v.line FROM ({values}) v WHERE {check.condition}",
                _check_error(check),
                errors,
            )
        return found

    def _good(self, alias: str) -> str:
        return f"NOT {alias}.bad" if self.postgres else f"{alias}.bad = 0"

    def _check_duplicates(self, cursor: Any, errors: RowErrors) -> int:
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
            errors,
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
        """On PostgreSQL, for the checks and the write: the stage's statistics, memory to hash
        it (the duplicate check groups every staged key), and no nested loop into the target.

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


def _open(
    fh: BinaryIO, file_name: str, encoding: str, spec: ImportSpec
) -> tuple[CsvStream, list[Column], list[Cell], int, Iterator[Batch]]:
    """Read the file from its start up to the data: the stream, the columns and their plans."""
    fh.seek(0)
    stream = CsvStream(fh, file_name, encoding)
    header, batches = stream.read(settings.IMPORT_CHUNK_ROWS)
    present, indexes, width = read_header(stream, header, spec)
    return stream, present, cells(spec, present, indexes), width, batches


def run_import(
    *,
    spec: ImportSpec,
    fh: BinaryIO,
    file_name: str,
    encoding: str = "auto",
    partial: bool = False,
    progress: ProgressCallback | None = None,
) -> ImportOutcome:
    """Import one open binary file; raises ``FileRefused`` when the file as a whole is bad.

    A file that only adds rows goes straight into the table (``direct.py``) when the kind
    allows it; any other file, or one that turns out not to (a key already stored or twice in
    the file, an unknown reference), goes through the staging table from its first line again.
    """
    if encoding == "auto":
        encoding = detect_encoding(fh)
    with _without_cyclic_gc(), transaction.atomic():
        stream, present, plans, width, batches = _open(fh, file_name, encoding, spec)
        outcome = ImportOutcome(encoding=encoding)
        write = DirectWrite.for_file(spec, present, plans, stream)
        if write is not None:
            rows = Rows(
                stream,
                batches,
                write.cells,
                width,
                outcome.errors,
                numbered=False,
                progress=progress,
                stop_when_full=not partial,
            )
            if write.run(rows):
                return _finish(outcome, rows, partial, (rows.good, 0, 0))
            stream, present, plans, width, batches = _open(fh, file_name, encoding, spec)
            outcome = ImportOutcome(encoding=encoding)
        rows = Rows(
            stream,
            batches,
            plans,
            width,
            outcome.errors,
            progress=progress,
            stop_when_full=not partial,
        )
        stage = _Stage(spec, present)
        with connection.cursor() as cursor:
            stage.create(cursor)
            # DDL is transactional on both databases: a rollback also removes the stage.
            stage.load(cursor, rows)
            if rows.rows_total == 0:
                raise FileRefused(_("the file has a header but no data rows"))
            counts = (0, 0, 0)
            if not rows.stopped_after_line:  # a refused file needs no more checks
                with stage.bulk_settings(cursor):
                    set_based = stage.validate(cursor, outcome.errors)
                    if partial or not outcome.errors:
                        counts = stage.upsert(cursor, rows.good - set_based)
            stage.drop(cursor)
        return _finish(outcome, rows, partial, counts)


@contextmanager
def _without_cyclic_gc() -> Iterator[None]:
    """The rows are lists and strings without reference cycles, freed as soon as their batch is
    written: the cyclic collector would only walk every object of the process again and again
    (a tenth of the reading time)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _finish(
    outcome: ImportOutcome, rows: Rows, partial: bool, counts: tuple[int, int, int]
) -> ImportOutcome:
    """Inside the import's transaction: roll it back when a row was rejected (unless partial)."""
    outcome.rows_total = rows.rows_total
    outcome.stopped_after_line = rows.stopped_after_line
    if outcome.rows_total == 0:
        raise FileRefused(_("the file has a header but no data rows"))
    outcome.errors.sort()
    if outcome.errors and not partial:
        transaction.set_rollback(True)
        return outcome
    outcome.created, outcome.updated, outcome.unchanged = counts
    outcome.taken = True
    return outcome
