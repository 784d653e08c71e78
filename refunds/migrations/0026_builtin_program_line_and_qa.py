"""The built-in program prints its own free-dial line (0120-78-8221, 9:00–18:00 every day) and
samples 5 % of its prepared cases for QA. Only values still at their blank defaults change: a
program an administrator already edited keeps what they set."""

import datetime

from django.db import migrations

CODE = "SONET-HIKARI-2010"


def forwards(apps, schema_editor):
    program = apps.get_model("refunds", "RemediationProgram")
    programs = program.objects.filter(code=CODE)
    programs.filter(free_dial_number="").update(free_dial_number="0120-78-8221")
    programs.filter(opens_at__isnull=True, closes_at__isnull=True).update(
        opens_at=datetime.time(9, 0), closes_at=datetime.time(18, 0)
    )
    programs.filter(qa_rate_percent=0).update(qa_rate_percent=5)


class Migration(migrations.Migration):
    dependencies = [("refunds", "0025_separation_of_duties")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
