"""The message catalogues: Japanese is complete, and every compiled .mo matches its .po.

After ``makemessages``, translate the new entries in ``locale/ja/LC_MESSAGES/django.po``
and run ``python manage.py compilemessages --ignore=.venv``.
"""

from pathlib import Path

import polib
import pytest

LOCALE_DIR = Path(__file__).resolve().parent.parent / "locale"
JA_PO = LOCALE_DIR / "ja" / "LC_MESSAGES" / "django.po"
CATALOGUES = sorted(LOCALE_DIR.glob("*/LC_MESSAGES/django.po"))


def _label(entry: polib.POEntry) -> str:
    where = ", ".join(f"{path}:{line}" if line else path for path, line in entry.occurrences)
    context = f"[{entry.msgctxt}] " if entry.msgctxt is not None else ""
    return f"{context}{entry.msgid!r} ({where or 'no reference'})"


def _messages(entries) -> dict[tuple, object]:
    """Translated entries keyed by context and ids, without the header."""
    messages: dict[tuple, object] = {}
    for entry in entries:
        if entry.msgid == "" and entry.msgctxt is None:
            continue
        key = (entry.msgctxt, entry.msgid, entry.msgid_plural or None)
        if entry.msgid_plural:
            messages[key] = {int(n): text for n, text in entry.msgstr_plural.items()}
        else:
            messages[key] = entry.msgstr
    return messages


def test_the_catalogues_are_found():
    assert JA_PO in CATALOGUES, f"no {JA_PO}"


def test_every_japanese_entry_is_translated_and_not_fuzzy():
    po = polib.pofile(str(JA_PO))
    problems = [f"fuzzy: {_label(e)}" for e in po.fuzzy_entries()]
    problems += [f"untranslated: {_label(e)}" for e in po.untranslated_entries()]
    if po.metadata_is_fuzzy:
        problems.insert(0, "fuzzy: the header")
    assert not problems, f"{JA_PO.relative_to(LOCALE_DIR.parent)}:\n" + "\n".join(problems)


@pytest.mark.parametrize("po_path", CATALOGUES, ids=lambda p: p.parent.parent.name)
def test_the_compiled_catalogue_matches_the_po(po_path: Path):
    mo_path = po_path.with_suffix(".mo")
    assert mo_path.exists(), f"{mo_path} is missing: run compilemessages"
    po = polib.pofile(str(po_path))
    expected = _messages(po.translated_entries())
    compiled = _messages(polib.mofile(str(mo_path)))
    stale = {
        "missing from the .mo": sorted(repr(k[1]) for k in expected.keys() - compiled.keys()),
        "only in the .mo": sorted(repr(k[1]) for k in compiled.keys() - expected.keys()),
        "translated differently": sorted(
            repr(k[1]) for k in expected.keys() & compiled.keys() if expected[k] != compiled[k]
        ),
    }
    report = "\n".join(f"{what}: {', '.join(ids)}" for what, ids in stale.items() if ids)
    assert not report, f"{mo_path} is stale; run compilemessages.\n{report}"
    assert polib.mofile(str(mo_path)).metadata.get("Plural-Forms") == po.metadata.get(
        "Plural-Forms"
    ), f"{mo_path} has other Plural-Forms than its .po; run compilemessages"


@pytest.mark.django_db
def test_history_and_billing_read_in_words_not_codes(supervisor_client):
    """No raw code on the case page: states, event changes, course, plan and items in words."""
    import datetime

    from refunds.models import AuditEvent, BillingLine
    from refunds.models.audit import AuditAction
    from refunds.services.audit import audit_record
    from tests.factories import CaseFactory

    case = CaseFactory(status="detected")
    BillingLine.objects.create(
        contract=case.contract, period=datetime.date(2009, 7, 1), item="base_fee", amount_yen=6720
    )
    audit_record(
        actor=None,
        action=AuditAction.CASE_NOTIFIED,
        obj=case,
        changes={"status": [None, "detected"], "letter": "notice"},
    )
    supervisor_client.cookies["django_language"] = "ja"
    page = supervisor_client.get(case.get_absolute_url()).content.decode()
    assert "ステータス: — → 検出" in page or "ステータス: — →" in page
    assert "status: [" not in page and "[None, " not in page
    assert "基本料金" in page and ">base_fee<" not in page
    assert "HIKARI_FLETS" not in page
    assert "通知書: お詫びとご返金のお知らせ" in page and ": notice" not in page
    assert AuditEvent.objects.filter(object_id=str(case.pk)).exists()


@pytest.mark.django_db
def test_error_pages_speak_the_users_language_and_say_why(staff_client):
    """403 and 404 in the user's language with the reason; no bare English "403 Forbidden"."""
    from tests.factories import CaseFactory

    staff_client.cookies["django_language"] = "ja"
    forbidden = staff_client.get("/audit/")
    assert forbidden.status_code == 403
    page = forbidden.content.decode()
    assert 'id="error-page"' in page and "403 Forbidden" not in page and 'lang="ja"' in page
    missing = staff_client.get("/cases/999999999/")
    assert missing.status_code == 404 and 'id="error-page"' in missing.content.decode()
    case = CaseFactory()
    letter = staff_client.get(f"/cases/{case.pk}/letter.pdf")  # no identity check yet
    assert letter.status_code == 403
    assert "本人確認" in letter.content.decode()


def test_template_text_written_in_python_is_in_the_catalogue():
    """``makemessages`` reads a ``.py`` file's ``gettext`` calls, not a ``{% translate %}`` in a
    template string written in Python (a table's column): each such text must be in the
    Japanese catalogue, translated (the programs' "Edit" link once showed in English)."""
    import re

    translated = {
        entry.msgid for entry in polib.pofile(str(JA_PO)) if entry.msgstr and not entry.msgctxt
    }
    pattern = re.compile(r'\{%\s*trans(?:late)?\s+"([^"]+)"')
    assert pattern.findall('x = "{% load i18n %}{% translate "Re-check" %}"') == ["Re-check"]
    root = LOCALE_DIR.parent
    for package in ("refunds", "accounts", "portal", "config"):
        for path in (root / package).rglob("*.py"):
            for msgid in pattern.findall(path.read_text()):
                assert msgid in translated, f"{msgid!r} in {path.relative_to(root)}"


def test_the_programs_list_speaks_japanese_to_an_admin(db):
    from django.test import Client

    from tests.conftest import _client_for
    from tests.factories import CaseFactory, UserFactory

    CaseFactory()
    client: Client = _client_for(UserFactory(roles=["admin"]))
    page = client.get("/programs/", HTTP_ACCEPT_LANGUAGE="ja").content.decode()
    assert ">編集</a>" in page and ">Edit</a>" not in page
