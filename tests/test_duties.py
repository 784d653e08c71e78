"""Separation of duties (refunds.policies.DUTIES): each rule refused by the service, kept in the
audit log as a refused attempt, and refused by the database where it compares one row."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse

from refunds.models import AuditEvent, Case, PaymentBatch, RemediationProgram
from refunds.models.audit import AuditAction
from refunds.policies import _DUTY_REFUSALS, DUTIES
from refunds.services import callcenter, payments, review
from refunds.services.payments import ResultRow
from tests.test_review import DAY, approved_case, claimed_case

pytestmark = pytest.mark.django_db


def refused(user, case_or_batch) -> list[AuditEvent]:
    return list(
        AuditEvent.objects.filter(
            action=AuditAction.ATTEMPT_REFUSED, actor=user, object_id=str(case_or_batch.pk)
        )
    )


def test_every_rule_of_the_table_says_why():
    for duty, earlier in DUTIES.items():
        for before in earlier:
            assert (duty, before) in _DUTY_REFUSALS


class TestAmounts:
    def test_who_raised_the_amount_cannot_approve_it(self, people):
        case = claimed_case(people)
        review.case_change_amount(
            case=case, user=people["a"], amount_yen=9999, reason="fee", justification="two months"
        )
        review.case_prepare(case=case, user=people["staff"])
        with pytest.raises(PermissionDenied, match="set this case's amount"):
            review.case_approve(case=case, user=people["a"])
        case.refresh_from_db()
        assert case.status == "prepared" and case.approved_by is None
        (event,) = refused(people["a"], case)
        assert event.changes == {"attempt": "case.approved"}
        assert "set this case's amount" in event.reason
        review.case_approve(case=case, user=people["b"])
        case.refresh_from_db()
        assert case.status == "approved" and case.amount_set_by == people["a"]

    def test_who_lowered_the_amount_cannot_give_the_second_approval(self, people):
        third = type(people["a"]).objects.create(username="sup-c")
        third.groups.set(people["a"].groups.all())
        case = claimed_case(people, amount=12_000)
        review.case_change_amount(case=case, user=people["b"], amount_yen=11_000, reason="fee")
        review.case_prepare(case=case, user=people["staff"])
        review.case_approve(case=case, user=people["a"])
        case.refresh_from_db()
        assert case.status == "awaiting_second_approval"
        with pytest.raises(PermissionDenied, match="set this case's amount"):
            review.case_approve(case=case, user=people["b"])
        review.case_approve(case=case, user=third)
        case.refresh_from_db()
        assert case.status == "approved"

    def test_who_settled_an_investigation_cannot_approve_it(self, people):
        case = callcenter.investigation_open(
            user=people["staff"],
            program=RemediationProgram.objects.first(),
            caller_name="佐藤 花子",
            caller_phone="0312345678",
            story="charged after cancelling",
        )
        callcenter.investigation_settle(
            case=case, user=people["a"], amount_yen=3402, reason="bill seen"
        )
        case.refresh_from_db()
        assert case.amount_set_by == people["a"]

    def test_the_database_refuses_an_approver_who_set_the_amount(self, people):
        case = claimed_case(people)
        with pytest.raises(IntegrityError), transaction.atomic():
            Case.objects.filter(pk=case.pk).update(
                amount_set_by=people["a"], approved_by=people["a"]
            )


class TestPaymentRuns:
    def test_who_built_a_run_cannot_release_it(self, people):
        approved_case(people)
        batch = payments.batch_create(method="bank_transfer", user=people["a"], transfer_date=DAY)
        with pytest.raises(PermissionDenied, match="built this payment run"):
            payments.batch_export(batch=batch, user=people["a"])
        batch.refresh_from_db()
        assert batch.status == "draft" and not batch.file
        assert len(refused(people["a"], batch)) == 1
        payments.batch_export(batch=batch, user=people["b"])

    def test_who_released_a_run_cannot_apply_its_results(self, people):
        approved_case(people)
        batch = payments.batch_create(method="bank_transfer", user=people["a"], transfer_date=DAY)
        batch = payments.batch_export(batch=batch, user=people["b"])
        item = batch.items.get()
        row = ResultRow(line=2, reference=f"{item.pk:010d}", paid=True, amount_yen=item.amount_yen)
        with pytest.raises(PermissionDenied, match="released this payment run"):
            payments.batch_reconcile(batch=batch, user=people["b"], rows=[row])
        assert batch.items.get().status == "pending"
        assert refused(people["b"], batch)[0].changes == {"attempt": "batch.reconciled"}
        outcome = payments.batch_reconcile(batch=batch, user=people["a"], rows=[row])
        assert outcome.paid == 1
        batch.refresh_from_db()
        assert batch.reconciled_by == people["a"]

    def test_the_database_refuses_one_person_in_two_duties_of_a_run(self, people):
        approved_case(people)
        batch = payments.batch_create(method="bank_transfer", user=people["a"], transfer_date=DAY)
        with pytest.raises(IntegrityError), transaction.atomic():
            PaymentBatch.objects.filter(pk=batch.pk).update(exported_by=people["a"])
        with pytest.raises(IntegrityError), transaction.atomic():
            PaymentBatch.objects.filter(pk=batch.pk).update(
                exported_by=people["b"], reconciled_by=people["b"]
            )


class TestProposals:
    def test_a_run_proposes_the_cases_its_filters_choose(self, people):
        small, large = approved_case(people, amount=3402), approved_case(people, amount=6720)
        proposal = payments.Proposal(method="bank_transfer", amount_max=5000)
        assert list(proposal.cases()) == [small]
        run = payments.batch_create(
            method="bank_transfer", user=people["a"], transfer_date=DAY, proposal=proposal
        )
        assert run.item_count == 1 and run.items.get().case == small
        assert Case.objects.get(pk=large.pk).status == "approved"  # left for another run

    def test_the_builder_takes_cases_out_with_a_reason_and_the_releaser_sees_the_list(self, people):
        kept, out = approved_case(people), approved_case(people)
        run = payments.batch_create(method="bank_transfer", user=people["a"], transfer_date=DAY)
        out_item = run.items.get(case=out)
        with pytest.raises(PermissionDenied, match="who built this run"):
            payments.batch_exclude(
                batch=run, user=people["b"], item_ids=[out_item.pk], reason="address"
            )
        with pytest.raises(ValidationError):
            payments.batch_exclude(batch=run, user=people["a"], item_ids=[out_item.pk], reason="")
        run = payments.batch_exclude(
            batch=run, user=people["a"], item_ids=[out_item.pk], reason="address check"
        )
        assert (run.item_count, run.total_yen) == (1, kept.amount_yen)
        event = AuditEvent.objects.get(action=AuditAction.BATCH_CASES_EXCLUDED)
        assert event.changes["cases"] == [out.case_no] and event.reason == "address check"
        assert Case.objects.get(pk=out.pk).status == "approved"
        released = payments.batch_export(batch=run, user=people["b"])
        assert released.item_count == 1
        assert Case.objects.get(pk=kept.pk).status == "in_payment"

    def test_the_run_page_lets_only_the_builder_choose(self, people):
        from django.test import Client

        approved_case(people)
        run = payments.batch_create(method="bank_transfer", user=people["a"], transfer_date=DAY)
        builder, releaser = Client(), Client()
        builder.force_login(people["a"])
        releaser.force_login(people["b"])
        page = builder.get(run.get_absolute_url()).content.decode()
        assert 'id="exclude-form"' in page and 'form="exclude-form"' in page
        page = releaser.get(run.get_absolute_url()).content.decode()
        assert 'id="exclude-form"' not in page and 'id="export-button"' in page
        item = run.items.get()
        builder.post(
            reverse("refunds:batch_exclude", args=[run.pk]), {"item": [item.pk], "reason": "x"}
        )
        run.refresh_from_db()
        assert run.item_count == 0
