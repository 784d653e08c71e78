import datetime

from django.db import migrations

# The built-in program as this migration creates it (a snapshot; refunds.builtin keeps the
# current one and recreates it after every migrate if it is missing).
SONET_HIKARI_2010 = {
    "name": "So-net 光 with フレッツ 解約月基本料金の過請求 (2010)",
    "case_prefix": "SH10",
    "courses": ["HIKARI_FLETS"],
    "applied_on_or_after": datetime.date(2005, 4, 1),
    "cancel_requested_on_or_before": datetime.date(2009, 9, 16),
    "overcharge_items": ["base_fee"],
    "offset_items": ["refund"],
    "recent_leaver_from": datetime.date(2009, 6, 1),
    "second_approval_threshold_yen": 10000,
}


def create_builtin_program(apps, schema_editor):
    RemediationProgram = apps.get_model("refunds", "RemediationProgram")
    RemediationProgram.objects.get_or_create(
        code="SONET-HIKARI-2010", version=1, defaults=SONET_HIKARI_2010
    )


class Migration(migrations.Migration):
    dependencies = [("refunds", "0001_initial")]

    operations = [migrations.RunPython(create_builtin_program, migrations.RunPython.noop)]
