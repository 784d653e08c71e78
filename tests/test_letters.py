"""Letters: the notice as a Japanese PDF, runs recorded as contact attempts, reminders."""

import datetime
import re
import shutil
import subprocess

import pytest
from django.urls import reverse
from django.utils import timezone

from refunds import policies
from refunds.models import AuditEvent, Case, ContactAttempt, LetterRun, LetterTemplate
from refunds.services import letters
from tests.factories import CaseFactory, ContractFactory, MemberFactory, UserFactory

pytestmark = pytest.mark.django_db


def _case(category=2, status="detected"):
    member = MemberFactory(
        name="佐藤　花子",
        postal_code="160-0022",
        address="東京都新宿区新宿1-2-3",
        status="withdrawn",
        withdrawn_on=datetime.date(2009, 8, 1),
    )
    case = CaseFactory(
        contract=ContractFactory(member=member, ended_on=datetime.date(2009, 6, 30)),
        category=category,
        status=status,
        amount_yen=6720,
    )
    case.evidence.create(
        period=datetime.date(2009, 7, 1), item="base_fee", amount_yen=6720, tariff_yen=6720
    )
    return case


def _pdf_text(pdf: bytes, tmp_path) -> str:
    if not shutil.which("pdftotext"):
        pytest.skip("needs poppler-utils (CI installs it)")
    path = tmp_path / "letter.pdf"
    path.write_bytes(pdf)
    out = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, check=True)
    return re.sub(r"[ \u3000]+", " ", out.stdout.decode())


def test_notice_reads_right(tmp_path):
    case = _case()
    text = _pdf_text(letters.letters_pdf([case], "notice"), tmp_path)
    for expected in (
        "お詫びとご返金のお知らせ",
        "佐藤 花子 様",
        "〒160-0022",
        "2009年7月",
        "6,720円",
        case.case_no,
        "0120-78-8221",  # the built-in program's line
        "09:00–18:00",
    ):
        assert expected in text, expected
    assert "お振込先" in text  # category 2: how to claim


def test_a_run_records_attempts_and_moves_detected_to_notified(tmp_path):
    cases = [_case() for _ in range(3)]
    user = UserFactory(roles=["staff"])
    run = letters.letters_send(case_ids=[c.pk for c in cases], user=user, kind="notice")
    pdf, count = run.file.read(), run.count
    assert count == 3 and pdf.startswith(b"%PDF")
    assert ContactAttempt.objects.filter(kind="letter").count() == 3
    assert set(Case.objects.values_list("status", flat=True)) == {"notified"}
    assert AuditEvent.objects.filter(action="case.notified").count() == 3


def test_two_reminders_at_most_after_the_set_days(settings):
    case = _case(status="notified")
    old = timezone.now() - datetime.timedelta(days=settings.REMINDER_AFTER_DAYS + 1)
    ContactAttempt.objects.create(case=case, member=case.member, kind="letter", sent_at=old)
    assert list(policies.reminders_due()) == [case]
    user = UserFactory(roles=["staff"])
    letters.letters_send(case_ids=[case.pk], user=user, kind="reminder")
    assert not policies.reminders_due().exists()  # the reminder is recent
    ContactAttempt.objects.filter(kind="reminder").update(sent_at=old)
    letters.letters_send(case_ids=[case.pk], user=user, kind="reminder")
    ContactAttempt.objects.filter(kind="reminder").update(sent_at=old)
    assert not policies.reminders_due().exists()  # two reminders sent


def test_a_run_is_chosen_and_previewed_before_it_is_printed(staff_client):
    kept = _case(category=1)
    chosen = [_case(category=2) for _ in range(2)]
    url = reverse("refunds:letters")
    choice = {"kind": "notice", "program": "", "category": "2", "limit": "500"}
    page = staff_client.get(url, choice).content.decode()
    assert "2 letters will be printed" in page or "2通を印刷" in page
    key = re.search(r'name="key" value="([0-9a-f]+)"', page).group(1)
    pdf = staff_client.get(url, {**choice, "pdf": "1"})
    assert pdf["Content-Type"] == "application/pdf"
    assert not ContactAttempt.objects.exists()  # the preview records nothing
    response = staff_client.post(url, {**choice, "key": key})
    assert response["Content-Type"] == "application/pdf"
    assert {c.status for c in Case.objects.filter(pk__in=[c.pk for c in chosen])} == {"notified"}
    assert Case.objects.get(pk=kept.pk).status == "detected"
    run = LetterRun.objects.get()
    assert (
        run.count == 2
        and run.category == 2
        and sorted(run.case_ids) == sorted(c.pk for c in chosen)
    )
    again = staff_client.get(reverse("refunds:letter_run_file", args=[run.pk]))
    assert b"".join(again.streaming_content) == run.file.open("rb").read()
    assert ContactAttempt.objects.count() == 2  # printing again records nothing


def test_a_run_whose_cases_changed_since_the_preview_is_not_printed(staff_client):
    _case()
    url = reverse("refunds:letters")
    choice = {"kind": "notice", "program": "", "category": "", "limit": "500"}
    key = re.search(
        r'name="key" value="([0-9a-f]+)"', staff_client.get(url, choice).content.decode()
    ).group(1)
    _case()  # another case became due meanwhile
    response = staff_client.post(url, {**choice, "key": key})
    assert response.status_code == 302 and not ContactAttempt.objects.exists()


def test_a_run_with_nothing_due_prints_nothing(staff_client):
    url = reverse("refunds:letters")
    choice = {"kind": "reminder", "program": "", "category": "", "limit": "500"}
    page = staff_client.get(url, choice).content.decode()
    assert 'id="print-run"' not in page
    response = staff_client.post(url, {**choice, "key": "0"})
    assert response.status_code == 302 and not LetterRun.objects.exists()


def test_admin_edits_the_text_and_a_broken_placeholder_is_refused(admin_client_role):
    url = reverse("refunds:letter_template", args=["notice"])
    bad = admin_client_role.post(url, {"subject": "x", "body": "{% if %}"})
    assert bad.status_code == 200 and LetterTemplate.objects.get(kind="notice").subject != "x"
    admin_client_role.post(url, {"subject": "お詫び", "body": "{{ member_name }} 様 {{ amount }}"})
    assert LetterTemplate.objects.get(kind="notice").subject == "お詫び"
    assert AuditEvent.objects.filter(action="letter_template.changed").exists()


def test_a_letter_that_asks_for_bank_details_encloses_the_claim_form(tmp_path):
    case = _case(category=2)
    text = _pdf_text(letters.letters_pdf([case], "notice"), tmp_path)
    assert "同封の返金請求書" in text
    assert text.count("返金請求書") >= 2  # the mention, and the form's own title
    for printed in (case.member.member_no, case.case_no, "口座名義（カナ）", "返送先"):
        assert printed in text, printed
    for sender in ("ソネット株式会社（見本）", "返金対応窓口", "〒100-0000"):
        assert sender in text, sender


def test_a_current_members_letter_has_no_claim_form():
    member = MemberFactory(status="active")
    case = CaseFactory(
        contract=ContractFactory(member=member, ended_on=datetime.date(2009, 6, 30)),
        category=1,
        status="detected",
        amount_yen=3402,
    )
    html = letters.render_letters_html([case], "notice")
    assert "同封の返金請求書" not in html and 'class="form"' not in html


def test_a_paid_cases_letter_says_it_was_paid():
    case = _case(category=2, status="approved")
    Case.objects.filter(pk=case.pk).update(
        status="paid",
        paid_at=timezone.make_aware(datetime.datetime(2026, 12, 9)),
        paid_amount_yen=6720,
    )
    case.refresh_from_db()
    html = letters.render_letters_html([case], "notice")
    assert "2026年12月9日" in html and "完了しております" in html
    assert "お振り込みいたします" not in html and 'class="form"' not in html


def test_production_prints_no_letter_with_the_example_sender(settings):
    from django.core.exceptions import ValidationError

    settings.LETTER_SENDER_REQUIRED = True
    with pytest.raises(ValidationError, match="LETTER_SENDER_COMPANY"):
        letters.render_letters_html([_case()], "notice")
    settings.LETTER_SENDER_COMPANY = "株式会社サンプル"
    settings.LETTER_SENDER_POSTAL_CODE = "141-0032"
    settings.LETTER_SENDER_ADDRESS = "東京都品川区大崎1-1-1"
    assert "株式会社サンプル" in letters.render_letters_html([_case()], "notice")


def test_a_returned_letter_leaves_the_member_out_until_the_address_changes(staff_client):
    from refunds import reports
    from refunds.models import ReturnedMail

    case = _case(category=2, status="detected")
    member = case.member
    url = reverse("refunds:member_mail_returned", args=[member.pk])
    response = staff_client.post(url, {"reason": "moved", "case": case.pk, "note": "転居"})
    assert response.status_code == 302
    returned = ReturnedMail.objects.get()
    assert (returned.address, returned.reason, returned.case) == (member.address, "moved", case)
    assert not policies.notices_due().filter(pk=case.pk).exists()
    assert AuditEvent.objects.filter(action="member.mail_returned").count() == 1
    page = staff_client.get(member.get_absolute_url()).content.decode()
    assert 'id="mail-returned"' in page
    queue = staff_client.get(reverse("refunds:returned_mail_list")).content.decode()
    assert member.member_no in queue
    figures = reports.progress_report()["total"]
    assert figures["mail_returned"]["count"] == 1
    # A new address (the import or a call) lifts it: the next run writes to it.
    type(member).objects.filter(pk=member.pk).update(address="大阪府大阪市北区梅田1-1-1")
    assert policies.notices_due().filter(pk=case.pk).exists()
    assert (
        member.member_no
        not in staff_client.get(reverse("refunds:returned_mail_list")).content.decode()
    )


def test_the_letters_due_come_from_the_stored_figures_with_their_time(
    staff_client, django_assert_max_num_queries
):
    from refunds.reports import refresh_dashboard

    for category in (1, 2, 2):
        _case(category=category)
    refresh_dashboard()
    _case(category=1)  # due after the figures were computed: counted at the next refresh
    url = reverse("refunds:letters")
    with django_assert_max_num_queries(12):
        page = staff_client.get(url).content.decode()

    def due(page: str) -> str:
        return re.search(r'id="notices-due">[^<0-9]*([0-9]+)', page).group(1)

    assert due(page) == "3" and 'id="letters-due-as-of"' in page
    refresh_dashboard()
    assert due(staff_client.get(url).content.decode()) == "4"


def test_a_name_with_markup_characters_is_printed_as_written():
    case = _case()
    case.member.name = "山田 & Co's <株>"
    case.member.save()
    html = letters.render_letters_html([case], "notice")
    assert "山田 &amp; Co&#x27;s &lt;株&gt;" in html
    assert "&amp;amp;" not in html and "&amp;#x27;" not in html
