from django.db import migrations


def install(apps, schema_editor):
    from refunds import appendonly

    appendonly.install(schema_editor.connection)


def remove(apps, schema_editor):
    from refunds import appendonly

    appendonly.remove(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [("refunds", "0012_review_and_payments")]

    operations = [migrations.RunPython(install, remove)]
