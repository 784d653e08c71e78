import django.db.models.deletion
from django.db import migrations, models

# The cases' two run keys lose the indexes Django gave them (never looked up by; every new case
# paid for them). The names are Django's for these columns, the same on every database.
INDEXES = {
    "created_by_run_id": "refunds_case_created_by_run_id_cd4c39d5",
    "last_run_id": "refunds_case_last_run_id_219cec05",
}


def _concurrently(schema_editor):
    return " CONCURRENTLY" if schema_editor.connection.vendor == "postgresql" else ""


def drop_indexes(apps, schema_editor):
    for name in INDEXES.values():
        schema_editor.execute(f"DROP INDEX{_concurrently(schema_editor)} IF EXISTS {name}")


def create_indexes(apps, schema_editor):
    for column, name in INDEXES.items():
        schema_editor.execute(
            f"CREATE INDEX{_concurrently(schema_editor)} IF NOT EXISTS {name} "
            f"ON refunds_case ({column})"
        )


class Migration(migrations.Migration):
    # A built index is dropped without locking the table's readers and writers on PostgreSQL.
    atomic = False

    dependencies = [
        ("refunds", "0050_payment_item_batch_index"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="case",
                    name="created_by_run",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="refunds.detectionrun",
                    ),
                ),
                migrations.AlterField(
                    model_name="case",
                    name="last_run",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="refunds.detectionrun",
                    ),
                ),
            ],
            database_operations=[migrations.RunPython(drop_indexes, create_indexes)],
        ),
    ]
