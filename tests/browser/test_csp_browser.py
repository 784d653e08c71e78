"""Pages run under the Content Security Policy without a single violation."""

import pytest

from tests.factories import CaseFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_main_pages_have_no_csp_violation(live_server, login, page):
    case = CaseFactory(status="awaiting_claim", category=3)
    UserFactory(username="csp-sup", roles=["supervisor"])
    violations: list[str] = []

    def watch(msg):
        if "Content Security Policy" in msg.text:
            violations.append(f"{page.url}: {msg.text[:80]}")

    page.on("console", watch)
    login("csp-sup")
    for path in (
        "/dashboard/",
        f"/search/?q={case.member.member_no[:6]}",
        case.member.get_absolute_url(),
        case.get_absolute_url(),
        "/review/",
        "/api/docs/",
    ):
        page.goto(f"{live_server.url}{path}")
        page.wait_for_load_state("networkidle")
    assert violations == []
    assert page.locator(".swagger-ui").count() == 1  # the docs page drew itself
