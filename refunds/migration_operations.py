"""Migration operations of the project's own.

``AddIndexConcurrently`` builds an index on a table that already holds rows without blocking its
writers: on PostgreSQL as ``CREATE INDEX CONCURRENTLY`` (``django.contrib.postgres``'s
operation; the migration sets ``atomic = False``), elsewhere (SQLite, the embedded default, which
has no such build) as a plain ``AddIndex``. ``RemoveIndexConcurrently`` drops one the same way
(``DROP INDEX CONCURRENTLY``, else ``RemoveIndex``). ``tests/test_migrations.py`` requires the
first for every index added to a table that an earlier migration created.

A concurrent build that fails (a duplicate in a unique index, a cancelled statement) leaves an
INVALID index behind: drop it (``DROP INDEX CONCURRENTLY <name>``) and run ``migrate`` again.
"""

from __future__ import annotations

from typing import Any

from django.contrib.postgres import operations as postgres
from django.db.migrations import AddIndex, RemoveIndex
from django.db.migrations.operations.base import Operation


class _ConcurrentlyOnPostgreSQL(Operation):
    """The concurrent operation on PostgreSQL; on any other database ``plain``, the operation
    it builds on."""

    plain: type[Operation]

    def database_forwards(
        self, app_label: str, schema_editor: Any, from_state: Any, to_state: Any
    ) -> None:
        if schema_editor.connection.vendor == "postgresql":
            super().database_forwards(app_label, schema_editor, from_state, to_state)
        else:
            self.plain.database_forwards(self, app_label, schema_editor, from_state, to_state)

    def database_backwards(
        self, app_label: str, schema_editor: Any, from_state: Any, to_state: Any
    ) -> None:
        if schema_editor.connection.vendor == "postgresql":
            super().database_backwards(app_label, schema_editor, from_state, to_state)
        else:
            self.plain.database_backwards(self, app_label, schema_editor, from_state, to_state)


class AddIndexConcurrently(_ConcurrentlyOnPostgreSQL, postgres.AddIndexConcurrently):
    """``CREATE INDEX CONCURRENTLY`` on PostgreSQL, ``AddIndex`` on any other database."""

    plain = AddIndex


class RemoveIndexConcurrently(_ConcurrentlyOnPostgreSQL, postgres.RemoveIndexConcurrently):
    """``DROP INDEX CONCURRENTLY`` on PostgreSQL, ``RemoveIndex`` on any other database."""

    plain = RemoveIndex
