"""An admin runs detection in the browser and follows a case to its evidence."""

import io

import pytest
from django.core.management import call_command
from django.utils import translation

from refunds.models.audit import AuditAction
from tests.factories import UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_admin_runs_detection_and_reads_a_case(live_server, login, data_dir):
    for kind in ("members", "contracts", "tariffs", "billing"):
        call_command("import_csv", kind, str(data_dir / f"{kind}.csv"), stdout=io.StringIO())
    UserFactory(username="admin-d", roles=["admin"])
    page = login("admin-d")
    page.goto(f"{live_server.url}/detection/")
    page.click("main button[type=submit]")
    page.wait_for_selector("text=SONET-HIKARI-2010")
    assert "100" in page.inner_text("#run")
    page.goto(f"{live_server.url}/cases/?category=2")
    page.click("text=SH10-")
    page.wait_for_selector("text=基本料金")  # the charge item in words, not its code
    body = page.inner_text("main")
    assert "base_fee" not in body
    with translation.override("ja"):
        assert "C0000" in body and str(AuditAction.CASE_CREATED.label) in body
