"""Transfer dates a bank accepts (refunds.bankdays) and the payment run's use of them."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from refunds import bankdays
from refunds.models import PaymentBatch
from refunds.services import payments
from tests.test_review import approved_case

D = datetime.date


@pytest.mark.parametrize(
    ("day", "business"),
    [
        (D(2026, 12, 7), True),  # a Monday
        (D(2026, 12, 5), False),  # a Saturday
        (D(2026, 12, 6), False),  # a Sunday
        (D(2026, 11, 23), False),  # 勤労感謝の日
        (D(2026, 9, 22), False),  # 国民の休日 between two holidays
        (D(2026, 5, 6), False),  # 振替休日
        (D(2026, 12, 30), True),  # banks still work
        (D(2026, 12, 31), False),  # the banks' year end
        (D(2027, 1, 1), False),
        (D(2027, 1, 4), True),  # a Monday, the first business day of 2027
    ],
)
def test_business_days(day, business):
    assert bankdays.is_business_day(day) is business


def test_the_earliest_date_leaves_the_lead_in_business_days(settings):
    settings.PAYMENT_LEAD_BUSINESS_DAYS = 2
    # Released on Tuesday 29 December 2026: the 30th is one business day, the next is 4 January.
    assert bankdays.earliest_transfer_date(D(2026, 12, 29)) == D(2027, 1, 4)
    assert bankdays.earliest_transfer_date(D(2026, 12, 7)) == D(2026, 12, 9)
    assert bankdays.next_transfer_dates(D(2026, 12, 7), 3) == [
        D(2026, 12, 9),
        D(2026, 12, 10),
        D(2026, 12, 11),
    ]


@pytest.mark.parametrize(
    ("day", "says"),
    [
        (D(2026, 12, 1), "has passed"),
        (D(2026, 12, 13), "not a bank business day"),  # a Sunday
        (D(2027, 1, 1), "not a bank business day"),
        (D(2026, 12, 8), "earliest transfer date is 2026-12-09"),
    ],
)
def test_a_date_a_bank_refuses_says_why(day, says):
    assert says in bankdays.transfer_date_problem(day, D(2026, 12, 7))


@pytest.mark.django_db
class TestRuns:
    def test_a_run_with_a_refused_date_is_not_built(self, people):
        approved_case(people)
        for day in (D(2010, 12, 10), D(2027, 1, 1)):
            with pytest.raises(ValidationError):
                payments.batch_create(method="bank_transfer", user=people["a"], transfer_date=day)
        assert not PaymentBatch.objects.exists()

    def test_an_empty_run_cannot_be_released(self, people):
        run = PaymentBatch.objects.create(
            method="bank_transfer",
            transfer_date=bankdays.earliest_transfer_date(),
            created_by=people["a"],
        )
        with pytest.raises(ValidationError, match="empty payment run"):
            payments.batch_export(batch=run, user=people["b"])
        run.refresh_from_db()
        assert run.status == "draft" and not run.file

    def test_the_build_page_offers_the_next_valid_dates(self, supervisor_client):
        from django.urls import reverse

        page = supervisor_client.get(reverse("refunds:batch_create")).content.decode()
        first = bankdays.earliest_transfer_date()
        assert f'min="{first.isoformat()}"' in page and f'value="{first.isoformat()}"' in page
        assert f"{first:%m/%d}" in page


@pytest.mark.django_db
def test_the_run_page_says_which_bank_details_are_missing(people, settings):
    from django.test import Client

    approved_case(people)
    run = payments.batch_create(
        method="bank_transfer", user=people["a"], transfer_date=bankdays.earliest_transfer_date()
    )
    client = Client()
    client.force_login(people["b"])
    page = client.get(run.get_absolute_url()).content.decode()
    assert 'id="bank-details-missing"' in page and "ZENGIN_CONSIGNOR_CODE" in page
    settings.ZENGIN_CONSIGNOR_CODE = "1234567890"
    settings.ZENGIN_CONSIGNOR_NAME = "ｶ)ｻﾝﾌﾟﾙ"
    settings.ZENGIN_ACCOUNT_NUMBER = "7654321"
    page = client.get(run.get_absolute_url()).content.decode()
    assert 'id="bank-details-missing"' not in page
