"""A call, as an operator takes it: find, verify, answer, log, take the bank details."""

import datetime
import zoneinfo

import pytest

from refunds.models import AuditEvent, Case, Claim, Inquiry
from tests.factories import CaseFactory, ContractFactory, MemberFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
TOKYO = zoneinfo.ZoneInfo("Asia/Tokyo")


def test_one_call_from_search_to_claim(live_server, login):
    member = MemberFactory(
        name="清水　誠",
        name_kana="シミズ　マコト",
        status="withdrawn",
        joined_on=datetime.date(2005, 1, 1),
        withdrawn_on=datetime.date(2008, 10, 31),
        birth_date=datetime.date(1961, 3, 3),
        phone="03-5555-0101",
    )
    MemberFactory(name="清水　誠", name_kana="シミズ　マコト", birth_date=datetime.date(1990, 1, 1))
    contract = ContractFactory(member=member, ended_on=datetime.date(2008, 10, 31))
    case = CaseFactory(contract=contract, category=3, status="awaiting_claim", amount_yen=6720)
    UserFactory(username="operator", roles=["staff"])
    page = login("operator")

    # Search by half-width kana from the box in the header.
    page.fill(".js-global-search", "ｼﾐｽﾞ ﾏｺﾄ")
    page.press(".js-global-search", "Enter")
    page.wait_for_selector("table.search-results")
    assert page.locator("table.search-results tbody tr").count() == 2
    # Keyboard only: ↓ from the box to the first result (the namesakes sort by number), Enter.
    page.focus("#search-q")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    page.wait_for_selector("#call-panel")
    assert member.member_no in page.inner_text("main")
    assert "6,720" not in page.inner_text("#member-cases")

    # Identity: the operator types what the caller says; a wrong birth date fails the check.
    page.fill("#id_verified_name", "しみず まこと")
    page.fill("#id_verified_birth_date", "1961-03-04")
    page.click("#identity-form button[type=submit]")
    page.wait_for_selector("#close-form")
    assert "6,720" not in page.inner_text("#member-cases")
    assert page.locator("#identity-results .text-danger").count() == 1
    assert "1961-03-03" not in page.inner_text("main")  # the stored value is never shown
    page.fill("#id_verified_name", "清水 誠")
    page.fill("#id_verified_birth_date", "1961-03-03")
    page.click("#identity-form button[type=submit]")
    page.wait_for_selector("#identity-status.text-bg-success")
    assert "6,720" in page.inner_text("#member-cases")

    # Take the bank details.
    page.click(f"a[href='/cases/{case.pk}/claim/']")
    page.wait_for_selector("#payee-form")
    page.fill("#id_bank_code", "0001")
    page.fill("#id_branch_code", "001")
    page.fill("#id_account_number", "1234567")
    page.fill("#id_holder_name", "ｼﾐｽﾞ ﾏｺﾄ")
    page.click("#payee-form button[type=submit]")
    page.wait_for_selector("#close-form")
    assert "みずほ" in page.inner_text("#member-cases")

    # Log the inquiry and end it.
    page.select_option("#close-form select[name=reason]", "amount")
    page.select_option("#close-form select[name=outcome]", "claim_taken")
    page.fill("#close-form textarea[name=note]", "Told the amount; bank details taken.")
    page.click("#close-form button[type=submit]")
    page.wait_for_selector("#identity-form")

    case.refresh_from_db()
    assert case.status == "claim_received"
    claim = Claim.objects.get(case=case)
    assert claim.holder_name == "シミズ　マコト" and claim.bank_name == "みずほ"
    inquiry = Inquiry.objects.get(member=member)
    assert inquiry.identity_verified and inquiry.reason == "amount" and inquiry.ended_at
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"inquiry.started", "claim.recorded", "case.claim_received", "inquiry.closed"} <= actions


def test_after_hours_message_becomes_a_callback_at_nine(live_server, login):
    UserFactory(username="operator2", roles=["staff"])
    page = login("operator2")
    page.goto(f"{live_server.url}/inquiries/new/")
    page.select_option("select[name=reason]", "when_paid")
    page.fill("textarea[name=note]", "Message left at 20:40: when will I be paid?")
    page.fill("input[name=caller_phone]", "090-1234-0000")
    page.fill("input[name=started_at]", "2010-11-05T20:40")
    page.check("input[name=callback_requested]")
    page.click("main form button[type=submit]")
    page.wait_for_selector("#callback-due")
    assert "2010-11-06 09:00" in page.inner_text("#callback-due")
    inquiry = Inquiry.objects.get()
    assert inquiry.callback_due_at == datetime.datetime(2010, 11, 6, 9, 0, tzinfo=TOKYO)
    page.goto(f"{live_server.url}/callbacks/")
    assert "090-1234-0000" in page.inner_text("main")
    assert Case.objects.count() == 0


def test_a_category_1_call_in_at_most_ten_actions(live_server, login):
    """Find by phone digits and name, verify two items, read the answer, take the bill credit,
    close: every click and every key that submits is counted."""
    member = MemberFactory(
        name="長谷川　花子",
        name_kana="ハセガワ　ハナコ",
        phone="092-479-5938",
        birth_date=datetime.date(1968, 2, 29),
    )
    MemberFactory(name="長谷川　一郎", name_kana="ハセガワ　イチロウ", phone="03-1111-5938")
    case = CaseFactory(
        contract=ContractFactory(member=member), category=1, status="notified", amount_yen=3570
    )
    UserFactory(username="operator-c1", roles=["staff"])
    page = login("operator-c1")
    actions = 0

    page.fill(".js-global-search", "5938 ﾊｾｶﾞﾜ ﾊﾅｺ")
    page.press(".js-global-search", "Enter")
    actions += 1
    page.wait_for_selector("table.search-results")
    assert page.locator("table.search-results tbody tr").count() == 1
    page.focus("#search-q")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    actions += 1
    page.wait_for_selector("#call-panel")
    # The cursor waits in the identity check; two answers, one submit.
    assert page.evaluate("document.activeElement.id") == "id_verified_name"
    page.keyboard.type("はせがわ はなこ")
    page.fill("#id_verified_birth_date", "1968-02-29")
    page.press("#id_verified_birth_date", "Enter")
    actions += 1
    page.wait_for_selector("#identity-status.text-bg-success")
    answer = page.inner_text(".caller-answer")
    assert "次回のご請求額から差し引かせていただきます" in answer  # read aloud

    page.click(f"a[href='/cases/{case.pk}/claim/']")
    actions += 1
    page.wait_for_selector("#payee-form")
    assert page.is_checked("input[name=method][value=bill_credit]")  # category 1's payout
    page.click("#payee-form button[type=submit]")
    actions += 1
    page.wait_for_selector("#close-form")

    page.select_option("#close-form select[name=reason]", "when_paid")
    page.select_option("#close-form select[name=outcome]", "claim_taken")
    actions += 2
    page.click("#close-form button[type=submit]")
    actions += 1
    page.wait_for_selector("#identity-form")

    claim = Claim.objects.get(case=case)
    assert claim.method == "bill_credit" and claim.credit_contract is None
    assert Inquiry.objects.get(member=member).ended_at is not None
    assert actions <= 10, actions
    print(f"category-1 call: {actions} actions")
