"""The operator's calls of a first day, in the browser, in Japanese: each counts the actions
(every click and every key that submits) the operator needed."""

import datetime

import pytest
from django.urls import reverse

from refunds.models import Case, Claim, Inquiry, Investigation
from tests.factories import CaseFactory, ContractFactory, MemberFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _wife_and_case():
    wife = MemberFactory(
        name="佐藤　花子",
        name_kana="サトウ　ハナコ",
        phone="06-6123-4567",
        postal_code="530-0001",
        address="大阪府大阪市北区梅田1-1-1",
        birth_date=datetime.date(1972, 7, 7),
        status="withdrawn",
        withdrawn_on=datetime.date(2009, 7, 31),
    )
    case = CaseFactory(
        contract=ContractFactory(member=wife, ended_on=datetime.date(2009, 7, 31)),
        category=2,
        status="notified",
        amount_yen=6479,
    )
    return wife, case


def test_an_unknown_caller_becomes_an_investigation_in_one_step(live_server, login):
    UserFactory(username="op-unknown", roles=["staff"])
    page = login("op-unknown")
    actions = 0
    page.fill(".js-global-search", "0669-12-3456")
    page.press(".js-global-search", "Enter")
    actions += 1
    page.wait_for_selector("a[href^='/investigations/new/']")
    page.click("a[href^='/investigations/new/']")
    actions += 1
    # The number typed is the caller's phone, never their name.
    assert page.input_value("#id_caller_phone") == "0669-12-3456"
    assert page.input_value("#id_caller_name") == ""
    page.fill("#id_caller_name", "高橋 健一")
    page.fill("#id_story", "2008年に解約したが翌月も請求された。会員番号は不明。")
    page.click("main form button[type=submit]")
    actions += 1
    page.wait_for_selector("#investigation")
    case = Case.objects.get(origin="investigation")
    assert Investigation.objects.get(case=case).caller_phone == "0669-12-3456"
    assert Inquiry.objects.get(case=case).caller_phone == "0669-12-3456"  # the call, on record
    main = page.inner_text("main")
    assert "合計" not in main and page.locator("#investigation-amount").count() == 1
    assert page.locator(f"a[href='/cases/{case.pk}/claim/']").count() == 1
    assert page.locator(f"a[href='/cases/{case.pk}/prepare/']").count() == 0
    assert actions <= 5


def test_a_husband_hears_the_state_not_the_amount_and_claims_only_with_documents(
    live_server, login
):
    wife, case = _wife_and_case()
    UserFactory(username="op-family", roles=["staff"])
    page = login("op-family")
    actions = 0
    page.goto(f"{live_server.url}{reverse('refunds:search')}?q=さとう はなこ")
    page.click(f"a[href='{wife.get_absolute_url()}']")
    actions += 1
    page.check("input[name=relation][value=family]")
    page.fill("#id_verified_name", "佐藤花子")
    page.fill("#id_verified_address", "〒530-0001")
    page.click("#identity-form button[type=submit]")
    actions += 2
    page.wait_for_selector("#identity-status.text-bg-success")
    assert "6,479" not in page.inner_text("main")  # the state, not the amount
    assert "ご本人以外" in page.inner_text("#talk-scripts")
    page.click(f"a[href='/cases/{case.pk}/claim/']")
    actions += 1
    page.wait_for_selector("#caller-relation-note")
    page.fill("#id_bank_code", "0005")
    page.fill("#id_branch_code", "001")
    page.fill("#id_account_number", "7654321")
    page.fill("#id_holder_name", "ｻﾄｳ ﾀﾛｳ")
    page.select_option("#id_payee_reason", "family_name")
    page.click("#payee-form button[type=submit]")
    actions += 2
    page.wait_for_selector("#payee-form")
    assert "書類" in page.inner_text("main") and not Claim.objects.exists()
    page.check("#id_documents_received")
    page.click("#payee-form button[type=submit]")
    actions += 2
    page.wait_for_selector("#close-form")
    claim = Claim.objects.get()
    assert claim.caller_relation == "family" and claim.documents_received
    assert claim.review_flag  # an account in another name: the reviewer looks at it
    assert actions <= 10


def test_an_angry_caller_is_passed_to_a_supervisor_who_takes_the_call(live_server, login):
    wife, case = _wife_and_case()
    UserFactory(username="op-angry", roles=["staff"])
    UserFactory(username="sup-angry", roles=["supervisor"])
    page = login("op-angry")
    actions = 0
    page.goto(f"{live_server.url}/call/?ani=%2B81%206-6123-4567")  # the phone system's pop
    page.wait_for_selector("#identity-form")
    page.fill("#id_verified_name", "サトウ ハナコ")
    page.fill("#id_verified_birth_date", "1972-07-07")
    page.click("#identity-form button[type=submit]")
    actions += 1
    page.wait_for_selector("#escalate")
    page.click("#escalate summary")
    page.fill("#escalate-note", "対応が遅いとお怒り。責任者を希望。")
    page.click("#escalate-form button[type=submit]")
    actions += 2
    page.wait_for_selector("#escalation-waiting")
    assert actions <= 4

    login("sup-angry")
    page.wait_for_selector("#escalation-badge")
    page.click("#escalation-badge")
    page.click("#escalations button[type=submit]")
    page.wait_for_selector("#close-form")
    assert Inquiry.objects.get().created_by.username == "sup-angry"


def test_english_and_back(live_server, login):
    wife, case = _wife_and_case()
    UserFactory(username="op-lang", roles=["staff"])
    page = login("op-lang")
    page.goto(f"{live_server.url}{wife.get_absolute_url()}")
    assert "お電話の方" in page.inner_text("#call-panel")
    page.select_option(".js-language-form select", "en")
    page.wait_for_selector("html[lang=en]")
    panel = page.inner_text("#call-panel")
    assert "who is calling" in panel and "お電話の方" not in panel
    assert "Once we have your bank account details" in page.inner_text("#member-cases")
    page.select_option(".js-language-form select", "ja")
    page.wait_for_selector("html[lang=ja]")
    assert "お振込先の口座をお伺いでき次第" in page.inner_text("#member-cases")


def test_a_call_with_the_keyboard_only(live_server, login):
    """Search, open and check the caller without the mouse."""
    member = MemberFactory(
        name="長谷川　花子",
        name_kana="ハセガワ　ハナコ",
        phone="092-479-5938",
        birth_date=datetime.date(1968, 2, 29),
    )
    CaseFactory(contract=ContractFactory(member=member), category=1, status="notified")
    UserFactory(username="op-keys", roles=["staff"])
    page = login("op-keys")
    keys = page.keyboard
    keys.press("/")  # the search box, from anywhere
    keys.type("ﾊｾｶﾞﾜ 5938")
    keys.press("Enter")
    page.wait_for_selector("table.search-results")
    keys.press("ArrowDown")  # from the box to the result
    keys.press("Enter")
    page.wait_for_selector("#call-panel")
    # The cursor is in the identity check: the name, then Tab on to the phone (past the birth
    # date's day, month and year and the postal code or address, left empty), Enter.
    keys.type("はせがわ はなこ")
    for _ in range(8):
        keys.press("Tab")
        if page.evaluate("document.activeElement.name") == "verified_phone":
            break
    assert page.evaluate("document.activeElement.name") == "verified_phone"
    keys.type("+81 92-479-5938")
    keys.press("Enter")
    page.wait_for_selector("#identity-status.text-bg-success")
    assert Inquiry.objects.get(member=member).identity_verified
