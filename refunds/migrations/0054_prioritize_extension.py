from django.db import migrations


def create_prioritize(apps, schema_editor):
    """The ``prioritize`` extension (refunds.dbpriority) where the server has it and the
    migrating role may create it (a superuser: the extension is not a trusted one); elsewhere
    nothing, and the heavy jobs' sessions keep the normal priority."""
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(
            "SELECT EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'prioritize')"
            " AND (SELECT rolsuper FROM pg_roles WHERE rolname = current_user)"
        )
        if cursor.fetchone()[0]:
            cursor.execute("CREATE EXTENSION IF NOT EXISTS prioritize")


class Migration(migrations.Migration):
    dependencies = [
        ("refunds", "0053_case_status_claimed_id"),
    ]

    operations = [
        migrations.RunPython(create_prioritize, migrations.RunPython.noop),
    ]
