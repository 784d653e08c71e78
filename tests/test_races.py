"""Races on PostgreSQL: concurrent approvals and payments of one case pay it exactly once."""

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections
from django.utils import translation

from refunds import bankdays
from refunds.models import AuditEvent, Case, PaymentBatch, PaymentItem
from refunds.payee import BankDetails
from refunds.services import callcenter, payments, qa, review
from tests.factories import CaseFactory, UserFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
BANK = {
    "bank_code": "0001",
    "branch_code": "001",
    "account_type": "1",
    "account_number": "1234567",
    "holder_name": "ﾔﾏﾀﾞ ﾀﾛｳ",
}
THREADS = 20


@pytest.fixture(autouse=True)
def postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("row locks are PostgreSQL's; run with DATABASE_URL=postgres://… (CI does)")


def _run_all(work) -> list[object]:
    start = threading.Barrier(THREADS)
    results: list[object] = [None] * THREADS

    def run(i: int) -> None:
        try:
            start.wait()
            results[i] = work(i)
        except Exception as exc:  # each refusal is a result
            results[i] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return results


def test_twenty_concurrent_approvals_and_payments_pay_once():
    supervisors = [UserFactory(username=f"sup{i}", roles=["supervisor"]) for i in range(THREADS)]
    staff = UserFactory(username="prep", roles=["staff"])
    case = CaseFactory(status="awaiting_claim", category=3, amount_yen=6720)
    callcenter.claim_record(
        case=case, user=supervisors[0], method="bank_transfer", bank=BankDetails(**BANK)
    )
    review.case_prepare(case=case, user=staff)

    approvals = _run_all(lambda i: review.case_approve(case=case, user=supervisors[i]))
    assert sum(isinstance(r, Case) for r in approvals) == 1
    assert Case.objects.get(pk=case.pk).status == "approved"
    if Case.objects.get(pk=case.pk).qa_status == "pending":  # today's first of its category
        qa.qa_record(case=case, user=UserFactory(roles=["supervisor"]), passed=True)

    def pay(i: int) -> object:
        batch = payments.batch_create(
            method="bank_transfer",
            user=supervisors[i],
            transfer_date=bankdays.earliest_transfer_date(),
            case_ids=[case.pk],
        )
        # Built, released and reconciled by three different supervisors (separation of duties).
        batch = payments.batch_export(batch=batch, user=supervisors[(i + 1) % THREADS])
        item = batch.items.get()
        row = payments.ResultRow(2, f"{item.pk:010d}", True, item.amount_yen)
        return payments.batch_reconcile(batch=batch, user=supervisors[i], rows=[row])

    results = _run_all(pay)
    assert sum(getattr(r, "paid", 0) for r in results) == 1
    assert PaymentItem.objects.filter(case=case, status="paid").count() == 1
    final = Case.objects.get(pk=case.pk)
    assert final.status == "paid" and final.paid_amount_yen == 6720
    assert AuditEvent.objects.filter(action="case.paid", object_id=str(case.pk)).count() == 1


def test_ten_concurrent_builds_make_one_run_and_nine_refusals():
    supervisors = [UserFactory(username=f"sup{i}", roles=["supervisor"]) for i in range(THREADS)]
    staff = UserFactory(username="prep", roles=["staff"])
    checker = UserFactory(username="qa", roles=["supervisor"])
    for _ in range(7):
        case = CaseFactory(status="awaiting_claim", category=3, amount_yen=6720)
        callcenter.claim_record(
            case=case, user=supervisors[0], method="bank_transfer", bank=BankDetails(**BANK)
        )
        review.case_prepare(case=case, user=staff)
        review.case_approve(case=case, user=supervisors[0])
        if Case.objects.get(pk=case.pk).qa_status == "pending":
            qa.qa_record(case=case, user=checker, passed=True)

    def build(i: int) -> object:
        if i >= 10:
            return None
        return payments.batch_create(
            method="bank_transfer",
            user=supervisors[i],
            transfer_date=bankdays.earliest_transfer_date(),
        )

    results = [r for r in _run_all(build)[:10]]
    runs = [r for r in results if isinstance(r, PaymentBatch)]
    refusals = [r for r in results if isinstance(r, ValidationError)]
    assert len(runs) == 1 and runs[0].item_count == 7
    assert len(refusals) == 9
    with translation.override("en"):
        expected = str(translation.gettext("No approved case is waiting for this payout method."))
    with translation.override("ja"):
        expected_ja = translation.gettext("No approved case is waiting for this payout method.")
    assert {" ".join(r.messages) for r in refusals} <= {expected, expected_ja}
    assert PaymentBatch.objects.count() == 1  # no empty run left behind
