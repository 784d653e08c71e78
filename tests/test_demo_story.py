"""``generate_demo --load``: a program six weeks in, played through the services.

One small demo (400 members) is built and then looked at the way a user would: the dashboard's
charts, each queue page, the payment batches, letters, investigations and progress reports.
The story depends on today's weekday (payment runs move to weekdays); the test plays it from a
fixed Wednesday morning so that it is the same every day.
"""

import datetime
import io
import itertools
import json
import zoneinfo
from collections.abc import Iterator
from pathlib import Path

import pytest
import time_machine
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from refunds.models import (
    AuditEvent,
    BatchStatus,
    Case,
    CaseStatus,
    Claim,
    ContactAttempt,
    ContactKind,
    Inquiry,
    Investigation,
    ItemStatus,
    PaymentBatch,
    PayoutMethod,
    ProgressReport,
)

S = CaseStatus


def _generate(output: Path, *args: str) -> str:
    out = io.StringIO()
    call_command("generate_demo", "--output", str(output), *args, stdout=out)
    return out.getvalue()


TODAY = datetime.datetime(2026, 12, 2, 10, 30, tzinfo=zoneinfo.ZoneInfo("Asia/Tokyo"))


@pytest.fixture
def played(db, tmp_path: Path) -> Iterator[str]:
    with time_machine.travel(TODAY, tick=True):
        yield _generate(tmp_path, "--members", "400", "--seed", "7", "--load")


def _client(username: str) -> Client:
    client = Client()
    client.force_login(User.objects.get(username=username))
    return client


def _rows(client: Client, url: str) -> int:
    response = client.get(url)
    assert response.status_code == 200, url
    return len(response.context["table"].page.object_list)


def test_played_demo_fills_the_dashboard_queues_payments_and_reports(
    played: str, tmp_path: Path
) -> None:
    now = timezone.now()
    statuses = set(Case.objects.values_list("status", flat=True))
    assert {S.AWAITING_CLAIM, S.NOTIFIED, S.CLAIM_RECEIVED, S.PREPARED, S.PAID} <= statuses
    assert {S.IN_PAYMENT, S.PAYMENT_FAILED, S.APPROVED} <= statuses

    # The program started six weeks ago and its events are spread over the weeks since.
    first = Case.objects.order_by("created_at").first()
    assert first is not None
    assert 41 <= (now - first.created_at).days <= 42
    days = {timezone.localdate(t) for t in AuditEvent.objects.values_list("created_at", flat=True)}
    assert len(days) >= 35
    assert not AuditEvent.objects.filter(created_at__gt=now).exists()
    # The audit chain takes in every event of the six weeks and verifies.
    out = io.StringIO()
    call_command("audit_verify", stdout=out)
    assert "unsealed=0 chain=intact" in out.getvalue()
    assert f"links={AuditEvent.objects.count()} " in out.getvalue()

    # Every chart of the dashboard has data.
    supervisor = _client("supervisor")
    response = supervisor.get(reverse("refunds:dashboard"))
    assert response.status_code == 200
    charts = response.context["chart_data"]
    assert charts["paid"] and all(day["paid"] > 0 for day in charts["paid"])
    assert len(charts["inquiries"]) >= 35
    hours = charts["hours"]
    assert sum(hours[9:18]) > 0.7 * sum(hours), "calls are taken inside the line's hours"
    assert sum(hours[:9]) + sum(hours[18:]) > 0, "some messages are left at night"
    board = response.context["board"]
    assert board.claim_to_payment_days["median"] is not None
    assert board.unclaimed_total["count"] > 0
    json.dumps(charts)

    # Each queue has rows.
    staff = _client("staff")
    queues = {
        "callbacks": (staff, reverse("refunds:callback_list")),
        "my inquiries": (staff, reverse("refunds:inquiry_list")),
        "awaiting claim": (staff, reverse("refunds:case_list") + "?status=awaiting_claim"),
        "claims to prepare": (staff, reverse("refunds:claim_list")),
        "complaints": (supervisor, reverse("refunds:complaint_list")),
        "review": (supervisor, reverse("refunds:review_queue")),
        "QA": (supervisor, reverse("refunds:qa_queue")),
        "investigations": (supervisor, reverse("refunds:investigation_list")),
        "payments": (supervisor, reverse("refunds:batch_list")),
        "progress reports": (supervisor, reverse("refunds:report_list")),
    }
    empty = [name for name, (client, url) in queues.items() if not _rows(client, url)]
    assert not empty, f"empty queues: {empty}"

    # Two payment runs released; the first bank run's result file applied, a few refused.
    bank = PaymentBatch.objects.filter(method=PayoutMethod.BANK_TRANSFER).order_by("pk")
    assert [b.status for b in bank] == [BatchStatus.RECONCILED, BatchStatus.EXPORTED]
    assert all(b.file and b.exported_at for b in bank)
    first_run = bank[0]
    failed = first_run.items.filter(status=ItemStatus.FAILED)
    assert 1 <= failed.count() < first_run.items.filter(status=ItemStatus.PAID).count()
    assert (tmp_path / f"bank-result-{first_run.pk}.csv").is_file()
    assert bank[1].transfer_date > timezone.localdate()  # the bank has not paid it yet

    # Letters sent (notices, then reminders a month later), kept as printed.
    assert ContactAttempt.objects.filter(kind=ContactKind.LETTER).count() > 0
    assert ContactAttempt.objects.filter(kind=ContactKind.REMINDER).count() > 0
    assert sorted(p.name for p in (tmp_path / "letters").iterdir())

    # Claims taken by phone and by the returned claim form; four eyes everywhere.
    channels = set(Claim.objects.values_list("channel", flat=True))
    assert {"phone", "letter"} <= channels
    for case in Case.objects.filter(approved_by__isnull=False):
        assert case.approved_by_id != case.prepared_by_id
        if case.second_approved_by_id is not None:
            assert case.second_approved_by_id not in (case.approved_by_id, case.prepared_by_id)

    # An investigation settled (and paid with the first run), others still open.
    settled = Investigation.objects.filter(settled_at__isnull=False)
    assert settled.count() == 1
    assert Investigation.objects.filter(settled_at__isnull=True).exists()

    # Complaints open and closed; callbacks from last night still to make.
    assert Inquiry.objects.filter(complaint_closed_at__isnull=False).exists()
    assert Inquiry.objects.filter(complaint_due_at__isnull=False, complaint_closed_at=None).exists()

    # A progress report every two weeks, the last one today.
    generated = sorted(ProgressReport.objects.values_list("generated_at", flat=True))
    intervals = [(b - a) / datetime.timedelta(days=1) for a, b in itertools.pairwise(generated)]
    assert [round(days) for days in intervals] == [14, 14]
    assert timezone.localdate(generated[-1]) == timezone.localdate()

    assert "six weeks from" in played
    assert "supervisor2" in played  # the logins are printed


def test_day_one_stops_after_detection(db, tmp_path: Path) -> None:
    output = _generate(tmp_path, "--members", "300", "--seed", "7", "--load", "--day-one")
    assert set(Case.objects.values_list("status", flat=True)) == {S.DETECTED, S.AWAITING_CLAIM}
    assert not Inquiry.objects.exists()
    assert not Claim.objects.exists()
    assert not PaymentBatch.objects.exists()
    assert not ContactAttempt.objects.exists()
    first = Case.objects.order_by("created_at").first()
    assert first is not None and timezone.now() - first.created_at < datetime.timedelta(hours=1)
    assert set(User.objects.values_list("username", flat=True)) >= {
        "staff",
        "supervisor",
        "supervisor2",
        "admin",
    }
    assert "refund-desk-demo" in output  # the logins are printed

    # A second load leaves the demo as it is.
    again = _generate(tmp_path, "--members", "300", "--seed", "7", "--load")
    assert "already holds the demo" in again
    assert not Inquiry.objects.exists()


def test_day_one_goes_with_load(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="--day-one goes with --load"):
        _generate(tmp_path, "--members", "10", "--day-one")
