"""Review and payment: four-eyes, thresholds, bulk approval, batches, Zengin export, results."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse

from refunds import bankdays, zengin
from refunds.identity import answers_of
from refunds.models import AuditEvent, Case, PaymentBatch, PaymentItem
from refunds.payee import BankDetails
from refunds.services import callcenter, payments, qa, review
from refunds.services.payments import ResultRow
from refunds.workflow import TransitionNotAllowed
from tests.factories import CaseFactory, ContractFactory, MemberFactory, UserFactory, set_status

pytestmark = pytest.mark.django_db
BANK = {
    "bank_code": "0001",
    "branch_code": "001",
    "account_type": "1",
    "account_number": "1234567",
    "holder_name": "ﾔﾏﾀﾞ ﾀﾛｳ",
}
DAY = bankdays.earliest_transfer_date()


def claimed_case(people, amount=6720, **kwargs):
    case = CaseFactory(
        status="awaiting_claim", category=3, amount_yen=amount, computed_amount_yen=amount, **kwargs
    )
    callcenter.claim_record(
        case=case, user=people["a"], method="bank_transfer", bank=BankDetails(**BANK)
    )
    case.refresh_from_db()
    return case


def approved_case(people, amount=6720, checked=True):
    """A claimed case prepared and approved; drawn for QA, it passes (unless ``checked`` is
    False: the first case of each category prepared each day is always drawn)."""
    case = claimed_case(people, amount)
    review.case_prepare(case=case, user=people["staff"])
    review.case_approve(case=case, user=people["a"])
    if amount > 10_000:
        review.case_approve(case=case, user=people["b"])
    case.refresh_from_db()
    assert case.status == "approved"
    if checked and case.qa_status == "pending":
        qa.qa_record(case=case, user=people["qa"], passed=True)
        case.refresh_from_db()
    return case


class TestFourEyes:
    def test_preparer_cannot_approve(self, people):
        case = claimed_case(people)
        review.case_prepare(case=case, user=people["a"])
        with pytest.raises(PermissionDenied, match="prepared this case"):
            review.case_approve(case=case, user=people["a"])

    def test_staff_cannot_approve(self, people):
        case = claimed_case(people)
        review.case_prepare(case=case, user=people["a"])
        with pytest.raises(PermissionDenied, match="supervisor"):
            review.case_approve(case=case, user=people["staff"])

    def test_above_the_threshold_a_second_different_supervisor(self, people):
        case = claimed_case(people, amount=12_000)
        review.case_prepare(case=case, user=people["staff"])
        review.case_approve(case=case, user=people["a"])
        case.refresh_from_db()
        assert case.status == "awaiting_second_approval"
        with pytest.raises(PermissionDenied, match="second, different"):
            review.case_approve(case=case, user=people["a"])
        review.case_approve(case=case, user=people["b"])
        case.refresh_from_db()
        assert case.status == "approved" and case.second_approved_by == people["b"]

    def test_up_to_the_threshold_one_approval(self, people):
        case = claimed_case(people, amount=10_000)
        review.case_prepare(case=case, user=people["staff"])
        review.case_approve(case=case, user=people["a"])
        case.refresh_from_db()
        assert case.status == "approved"

    def test_the_database_refuses_the_same_person_twice(self, people):
        case = claimed_case(people)
        with pytest.raises(IntegrityError), transaction.atomic():
            Case.objects.filter(pk=case.pk).update(prepared_by=people["a"], approved_by=people["a"])

    def test_reject_needs_a_reason_and_reopen_goes_back_to_prepared(self, people):
        case = claimed_case(people)
        review.case_prepare(case=case, user=people["staff"])
        with pytest.raises(ValidationError):
            review.case_reject(case=case, user=people["a"], reason=" ")
        review.case_reject(case=case, user=people["a"], reason="not a customer of the course")
        case.refresh_from_db()
        assert case.status == "rejected" and case.status_reason
        review.case_reopen(case=case, user=people["b"], reason="new evidence")
        case.refresh_from_db()
        assert case.status == "prepared"

    def test_hold_returns_to_where_it_was(self, people):
        case = claimed_case(people)
        review.case_hold(case=case, user=people["a"], reason="dispute")
        case.refresh_from_db()
        assert case.status == "on_hold"
        review.case_release(case=case, user=people["a"])
        case.refresh_from_db()
        assert case.status == "claim_received"

    def test_changing_the_amount_sends_it_back_and_cannot_raise_without_justification(self, people):
        case = approved_case(people)
        with pytest.raises(PermissionDenied):  # no identity check for this caller yet
            review.case_change_amount(case=case, user=people["staff"], amount_yen=3402, reason="x")
        callcenter.inquiry_start(
            user=people["staff"],
            member=case.member,
            answers=answers_of(case.member, ["verified_name", "verified_birth_date"]),
        )
        review.case_change_amount(
            case=case, user=people["staff"], amount_yen=3402, reason="one month only"
        )
        case.refresh_from_db()
        assert case.status == "prepared" and case.amount_yen == 3402 and case.approved_by is None
        with pytest.raises(PermissionDenied):
            review.case_change_amount(
                case=case, user=people["staff"], amount_yen=9000, reason="more"
            )
        with pytest.raises(ValidationError):
            review.case_change_amount(case=case, user=people["a"], amount_yen=9000, reason="more")
        review.case_change_amount(
            case=case,
            user=people["a"],
            amount_yen=9000,
            reason="more",
            justification="bank statement",
        )
        event = AuditEvent.objects.filter(action="case.amount_changed").order_by("id").last()
        assert event.changes["amount_yen"] == [3402, 9000] and "bank statement" in event.reason

    def test_every_step_is_an_event(self, people):
        case = approved_case(people, amount=12_000)
        actions = list(
            AuditEvent.objects.filter(object_type="refunds.case", object_id=str(case.pk))
            .order_by("id")
            .values_list("action", "actor__username")
        )
        assert actions == [
            ("case.claim_received", "sup-a"),
            ("case.prepared", "prep"),
            ("case.qa_drawn", None),  # the first case of its category today
            ("case.approved", "sup-a"),
            ("case.second_approved", "sup-b"),
            ("case.qa_passed", "sup-qa"),
        ]


class TestQualitySampling:
    def _program(self, rate):
        from refunds.models import RemediationProgram

        program = RemediationProgram.objects.first()
        program.qa_rate_percent = rate
        program.save()

    def test_the_first_case_of_a_category_each_day_is_drawn(self, people):
        self._program(0)  # whatever the rate
        first, second = claimed_case(people), claimed_case(people)
        review.case_prepare(case=first, user=people["staff"])
        review.case_prepare(case=second, user=people["staff"])
        first.refresh_from_db()
        assert first.qa_status == "pending"

    def test_pending_qa_blocks_payment_and_a_fail_sends_back(self, people):
        self._program(100)
        case = approved_case(people, checked=False)
        assert case.qa_status == "pending"
        with pytest.raises(ValidationError, match="No approved case"):
            payments.batch_create(method="bank_transfer", user=people["a"], transfer_date=DAY)
        with pytest.raises(PermissionDenied, match="prepared or approved"):
            qa.qa_record(case=case, user=people["a"], passed=True)
        reviewer = UserFactory(roles=["supervisor"])
        with pytest.raises(ValidationError):
            qa.qa_record(case=case, user=reviewer, passed=False, reason="")
        qa.qa_record(case=case, user=reviewer, passed=False, reason="wrong months")
        case.refresh_from_db()
        assert (case.status, case.qa_status, case.approved_by) == ("prepared", "fail", None)
        assert qa.preparer_pass_rates() == [
            {"preparer": "prep", "checked": 1, "passed": 0, "rate": 0}
        ]

    def test_a_failed_case_is_approved_only_once_corrected_and_checked_again(self, people):
        self._program(0)
        case = approved_case(people, checked=False)
        qa.qa_record(case=case, user=people["qa"], passed=False, reason="wrong months")
        case.refresh_from_db()
        assert (case.status, case.qa_status) == ("prepared", "fail")
        with pytest.raises(PermissionDenied, match="failed its quality check"):
            review.case_approve(case=case, user=people["b"])
        with pytest.raises(ValidationError, match="what was corrected"):
            review.case_prepare(case=case, user=people["staff"])
        review.case_prepare(case=case, user=people["staff"], note="months recounted")
        case.refresh_from_db()
        assert (case.status, case.qa_status) == ("prepared", "pending")  # drawn again
        review.case_approve(case=case, user=people["a"])
        with pytest.raises(ValidationError, match="No approved case"):
            payments.batch_create(method="bank_transfer", user=people["a"], transfer_date=DAY)
        qa.qa_record(case=case, user=people["qa"], passed=True)
        batch = payments.batch_create(method="bank_transfer", user=people["a"], transfer_date=DAY)
        assert batch.item_count == 1

    def test_a_pass_lets_it_be_paid(self, people):
        self._program(100)
        case = approved_case(people, checked=False)
        qa.qa_record(case=case, user=UserFactory(roles=["supervisor"]), passed=True)
        assert (
            payments.batch_create(
                method="bank_transfer", user=people["a"], transfer_date=DAY
            ).item_count
            == 1
        )

    def test_qa_queue_shows_pending_and_pass_rates(self, people, supervisor_client):
        self._program(100)
        approved_case(people, checked=False)
        page = supervisor_client.get(reverse("refunds:qa_queue")).content.decode()
        assert "/qa/" in page


class TestReviewFindings:
    def test_a_held_case_cannot_change_and_come_back_approved(self, people):
        case = approved_case(people)
        review.case_hold(case=case, user=people["a"], reason="dispute")
        with pytest.raises(ValidationError, match="Release the hold"):
            review.case_change_amount(
                case=case, user=people["a"], amount_yen=50_000, reason="x", justification="y"
            )
        with pytest.raises(TransitionNotAllowed):
            review.case_hold(case=case, user=people["a"], reason="again")

    def test_a_payee_fixed_after_a_failed_payment_is_prepared_again_by_the_fixer(self, people):
        case = approved_case(people)
        set_status(Case.objects.filter(pk=case.pk), "payment_failed")
        claim = case.claims.get()
        callcenter.claim_change_payee(
            claim=claim,
            user=people["b"],
            method="bank_transfer",
            bank=BankDetails(**{**BANK, "account_number": "7654321"}),
            reason="closed account",
        )
        case.refresh_from_db()
        assert (case.status, case.prepared_by, case.approved_by) == ("prepared", people["b"], None)
        with pytest.raises(PermissionDenied, match="prepared this case"):
            review.case_approve(case=case, user=people["b"])

    def test_export_refuses_a_line_whose_case_changed(self, people):
        case = approved_case(people)
        batch = payments.batch_create(method="bank_transfer", user=people["a"], transfer_date=DAY)
        Claim_ = case.claims.model
        Claim_.objects.filter(case=case).update(account_number="7654321")
        with pytest.raises(ValidationError, match="changed since the batch was built"):
            payments.batch_export(batch=batch, user=people["b"])

    def test_bulk_approval_skips_a_case_flagged_after_the_preview(self, people):
        case = claimed_case(people)
        review.case_prepare(case=case, user=people["staff"])
        Case.objects.filter(pk=case.pk).update(flagged=True, flag_reason="diff")
        approved, skipped = review.bulk_approve(case_ids=[case.pk], user=people["a"])
        assert approved == 0 and "diff" in skipped[0][1]

    def test_staff_cannot_set_an_investigation_amount(self, people):
        from refunds.models import RemediationProgram

        case = callcenter.investigation_open(
            user=people["staff"],
            program=RemediationProgram.objects.first(),
            caller_name="x",
            story="y",
        )
        with pytest.raises(PermissionDenied):
            review.case_change_amount(
                case=case, user=people["staff"], amount_yen=9_999_999, reason="x"
            )

    def test_an_investigation_takes_its_first_claim(self, people):
        from refunds.models import RemediationProgram

        case = callcenter.investigation_open(
            user=people["staff"],
            program=RemediationProgram.objects.first(),
            caller_name="x",
            story="y",
        )
        services_claim, created = callcenter.claim_record(
            case=case, user=people["a"], method="bank_transfer", bank=BankDetails(**BANK)
        )
        assert created and Case.objects.get(pk=case.pk).status == "claim_received"


class TestBulkApproval:
    def test_confirmation_lists_count_total_and_skipped(
        self, people, supervisor_client, supervisor_user
    ):
        ok = [claimed_case(people) for _ in range(3)]
        for case in ok:
            review.case_prepare(case=case, user=people["staff"])
        own = claimed_case(people)
        review.case_prepare(case=own, user=supervisor_user)
        flagged = claimed_case(people)
        review.case_prepare(case=flagged, user=people["staff"])
        Case.objects.filter(pk=flagged.pk).update(flagged=True, flag_reason="amount changed")
        supervisor_client.cookies["django_language"] = "en"
        page = supervisor_client.get(reverse("refunds:bulk_approve")).content.decode()
        assert "3 cases" in page and "20,160" in page
        assert own.case_no in page and "You prepared this case" in page
        assert flagged.case_no in page and "amount changed" in page
        ids = [str(c.pk) for c in ok]
        supervisor_client.post(reverse("refunds:bulk_approve"), {"case": ids})
        assert Case.objects.filter(status="approved").count() == 3
        assert Case.objects.get(pk=own.pk).status == "prepared"

    def test_one_bulk_approval_takes_a_bounded_set_and_says_more_are_waiting(
        self, people, supervisor_client, settings, django_assert_max_num_queries
    ):
        settings.BULK_APPROVE_LIMIT = 2
        cases = [claimed_case(people) for _ in range(3)]
        for case in cases:
            review.case_prepare(case=case, user=people["staff"])
        supervisor_client.cookies["django_language"] = "en"
        with django_assert_max_num_queries(12):
            page = supervisor_client.get(reverse("refunds:bulk_approve")).content.decode()
        assert page.count('name="case"') == 2 and "Only the first 2 matching cases" in page
        supervisor_client.post(reverse("refunds:bulk_approve"), {"case": [c.pk for c in cases[:2]]})
        page = supervisor_client.get(reverse("refunds:bulk_approve")).content.decode()
        assert page.count('name="case"') == 1 and "Only the first" not in page

    def test_review_queue_runs_a_constant_number_of_queries(
        self, people, supervisor_client, django_assert_max_num_queries
    ):
        for _ in range(25):
            review.case_prepare(case=claimed_case(people), user=people["staff"])
        with django_assert_max_num_queries(10):
            assert supervisor_client.get(reverse("refunds:review_queue")).status_code == 200


class TestBatches:
    def test_zengin_batch_from_build_to_paid(self, people, settings):
        cases = [approved_case(people) for _ in range(3)]
        batch = payments.batch_create(method="bank_transfer", user=people["a"], transfer_date=DAY)
        assert batch.item_count == 3 and batch.total_yen == 3 * 6720
        batch = payments.batch_export(batch=batch, user=people["b"])
        assert set(
            Case.objects.filter(pk__in=[c.pk for c in cases]).values_list("status", flat=True)
        ) == {"in_payment"}
        parsed = zengin.parse_transfer_file(batch.file.read())
        assert parsed.trailer["count"] == 3 and parsed.trailer["total_yen"] == 3 * 6720
        assert {r["holder_kana"] for r in parsed.records} == {"ﾔﾏﾀﾞ ﾀﾛｳ"}
        items = list(batch.items.order_by("pk"))
        rows = [
            ResultRow(
                line=i + 2,
                reference=f"{item.pk:010d}",
                paid=i < 2,
                amount_yen=item.amount_yen,
                reason="" if i < 2 else "account closed",
            )
            for i, item in enumerate(items)
        ]
        outcome = payments.batch_reconcile(batch=batch, user=people["a"], rows=rows)
        assert (outcome.paid, outcome.failed, outcome.errors) == (2, 1, [])
        statuses = sorted(
            Case.objects.filter(pk__in=[c.pk for c in cases]).values_list("status", flat=True)
        )
        assert statuses == ["paid", "paid", "payment_failed"]
        batch.refresh_from_db()
        assert batch.status == "reconciled"

    def test_compensation_for_delay_is_computed_at_payment_and_shown_apart(self, people):
        from decimal import Decimal

        case = approved_case(people)
        program = case.program
        program.delay_rate_percent = Decimal("3.0")
        program.delay_from = DAY - datetime.timedelta(days=9)
        program.save()
        batch = payments.batch_create(method="bank_transfer", user=people["a"], transfer_date=DAY)
        item = batch.items.get()
        # 6,720 yen × 3 % × 9 days / 365 = 4.97 → 4 yen
        assert (item.compensation_yen, item.amount_yen) == (4, 6724)
        batch = payments.batch_export(batch=batch, user=people["b"])
        payments.batch_reconcile(
            batch=batch, user=people["a"], rows=[ResultRow(2, case.case_no, True, 6724)]
        )
        case.refresh_from_db()
        assert (case.paid_amount_yen, case.compensation_yen, case.amount_yen) == (6724, 4, 6720)

    def test_the_built_in_program_pays_no_compensation(self, people):
        case = approved_case(people)
        assert case.program.delay_compensation_yen(6720, datetime.date(2030, 1, 1)) == 0

    def test_a_case_sits_in_one_open_batch(self, people):
        case = approved_case(people)
        payments.batch_create(method="bank_transfer", user=people["a"], transfer_date=DAY)
        with pytest.raises(ValidationError, match="No approved case"):
            payments.batch_create(method="bank_transfer", user=people["b"], transfer_date=DAY)
        batch = PaymentBatch.objects.create(
            method="bank_transfer", transfer_date=DAY, created_by=people["a"]
        )
        with pytest.raises(IntegrityError), transaction.atomic():
            PaymentItem.objects.create(batch=batch, case=case, amount_yen=1)

    def test_a_case_is_paid_once_in_the_database(self, people):
        case = approved_case(people)
        b1 = PaymentBatch.objects.create(
            method="bank_transfer", transfer_date=DAY, created_by=people["a"]
        )
        b2 = PaymentBatch.objects.create(
            method="bank_transfer", transfer_date=DAY, created_by=people["a"]
        )
        PaymentItem.objects.create(batch=b1, case=case, amount_yen=1, status="paid", is_open=False)
        with pytest.raises(IntegrityError), transaction.atomic():
            PaymentItem.objects.create(
                batch=b2, case=case, amount_yen=1, status="paid", is_open=False
            )

    def test_bad_result_files_are_refused_whole(self, people):
        for _ in range(2):
            approved_case(people)
        batch = payments.batch_export(
            batch=payments.batch_create(
                method="bank_transfer", user=people["a"], transfer_date=DAY
            ),
            user=people["b"],
        )
        first, second = batch.items.order_by("pk")
        bad = [
            ResultRow(2, f"{first.pk:010d}", True, first.amount_yen),
            ResultRow(3, f"{first.pk:010d}", True, first.amount_yen),  # twice
            ResultRow(4, "SH10-999999", True, 100),  # not in the batch
            ResultRow(5, second.case.case_no, True, 999),  # amount differs
        ]
        outcome = payments.batch_reconcile(batch=batch, user=people["a"], rows=bad)
        assert len(outcome.errors) == 3 and outcome.paid == 0
        assert (
            "listed twice" in outcome.errors[0]
            and "not in this batch" in outcome.errors[1]
            and "999" in outcome.errors[2]
        )
        assert not Case.objects.filter(status="paid").exists()

    def test_result_file_reader(self):
        data = "reference,result,amount_yen,reason\n0000000001,済,6720,\n0000000002,不能,6720,口座なし\n0000000003,maybe,1,\n".encode(
            "cp932"
        )
        rows, errors = payments.read_result_file(data, "r.csv")
        assert [r.paid for r in rows] == [True, False]
        assert errors == ["r.csv line 4, column result: “maybe” is not paid or failed"]

    def test_bill_credit_batch_for_a_current_member_without_claim(self, people):
        member = MemberFactory()
        running = ContractFactory(member=member)
        case = CaseFactory(
            contract=ContractFactory(member=member, ended_on=datetime.date(2009, 6, 30)),
            category=1,
            status="notified",
        )
        review.case_prepare(case=case, user=people["staff"])
        review.case_approve(case=case, user=people["a"])
        qa.qa_record(case=case, user=people["qa"], passed=True)  # today's first of category 1
        batch = payments.batch_export(
            batch=payments.batch_create(method="bill_credit", user=people["a"], transfer_date=DAY),
            user=people["b"],
        )
        content = batch.file.read().decode()
        assert running.contract_no in content and case.case_no in content

    def test_staff_cannot_build_batches(self, people):
        approved_case(people)
        with pytest.raises(PermissionDenied):
            payments.batch_create(method="bank_transfer", user=people["staff"], transfer_date=DAY)

    def test_prepare_needs_a_payee(self, people):
        case = CaseFactory(status="notified", category=2)
        with pytest.raises(ValidationError, match="No payee"):
            review.case_prepare(case=case, user=people["staff"])


class TestAuditIsAppendOnly:
    def test_the_database_refuses_update_and_delete(self, people):
        from django.db import DatabaseError, connection

        event = AuditEvent.objects.create(action="x", object_type="t", object_id="1")
        for sql in (
            "UPDATE refunds_auditevent SET action = 'y' WHERE id = %s",
            "DELETE FROM refunds_auditevent WHERE id = %s",
        ):
            with (
                pytest.raises(DatabaseError, match="append-only"),
                transaction.atomic(),
                connection.cursor() as cursor,
            ):
                cursor.execute(sql, [event.pk])
        assert AuditEvent.objects.filter(pk=event.pk, action="x").exists()


def test_no_form_edits_a_case_status():
    import inspect

    from django import forms

    from refunds.forms import callcenter, detection, imports, programs
    from refunds.forms import review as review_forms

    for module in (callcenter, detection, imports, programs, review_forms):
        for _name, form in inspect.getmembers(module, inspect.isclass):
            if issubclass(form, forms.BaseForm):
                model = getattr(getattr(form, "_meta", None), "model", None)
                assert not (model is Case and "status" in form.base_fields), form
                assert "qa_status" not in form.base_fields, form


def test_the_qa_draw_is_a_keyed_hash_drawing_the_rate_share():
    """The draw is the same for the same preparation, new for a new one, and about the rate."""
    import datetime as dt

    from refunds.models import Case
    from refunds.services.qa import _drawn

    when = dt.datetime(2026, 12, 1, 10, 0, tzinfo=dt.UTC)
    cases = [Case(pk=n, prepared_at=when) for n in range(1, 2001)]
    drawn = [_drawn(case, 10) for case in cases]
    assert 150 <= sum(drawn) <= 250
    assert drawn == [_drawn(case, 10) for case in cases]
    again = [Case(pk=case.pk, prepared_at=when + dt.timedelta(hours=1)) for case in cases]
    assert [_drawn(case, 10) for case in again] != drawn


def test_the_review_queues_index_covers_exactly_the_states_it_lists():
    """The partial index the review queue reads (``case_awaiting_approval``) names the same
    states as the queue (``policies.APPROVABLE``): a state added to one must be added to both."""
    from refunds.models import Case
    from refunds.policies import APPROVABLE

    index = next(i for i in Case._meta.indexes if i.name == "case_awaiting_approval")
    (lookup, states) = index.condition.children[0]
    assert lookup == "status__in" and set(states) == {str(s) for s in APPROVABLE}


def test_the_review_queue_offers_approve_only_where_the_duties_allow(people):
    from django.test import Client
    from django.urls import reverse

    case = claimed_case(people)
    review.case_prepare(case=case, user=people["staff"])
    mine, other = Client(), Client()
    mine.force_login(people["a"])
    other.force_login(people["b"])
    approve = reverse("refunds:case_approve", args=[case.pk])
    case.amount_set_by = people["a"]
    case.save(update_fields=["amount_set_by"])
    assert approve not in mine.get(reverse("refunds:review_queue")).content.decode()
    assert approve in other.get(reverse("refunds:review_queue")).content.decode()


def test_the_database_refuses_an_approved_state_without_its_approval():
    from django.db import IntegrityError, transaction
    from django.utils import timezone

    from refunds.models import Case
    from tests.factories import CaseFactory

    case = CaseFactory(status="claim_received")
    for status in ("approved", "in_payment", "paid", "awaiting_second_approval", "prepared"):
        with pytest.raises(IntegrityError), transaction.atomic():
            Case.objects.filter(pk=case.pk).update(
                status=status, paid_at=timezone.now(), paid_amount_yen=1
            )


def test_the_review_queue_marks_a_flagged_case_as_the_case_list_does(people):
    """⚑ on the flagged case, nothing on the other: no mark on every row to read past."""
    from django.test import Client
    from django.urls import reverse

    flagged, plain = claimed_case(people), claimed_case(people)
    for case in (flagged, plain):
        review.case_prepare(case=case, user=people["staff"])
    Case.objects.filter(pk=flagged.pk).update(flagged=True, flag_reason="amount differs")
    client = Client()
    client.force_login(people["b"])
    queue = client.get(reverse("refunds:review_queue")).content.decode()
    cases = client.get(reverse("refunds:case_list")).content.decode()
    body = queue[queue.index("<tbody") :]
    assert body.count("⚑") == 1 == cases[cases.index("<tbody") :].count("⚑")
    assert "✘" not in body and "✔" not in body
    row = next(r for r in body.split("<tr")[1:] if flagged.case_no in r)
    assert "⚑" in row
