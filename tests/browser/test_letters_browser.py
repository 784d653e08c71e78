"""A letter run in the browser: chosen, previewed (nothing recorded), printed, printed again."""

import pytest
from django.urls import reverse

from refunds.models import Case, ContactAttempt, LetterRun
from tests.factories import CaseFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_letter_run_is_previewed_before_it_is_printed_and_can_be_printed_again(
    live_server, login
):
    UserFactory(username="letters-b", roles=["staff"])
    untouched = CaseFactory(status="detected", category=1)
    chosen = [CaseFactory(status="detected", category=2) for _ in range(3)]
    page = login("letters-b")
    page.goto(f"{live_server.url}{reverse('refunds:letters')}")
    page.select_option("#id_category", "2")
    page.fill("#id_limit", "2")
    page.click("#letter-run-form button[type=submit]")
    preview = page.inner_text("#letter-run-preview")
    assert "2" in preview
    shown = [c.case_no for c in chosen if c.case_no in preview]
    assert len(shown) == 2 and untouched.case_no not in preview
    href = page.locator("#preview-pdf").get_attribute("href") or ""
    pdf = page.request.get(f"{live_server.url}{reverse('refunds:letters')}{href}")
    assert pdf.ok and pdf.headers["content-type"] == "application/pdf"
    assert pdf.body().startswith(b"%PDF") and not ContactAttempt.objects.exists()

    with page.expect_download() as download:
        page.click("#print-run")
    assert download.value.path().read_bytes().startswith(b"%PDF")
    run = LetterRun.objects.get()
    assert run.count == 2 and run.category == 2
    notified = Case.objects.filter(status="notified")
    assert {c.case_no for c in notified} == set(shown)

    page.goto(f"{live_server.url}{reverse('refunds:letters')}")
    assert page.locator("#letter-runs tbody tr").count() == 1
    with page.expect_download() as again:
        page.click("#letter-runs a")
    assert again.value.path().read_bytes() == run.file.open("rb").read()
    assert ContactAttempt.objects.count() == 2 and LetterRun.objects.count() == 1
