"""Migrations that production can run on a full database."""

from django.db import migrations
from django.db.migrations.loader import MigrationLoader

from refunds.migration_operations import AddIndexConcurrently


def test_an_index_on_a_table_that_holds_rows_is_built_concurrently():
    """An ``AddIndex`` on a table an earlier migration created would lock its writers for the
    whole build (minutes on the cases table at a million rows): it is ``AddIndexConcurrently``
    in a migration with ``atomic = False``. Indexes of a table created in the same migration
    are built while it is empty."""
    loader = MigrationLoader(None, ignore_no_migrations=True)
    blocking = []
    for (app, name), migration in sorted(loader.disk_migrations.items()):
        if app not in {"refunds", "accounts"}:
            continue
        created = {
            op.name.lower() for op in migration.operations if isinstance(op, migrations.CreateModel)
        }
        for op in migration.operations:
            if not isinstance(op, migrations.AddIndex) or op.model_name_lower in created:
                continue
            if not isinstance(op, AddIndexConcurrently) or migration.atomic:
                blocking.append(f"{app}.{name}: {op.index.name}")
    assert blocking == []
