"""Money moves: staff prepares, two supervisors approve, a Zengin file goes out, a result pays."""

import pytest
from django.urls import reverse
from django.utils import translation

from refunds import zengin
from refunds.models import Case, PaymentBatch
from refunds.models.audit import AuditAction
from refunds.payee import BankDetails
from refunds.services import callcenter, qa
from tests.factories import CaseFactory, ContractFactory, MemberFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_prepare_two_approvals_zengin_file_and_result(live_server, page, login, tmp_path):
    staff = UserFactory(username="prep-b", roles=["staff"])
    UserFactory(username="sup-a-b", roles=["supervisor"])
    UserFactory(username="sup-b-b", roles=["supervisor"])
    case = CaseFactory(
        contract=ContractFactory(
            member=MemberFactory(name="田中　花子", name_kana="タナカ　ハナコ")
        ),
        status="awaiting_claim",
        category=3,
        amount_yen=12_000,
        computed_amount_yen=12_000,
    )
    callcenter.claim_record(
        case=case,
        user=UserFactory(roles=["supervisor"]),
        method="bank_transfer",
        bank=BankDetails(
            **{
                "bank_code": "0005",
                "branch_code": "001",
                "account_type": "1",
                "account_number": "7654321",
                "holder_name": "ﾀﾅｶ ﾊﾅｺ",
            }
        ),
    )

    case_url = f"{live_server.url}{case.get_absolute_url()}"
    login("prep-b")
    page.goto(f"{live_server.url}{reverse('refunds:case_prepare', args=[case.pk])}")
    page.click("main form button[type=submit]")
    page.wait_for_selector("#case-actions", state="attached")

    for supervisor in ("sup-a-b", "sup-b-b"):
        login(supervisor)
        page.goto(f"{live_server.url}{reverse('refunds:review_queue')}")
        with page.expect_navigation():
            page.click(f"tr:has-text('{case.case_no}') form[action$='/approve/'] button")
        page.wait_for_load_state()
    assert Case.objects.get(pk=case.pk).status == "approved"
    # Today's first case of its category is drawn for QA; a third supervisor passes it.
    qa.qa_record(case=case, user=UserFactory(roles=["supervisor"]), passed=True)

    # Separation of duties: sup-b-b builds the run, sup-a-b checks and releases it, sup-b-b
    # applies the bank's result.
    page.goto(f"{live_server.url}{reverse('refunds:batch_create')}")
    page.check("input[name=method][value=bank_transfer]")
    page.click("main form button[type=submit]")
    page.wait_for_selector("#release-refusal")
    run_url = page.url
    login("sup-a-b")
    page.goto(run_url)
    page.click("#export-button")
    page.wait_for_selector("#download-file")
    with page.expect_download() as download:
        page.click("#download-file")
    data = download.value.path().read_bytes()
    assert page.locator("#results-refusal").count() == 1  # the releaser applies no result
    login("sup-b-b")
    page.goto(run_url)
    parsed = zengin.parse_transfer_file(data)
    assert parsed.trailer["count"] == 1 and parsed.trailer["total_yen"] == 12_000
    record = parsed.records[0]
    assert (record["bank_code"], record["account_number"], record["holder_kana"]) == (
        "0005",
        "7654321",
        "ﾀﾅｶ ﾊﾅｺ",
    )

    # The bank returns the run's records, each with its result code (0 = paid) at byte 113.
    records = data.split(b"\r\n")
    records[1] = records[1][:112] + b"0" + records[1][113:]
    result = tmp_path / "kekka.txt"
    result.write_bytes(b"\r\n".join(records))
    page.set_input_files("#reconcile-form input[type=file]", str(result))
    page.click("#reconcile-form button[type=submit]")
    page.wait_for_selector("#batch-status")
    assert PaymentBatch.objects.get().status == "reconciled"

    page.goto(case_url)
    history = page.inner_text("main")
    # The history names each step in words (AuditAction's labels), never by its code.
    for action in (
        AuditAction.CASE_PREPARED,
        AuditAction.CASE_APPROVED,
        AuditAction.CASE_SECOND_APPROVED,
        AuditAction.CASE_IN_PAYMENT,
        AuditAction.CASE_PAID,
    ):
        with translation.override("ja"):
            assert str(action.label) in history and action.value not in history
    for who in ("prep-b", "sup-a-b", "sup-b-b"):
        assert who in history
    final = Case.objects.get(pk=case.pk)
    assert final.status == "paid" and final.paid_amount_yen == 12_000
    assert staff.pk == final.prepared_by_id
