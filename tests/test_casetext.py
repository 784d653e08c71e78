"""What the caller hears: a polite sentence per state, with the day the refund comes."""

import datetime
import re

import pytest
from django.utils import timezone, translation

from refunds import bankdays
from refunds.casetext import caller_answer
from refunds.localtime import spoken_date
from refunds.models import CaseStatus
from tests.factories import CaseFactory, ClaimFactory

pytestmark = pytest.mark.django_db
TODAY = datetime.date(2026, 12, 7)  # a Monday
JA_POLITE = re.compile("(いたしま|ございます|おります|ください|でしょうか|いただき)")


@pytest.mark.parametrize("status", [s.value for s in CaseStatus])
@pytest.mark.parametrize("category", [1, 2, 3])
def test_every_state_has_a_polite_japanese_answer_with_no_english(status, category):
    case = CaseFactory(status=status, category=category, paid_at=timezone.now())
    with translation.override("ja"):
        answer = caller_answer(case, today=TODAY)
    assert JA_POLITE.search(answer), answer
    assert not re.search("[A-Za-z]", answer), answer


def test_a_claim_in_hand_is_paid_by_the_programs_service_level_from_the_claim():
    case = CaseFactory(status="prepared", category=2)
    case.program.service_level_business_days = 5
    claim = ClaimFactory(
        case=case, received_at=timezone.make_aware(datetime.datetime(2026, 12, 4, 10))
    )
    days = bankdays.business_days_after(datetime.date(2026, 12, 4))
    due = [next(days) for _ in range(5)][-1]
    with translation.override("ja"):
        answer = caller_answer(case, claim=claim, today=TODAY)
        assert spoken_date(due) in answer and "12月4日（金）" in answer


def test_a_payment_on_its_way_gives_the_runs_transfer_date():
    case = CaseFactory(status="in_payment", category=2)
    with translation.override("ja"):
        answer = caller_answer(case, transfer_date=datetime.date(2026, 12, 9), today=TODAY)
    assert answer == "12月9日（水）に、ご指定の口座へお振込いたします。"


def test_a_current_member_hears_of_the_bill_credit_without_a_claim():
    case = CaseFactory(status="notified", category=1)
    with translation.override("en"):
        assert "next monthly bill" in caller_answer(case, today=TODAY)


def test_the_member_page_reads_the_answer_out(staff_client):
    case = CaseFactory(status="detected", category=2)
    page = staff_client.get(case.member.get_absolute_url()).content.decode()
    assert "お振込先の口座をお伺いでき次第" in page
