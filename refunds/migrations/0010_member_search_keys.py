"""Fill the members' search keys, and on PostgreSQL add trigram indexes for substring search."""

import re
import unicodedata

import jaconv
from django.db import migrations

# The search keys as this migration computes them (a snapshot of refunds.search.keys).
_GAPS_RE = re.compile(r"[\s\u3000・･]+")


def _name_key(text):
    return _GAPS_RE.sub("", unicodedata.normalize("NFKC", text))


def _kana_key(text):
    return jaconv.hira2kata(_name_key(text))


def _digits(text):
    return "".join(ch for ch in unicodedata.normalize("NFKC", text) if ch.isdigit())


TRIGRAM_INDEXES = {
    "member_kana_key_trgm": "kana_key",
    "member_name_key_trgm": "name_key",
}


def fill_search_keys(apps, schema_editor):
    Member = apps.get_model("refunds", "Member")
    batch = []
    for member in Member.objects.only("pk", "name", "name_kana", "phone").iterator(chunk_size=2000):
        member.name_key = _name_key(member.name)
        member.kana_key = _kana_key(member.name_kana)
        member.phone_digits = _digits(member.phone)
        member.phone_rev = _digits(member.phone)[::-1]
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
