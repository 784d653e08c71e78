"""The operator's pages for keyboard and screen-reader users: axe-core finds no serious or
critical violation (WCAG 2.2 A/AA rules), the skip link is the first Tab, "?" lists the keys."""

from pathlib import Path

import pytest
from django.urls import reverse

from refunds.identity import answers_of
from refunds.services import callcenter
from tests.factories import CaseFactory, ContractFactory, MemberFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
AXE = Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js"
RULES = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    """axe is injected as a script of the page: the test's browser lets it past the CSP."""
    return {**browser_context_args, "bypass_csp": True}


def _violations(page) -> list[str]:
    page.add_script_tag(path=str(AXE))
    found = page.evaluate(
        "async (tags) => (await axe.run(document, {runOnly: {type: 'tag', values: tags}}))"
        ".violations.map(v => ({id: v.id, impact: v.impact, nodes: v.nodes.length,"
        " target: v.nodes[0] && v.nodes[0].target.join(' ')}))",
        RULES,
    )
    return [
        f"{v['id']} ({v['impact']}, {v['nodes']}×, e.g. {v['target']})"
        for v in found
        if v["impact"] in ("serious", "critical")
    ]


def test_the_operators_pages_pass_axe(live_server, login):
    member = MemberFactory(phone="03-5555-0101", postal_code="100-0001")
    case = CaseFactory(contract=ContractFactory(member=member), status="awaiting_claim", category=2)
    operator = UserFactory(username="axe-operator", roles=["staff"])
    page = login("axe-operator")
    urls = [
        reverse("refunds:search") + "?q=ヤマダ",
        member.get_absolute_url(),
        reverse("refunds:inquiry_create"),
        reverse("refunds:callback_list"),
        reverse("refunds:inquiry_list"),
        reverse("refunds:investigation_create"),
    ]
    problems = {}
    for url in urls:
        page.goto(f"{live_server.url}{url}")
        problems[url] = _violations(page)
    callcenter.inquiry_start(
        user=operator,
        member=member,
        answers=answers_of(member, ["verified_name", "verified_phone"]),
    )
    for url in (
        member.get_absolute_url(),
        case.get_absolute_url(),
        reverse("refunds:claim_create", args=[case.pk]),
    ):
        page.goto(f"{live_server.url}{url}")
        problems[f"{url} (verified)"] = _violations(page)
    assert {url: found for url, found in problems.items() if found} == {}


def test_the_skip_link_is_the_first_tab_and_question_mark_lists_the_keys(live_server, login):
    UserFactory(username="axe-keys", roles=["staff"])
    page = login("axe-keys")
    page.goto(f"{live_server.url}{reverse('refunds:callback_list')}")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "skip-link"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
    page.keyboard.press("?")
    page.wait_for_selector("#shortcuts.show")
    assert "/" in page.inner_text("#shortcuts")


def test_the_member_portals_pages_pass_axe(live_server, page):
    """The portal is a public page: every step of a claim and the request form, at a phone's
    width, with and without the errors a member may make."""
    import datetime

    from django.utils import timezone

    from refunds.services.portal import claim_codes_issue

    member = MemberFactory(status="withdrawn", birth_date=datetime.date(1968, 3, 15))
    case = CaseFactory(contract=ContractFactory(member=member), status="notified", category=2)
    code = claim_codes_issue(cases=[case], letter_kind="notice", now=timezone.now())[case.pk].code
    page.set_viewport_size({"width": 390, "height": 844})
    problems = {}
    base = live_server.url
    page.goto(f"{base}/claim/?c={code}")
    problems["start"] = _violations(page)
    page.click("main button[type=submit]")  # no birth date: the errors shown
    problems["start with errors"] = _violations(page)
    page.select_option("#id_birth_year", "1968")
    page.select_option("#id_birth_month", "3")
    page.select_option("#id_birth_day", "15")
    page.click("main button[type=submit]")
    page.wait_for_url(f"{base}/claim/case/")
    problems["case"] = _violations(page)
    page.click("button[value=check]")  # no bank details: the errors shown
    problems["case with errors"] = _violations(page)
    page.fill("#id_bank_code", "0001")
    page.fill("#id_branch_code", "001")
    page.fill("#id_account_number", "1234567")
    page.fill("#id_holder_name", "ヤマダ タロウ")
    page.select_option("#id_payee_reason", "family_name")
    page.click("button[value=check]")
    problems["confirm"] = _violations(page)
    page.click("button[value=submit]")
    page.wait_for_url(f"{base}/claim/done/")
    problems["done"] = _violations(page)
    page.goto(f"{base}/claim/request/")
    problems["request"] = _violations(page)
    page.click("main button[type=submit]")
    problems["request with errors"] = _violations(page)
    assert {step: found for step, found in problems.items() if found} == {}
