from django.db import migrations

from refunds.builtin import ensure_builtin_programs


def create_builtin_program(apps, schema_editor):
    ensure_builtin_programs(apps.get_model("refunds", "RemediationProgram"))


class Migration(migrations.Migration):
    dependencies = [("refunds", "0001_initial")]

    operations = [migrations.RunPython(create_builtin_program, migrations.RunPython.noop)]
