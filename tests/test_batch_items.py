"""A run's payments, a page at a time: its own rows, in id order, whatever runs follow it."""

import pytest
from django.urls import reverse

from refunds import selectors
from refunds.models import PaymentItem
from tests.factories import CaseFactory, PaymentBatchFactory

pytestmark = pytest.mark.django_db


def _items(batch, count):
    return [
        PaymentItem.objects.create(
            batch=batch, case=CaseFactory(status="in_payment"), amount_yen=1000 + i
        )
        for i in range(count)
    ]


def test_a_runs_items_are_its_own_between_other_runs():
    first, second, third = PaymentBatchFactory(), PaymentBatchFactory(), PaymentBatchFactory()
    _items(first, 2)
    mine = _items(second, 3)
    _items(first, 1)  # a later payment of the first run lies beyond the second's
    _items(third, 2)
    assert list(selectors.batch_items(second).order_by("pk")) == mine
    assert len(selectors.batch_items(first)) == 3
    assert list(selectors.batch_items(PaymentBatchFactory())) == []


def test_the_runs_page_and_the_apis_items_list_a_page_of_its_payments(
    supervisor_client, supervisor_user
):
    from rest_framework.test import APIClient

    batch = PaymentBatchFactory()
    items = _items(batch, 55)
    _items(PaymentBatchFactory(), 3)
    page = supervisor_client.get(reverse("refunds:batch_detail", args=[batch.pk]))
    assert page.content.decode().count("/cases/") >= 50
    api = APIClient()
    api.force_authenticate(supervisor_user)
    answer = api.get(reverse("api:payment-items", args=[batch.pk])).json()
    assert [i["id"] for i in answer["results"]] == [i.pk for i in reversed(items)][:50]
    assert answer["next"]
