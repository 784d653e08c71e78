"""Database triggers that refuse UPDATE and DELETE on the append-only tables.

The ORM already refuses to save an existing audit event or delete one; the triggers make the
database refuse it too, whatever client writes (a shell, a script, a second application).
"""

from django.db import migrations

APPEND_ONLY_TABLES = ("refunds_auditevent", "refunds_personaldataaccess")

PG_FUNCTION = """
CREATE OR REPLACE FUNCTION refunds_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP;
END
$$ LANGUAGE plpgsql
"""


def install(apps, schema_editor):
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(PG_FUNCTION)
            for table in APPEND_ONLY_TABLES:
                cursor.execute(
                    f"CREATE OR REPLACE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE "
                    f"ON {table} FOR EACH ROW EXECUTE FUNCTION refunds_append_only()"
                )
        elif connection.vendor == "sqlite":
            for table in APPEND_ONLY_TABLES:
                for operation in ("UPDATE", "DELETE"):
                    message = f"{table} is append-only: {operation} refused"
                    cursor.execute(
                        f"CREATE TRIGGER IF NOT EXISTS {table}_no_{operation.lower()} "
                        f"BEFORE {operation} ON {table} "
                        f"BEGIN SELECT RAISE(ABORT, '{message}'); END"
                    )


def remove(apps, schema_editor):
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        for table in APPEND_ONLY_TABLES:
            if connection.vendor == "postgresql":
                cursor.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
            elif connection.vendor == "sqlite":
                for operation in ("update", "delete"):
                    cursor.execute(f"DROP TRIGGER IF EXISTS {table}_no_{operation}")


class Migration(migrations.Migration):
    dependencies = [("refunds", "0012_review_and_payments")]

    operations = [migrations.RunPython(install, remove)]
