"""The member portal on a phone screen (390 × 844): members claim with the code from their
letter's PDF, a former member without a letter asks to be found and staff find the request,
and a code-guessing attacker is stopped while the member still gets in."""

import datetime
import re
import shutil
import subprocess

import pytest
from django.urls import reverse

from refunds import claimcodes
from refunds.models import Claim, PortalAttempt, PortalRequest
from refunds.services import letters
from tests.factories import CaseFactory, ContractFactory, MemberFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
BORN = datetime.date(1968, 3, 15)


@pytest.fixture
def phone(browser):
    """A fresh phone-sized browser, its console watched (an error fails the test)."""
    contexts, errors = [], []

    def open_phone(limited: bool = False, **headers):
        context = browser.new_context(
            viewport=PHONE,
            device_scale_factor=2,
            is_mobile=True,
            has_touch=True,
            extra_http_headers=headers or None,
        )
        contexts.append(context)
        page = context.new_page()

        def on_console(message) -> None:
            # A page refused for the limit is answered 429, which the console reports.
            if message.type == "error" and not (limited and "429" in message.text):
                errors.append(message.text)

        page.on("console", on_console)
        page.on("pageerror", lambda e: errors.append(str(e)))
        return page

    yield open_phone
    for context in contexts:
        context.close()
    assert errors == [], errors


def _member_case(category: int, *, active: bool, kana="ヤマダ　ハナコ"):
    member = MemberFactory(
        name="山田　花子",
        name_kana=kana,
        birth_date=BORN,
        status="active" if active else "withdrawn",
        withdrawn_on=None if active else datetime.date(2009, 8, 1),
        postal_code="160-0022",
        address="東京都新宿区新宿1-2-3",
    )
    case = CaseFactory(
        contract=ContractFactory(
            member=member, ended_on=None if active else datetime.date(2009, 6, 30)
        ),
        category=category,
        status="detected",
        amount_yen=6720,
    )
    case.evidence.create(
        period=datetime.date(2009, 7, 1), item="base_fee", amount_yen=6720, tariff_yen=6720
    )
    return case


def _code_from_letter_pdf(case, tmp_path) -> str:
    """Print the notice as the letters page does and read the code back from the PDF's text."""
    if not shutil.which("pdftotext"):
        pytest.skip("needs poppler-utils (CI installs it)")
    staff = UserFactory(username=f"printer-{case.pk}", roles=["staff"])
    run = letters.letters_send(case_ids=[case.pk], user=staff, kind="notice")
    path = tmp_path / f"letter-{case.pk}.pdf"
    path.write_bytes(run.file.open("rb").read())
    text = subprocess.run(
        ["pdftotext", str(path), "-"], capture_output=True, check=True
    ).stdout.decode()
    assert "お手続きコード" in text
    group = f"[{claimcodes.ALPHABET}]{{4}}"
    found = re.findall(rf"\b{group}-{group}-{group}-{group}\b", text)
    assert len(found) == 1, text
    return found[0]


def _sign_in(page, base: str, code: str, born=BORN):
    page.goto(f"{base}/claim/")
    page.fill("#id_code", code)
    page.select_option("#id_birth_year", str(born.year))
    page.select_option("#id_birth_month", str(born.month))
    page.select_option("#id_birth_day", str(born.day))
    page.click("main button[type=submit]")


def _fits(page) -> None:
    """Nothing wider than the phone: no sideways scrolling."""
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def test_a_category_two_member_claims_a_transfer_with_the_code_from_the_letter(
    live_server, phone, tmp_path
):
    case = _member_case(2, active=False)
    code = _code_from_letter_pdf(case, tmp_path)
    page = phone()
    _sign_in(page, live_server.url, code)
    page.wait_for_url(f"{live_server.url}/claim/case/")
    _fits(page)
    summary = page.inner_text(".case-summary")
    assert "6,720円" in summary and "2009年7月" in summary and case.case_no in summary
    assert re.search(r"\d{4}年\d{1,2}月\d{1,2}日まで", summary)  # when it is paid
    assert page.locator("input[value=bill_credit]").count() == 0  # transfer only
    page.screenshot(path=str(tmp_path / "portal-case.png"), full_page=True)
    page.fill("#id_bank_code", "0001")
    page.fill("#id_branch_code", "001")
    page.fill("#id_account_number", "1234567")
    page.fill("#id_holder_name", "やまだ はなこ")
    page.click("button[value=check]")
    # The bank and branch come back by name for the member to check.
    assert "みずほ" in page.inner_text("#confirm-bank")
    assert "東京営業部" in page.inner_text("#confirm-branch")
    _fits(page)
    page.click("button[value=submit]")
    page.wait_for_url(f"{live_server.url}/claim/done/")
    assert page.inner_text("#receipt-no") == case.case_no
    page.screenshot(path=str(tmp_path / "portal-done.png"), full_page=True)
    claim = Claim.objects.get(case=case)
    assert claim.channel == "web" and claim.holder_name == "ヤマダ　ハナコ"
    case.refresh_from_db()
    assert case.status == "claim_received"


def test_a_category_one_member_takes_the_bill_credit(live_server, phone, tmp_path):
    case = _member_case(1, active=True)
    code = _code_from_letter_pdf(case, tmp_path)
    page = phone()
    _sign_in(page, live_server.url, code.lower().replace("-", " "))  # as a person types it
    page.wait_for_url(f"{live_server.url}/claim/case/")
    page.check("input[value=bill_credit]")
    assert not page.locator(".bank-fields").is_visible()  # no bank details asked
    page.click("button[value=check]")
    page.click("button[value=submit]")
    page.wait_for_url(f"{live_server.url}/claim/done/")
    assert Claim.objects.get(case=case).method == "bill_credit"
    # Back on the case page with the same code: received, nothing to send again.
    page.goto(f"{live_server.url}/claim/case/")
    assert page.locator("#already-claimed").is_visible()
    assert page.locator("input[name=method]").count() == 0


def test_a_former_member_without_a_letter_files_a_request_that_staff_find(
    live_server, phone, login, tmp_path
):
    known = MemberFactory(
        name="鈴木　一郎",
        name_kana="スズキ　イチロウ",
        phone="090-1234-5678",
        birth_date=datetime.date(1960, 4, 1),
        status="withdrawn",
    )
    page = phone()
    page.goto(f"{live_server.url}/claim/")
    page.click(f"a[href='{reverse('portal:request')}']")
    page.fill("#id_name", "鈴木 一郎")
    page.fill("#id_name_kana", "スズキ イチロウ")
    page.select_option("#id_birth_year", "1960")
    page.select_option("#id_birth_month", "4")
    page.select_option("#id_birth_day", "1")
    page.fill("#id_phone", "090-1234-5678")
    page.fill("#id_postal_code", "1500001")
    page.fill("#id_address", "東京都渋谷区神宮前1-1-1")
    page.fill("#id_usage", "2005年から2008年まで光回線を使っていました。")
    _fits(page)
    page.click("main button[type=submit]")
    page.wait_for_url(f"{live_server.url}/claim/request/sent/")
    page.screenshot(path=str(tmp_path / "portal-request-sent.png"), full_page=True)
    request = PortalRequest.objects.get()

    UserFactory(username="floor-1", roles=["staff"])
    staff = login("floor-1")
    staff.goto(f"{live_server.url}{reverse('refunds:callback_list')}")
    staff.click(f"a[href='{request.inquiry.get_absolute_url()}']")
    details = staff.inner_text("#portal-request")
    assert "鈴木 一郎" in details and "09012345678" in details
    assert known.member_no in staff.inner_text("#portal-candidates")


def test_an_attacker_guessing_codes_is_stopped_and_the_member_still_claims(
    live_server, phone, settings, tmp_path
):
    settings.TRUSTED_PROXY_COUNT = 1  # the addresses come from the proxy's header
    settings.PORTAL_ADDRESS_RATE = "5/h"
    case = _member_case(2, active=False)
    code = _code_from_letter_pdf(case, tmp_path)
    attacker = phone(limited=True, **{"X-Forwarded-For": "203.0.113.66"})
    guesses = ["ACEF-GHJK-MNPR-TWX" + c for c in "3467889"]
    for guess in guesses:
        _sign_in(attacker, live_server.url, guess)
    outcome = attacker.locator("#outcome").get_attribute("data-outcome")
    assert outcome == "address_limited"
    assert "以降にもう一度お試し" in attacker.inner_text("#outcome")
    # Stopped even with the right code now.
    _sign_in(attacker, live_server.url, code)
    assert attacker.locator("#outcome").get_attribute("data-outcome") == "address_limited"
    attacker.screenshot(path=str(tmp_path / "portal-limited.png"), full_page=True)
    assert PortalAttempt.objects.filter(ip="203.0.113.66").count() == len(guesses) + 1

    member = phone(**{"X-Forwarded-For": "198.51.100.23"})
    _sign_in(member, live_server.url, code)
    member.wait_for_url(f"{live_server.url}/claim/case/")
    member.fill("#id_bank_code", "0001")
    member.fill("#id_branch_code", "001")
    member.fill("#id_account_number", "7654321")
    member.fill("#id_holder_name", "ヤマダ ハナコ")
    member.click("button[value=check]")
    member.click("button[value=submit]")
    member.wait_for_url(f"{live_server.url}/claim/done/")
    assert Claim.objects.filter(case=case, channel="web").count() == 1
