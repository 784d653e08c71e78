"""Fill the members' search keys, and on PostgreSQL add trigram indexes for substring search."""

from django.db import migrations

TRIGRAM_INDEXES = {
    "member_kana_key_trgm": "kana_key",
    "member_name_key_trgm": "name_key",
}


def fill_search_keys(apps, schema_editor):
    from refunds.search import keys

    Member = apps.get_model("refunds", "Member")
    batch = []
    for member in Member.objects.only("pk", "name", "name_kana", "phone").iterator(chunk_size=2000):
        member.name_key = keys.name_key(member.name)
        member.kana_key = keys.kana_key(member.name_kana)
        member.phone_digits = keys.digits(member.phone)
        member.phone_rev = keys.reversed_digits(member.phone)
        batch.append(member)
        if len(batch) >= 2000:
            Member.objects.bulk_update(batch, ["name_key", "kana_key", "phone_digits", "phone_rev"])
            batch = []
    Member.objects.bulk_update(batch, ["name_key", "kana_key", "phone_digits", "phone_rev"])


def add_trigram_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, column in TRIGRAM_INDEXES.items():
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {name} ON refunds_member USING gin ({column} gin_trgm_ops)"
        )


def drop_trigram_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in TRIGRAM_INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("refunds", "0009_callcenter")]

    operations = [
        migrations.RunPython(fill_search_keys, migrations.RunPython.noop),
        migrations.RunPython(add_trigram_indexes, drop_trigram_indexes),
    ]
