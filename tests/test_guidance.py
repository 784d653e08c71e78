"""Talk scripts and the FAQ: seeded from the program, searchable, shown for the caller's
situation, edited by admins with an audit event."""

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from refunds.identity import answers_of
from refunds.models import AuditEvent, Guidance
from refunds.services import callcenter
from refunds.services.guidance import guidance_save
from tests.factories import CaseFactory, ContractFactory, MemberFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_the_built_in_program_brings_its_scripts_and_faq():
    situations = set(Guidance.objects.values_list("situation", flat=True))
    assert {"category_1", "category_2", "category_3", "unknown", "complaint", "third_party"} <= (
        situations
    )
    hours = Guidance.objects.get(situation="faq", title__contains="受付時間")
    assert "0120-78-8221" in hours.body and "9:00～18:00" in hours.body


def test_the_faq_is_searched_as_the_operator_types(staff_client):
    found = staff_client.get(reverse("refunds:guidance"), {"q": "委任状"}, HTTP_HX_REQUEST="true")
    page = found.content.decode()
    assert "家族が代わりに請求できますか" in page and "なぜ返金されるのですか" not in page
    assert "<html" not in page


def test_the_call_panel_shows_the_script_for_the_callers_situation(staff_client, staff_user):
    member = MemberFactory(phone="03-1111-2222")
    CaseFactory(contract=ContractFactory(member=member), category=2, status="notified")
    page = staff_client.get(member.get_absolute_url()).content.decode()
    panel = page.split('id="talk-scripts"')[1].split('id="faq-q"')[0]
    assert "区分2" in panel and "区分1" not in panel and "ご本人以外" not in panel
    callcenter.inquiry_start(
        user=staff_user,
        member=member,
        answers=answers_of(member, ["verified_name", "verified_phone"]),
        relation="family",
    )
    page = staff_client.get(member.get_absolute_url()).content.decode()
    assert "ご本人以外" in page.split('id="talk-scripts"')[1].split('id="faq-q"')[0]


def test_an_admin_edits_a_script_and_the_change_is_audited(admin_client_role, admin_user):
    entry = Guidance.objects.get(situation="complaint")
    response = admin_client_role.post(
        reverse("refunds:guidance_edit", args=[entry.pk]),
        {
            "situation": "complaint",
            "title": entry.title,
            "body": "新しい文面",
            "title_en": entry.title_en,
            "body_en": entry.body_en,
            "position": entry.position,
        },
    )
    assert response.status_code == 302
    entry.refresh_from_db()
    assert entry.body == "新しい文面" and entry.updated_by == admin_user
    event = AuditEvent.objects.get(action="guidance.changed")
    assert event.changes["body"][1] == "新しい文面" and set(event.changes) == {"body"}
    with pytest.raises(PermissionDenied):
        guidance_save(
            user=UserFactory(roles=["supervisor"]),
            data={"situation": "faq", "title": "x", "body": "y", "position": 0},
        )


def test_the_english_interface_shows_the_english_text_and_finds_it(staff_client):
    from django.utils import translation

    staff_client.cookies["django_language"] = "en"
    page = staff_client.get(reverse("refunds:guidance")).content.decode()
    assert "Who is affected?" in page and "0120-78-8221, 9:00 to 18:00" in page
    assert "対象になるのはどのような人ですか" not in page
    found = staff_client.get(reverse("refunds:guidance"), {"q": "letter of authority"})
    assert "Can a family member claim instead?" in found.content.decode()
    entry = Guidance.objects.create(situation="faq", title="英語のない質問", body="本文")
    with translation.override("en"):
        assert entry.shown_title == "英語のない質問"  # no English written: the Japanese text
    with translation.override("ja"):
        assert Guidance.objects.get(title__contains="受付時間").shown_title.startswith("問い合わせ")
