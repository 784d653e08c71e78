"""Dashboard and progress report: figures equal counts taken straight from the database."""

import io

import pytest
from django.contrib.auth.models import Group
from django.db.models import Sum
from django.urls import reverse
from django.utils import timezone

from refunds.models import Case, CaseStatus, Claim, ContactAttempt
from refunds.reports import dashboard, progress_report
from refunds.services import reporting
from tests.factories import CaseFactory, InquiryFactory, set_status

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def no_cached_dashboard():
    """The dashboard's cache outlives a test's database: each test starts without it."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture
def cases(db):
    made = [CaseFactory(category=1, status="detected", amount_yen=6720) for _ in range(3)]
    made += [CaseFactory(category=3, status="awaiting_claim", amount_yen=3402) for _ in range(2)]
    paid = CaseFactory(category=2, status="claim_received", amount_yen=4000)
    set_status(
        Case.objects.filter(pk=paid.pk), "paid", paid_at=timezone.now(), paid_amount_yen=4000
    )
    CaseFactory(category=2, status="rejected", amount_yen=999)
    CaseFactory(category=2, status="claim_received", amount_yen=None, computed_amount_yen=None)
    return made


def test_report_equals_the_database(cases):
    data = progress_report()
    everything = Case.objects.all()
    live = Case.objects.exclude(status__in=["rejected", "no_longer_affected"])
    total = data["total"]
    assert total["identified"] == {
        "count": everything.count(),
        "yen": everything.aggregate(y=Sum("amount_yen"))["y"],
    }
    assert total["paid"] == {"count": 1, "yen": 4000}
    assert total["not_calculated"]["count"] == everything.filter(amount_yen__isnull=True).count()
    assert total["unpaid"]["count"] == live.exclude(status="paid").count()
    assert total["claims"]["count"] == Claim.objects.count()
    for value in ("1", "2", "3"):
        assert (
            data["categories"][value]["identified"]["count"]
            == everything.filter(category=int(value)).count()
        )


def test_every_state_has_a_line_and_the_lines_add_up_to_the_cases_identified(cases):
    data = progress_report()
    for figures in [data["total"], *data["programs"].values(), *data["categories"].values()]:
        states = [figures[f"status:{value}"] for value in CaseStatus.values]
        assert sum(line["count"] for line in states) == figures["identified"]["count"]
        assert sum(line["yen"] for line in states) == figures["identified"]["yen"]
    assert data["total"]["status:in_payment"] == {"count": 0, "yen": 0}
    assert data["total"]["status:rejected"] == {"count": 1, "yen": 999}


def test_notified_counts_a_call_or_an_email_as_well_as_a_letter(db):
    lettered, called, emailed, untouched = (
        CaseFactory(category=1, status="detected", amount_yen=1000) for _ in range(4)
    )
    ContactAttempt.objects.create(case=lettered, kind="letter", sent_at=timezone.now())
    InquiryFactory(member=called.member, channel="phone")
    InquiryFactory(member=emailed.member, case=emailed, channel="email")
    assert progress_report()["total"]["notified"] == {"count": 3, "yen": 3000}


def test_report_title_and_file_name_are_in_local_time_with_the_zone(
    cases, client, django_user_model
):
    import datetime as dt

    from refunds.models import ProgressReport

    report = reporting.report_generate()
    # 21:33 UTC is 06:33 the next day in Tokyo.
    ProgressReport.objects.filter(pk=report.pk).update(
        generated_at=dt.datetime(2026, 12, 1, 21, 33, tzinfo=dt.UTC)
    )
    report.refresh_from_db()
    assert str(report).endswith("2026-12-02 06:33 JST")
    user = django_user_model.objects.create_user("sv", password="x")
    user.groups.add(Group.objects.get(name="supervisor"))
    client.force_login(user)
    response = client.get(reverse("refunds:report_download", args=[report.pk, "csv"]))
    assert 'filename="progress-20261202-0633JST.csv"' in response["Content-Disposition"]


def test_report_of_an_empty_program_is_all_zeros(db):
    data = progress_report("NOTHING-HERE")
    assert all(line == {"count": 0, "yen": 0} for line in data["total"].values())


def test_report_outputs(cases, tmp_path):
    from openpyxl import load_workbook

    report = reporting.report_generate()
    csv_text = reporting.report_csv(report).decode("utf-8-sig")
    assert csv_text.splitlines()[0].startswith("line,")
    book = load_workbook(io.BytesIO(reporting.report_xlsx(report)))
    sheet = book.active
    assert sheet.cell(row=3, column=2).value == progress_report()["total"]["identified"]["count"]
    assert reporting.report_pdf(report).startswith(b"%PDF")


def test_beat_task_keeps_a_report(cases):
    from refunds.tasks import progress_report_task

    pk = progress_report_task.delay().get()
    assert reporting.ProgressReport.objects.filter(pk=pk).exists()


def test_dashboard_figures_and_links(cases, supervisor_client, django_assert_max_num_queries):
    board = dashboard()
    assert board.totals["count"] == Case.objects.count()
    assert board.matrix[3]["awaiting_claim"] == {"count": 2, "yen": 6804}
    assert board.unclaimed_total == {"count": 2, "yen": 6804}
    with django_assert_max_num_queries(25):
        page = supervisor_client.get(reverse("refunds:dashboard")).content.decode()
    assert "/cases/?status=awaiting_claim&amp;category=3" in page
    assert "3,402" in page or "6,804" in page


def test_dashboard_speaks_the_language_of_the_request_after_caching(cases, supervisor_client):
    supervisor_client.get(reverse("refunds:dashboard"))  # cached in Japanese
    supervisor_client.cookies["django_language"] = "en"
    page = supervisor_client.get(reverse("refunds:dashboard")).content.decode()
    assert "Awaiting claim" in page and "Dashboard" in page


def _make_stale():
    from django.core.cache import cache

    from refunds.models import DashboardSnapshot

    cache.clear()
    DashboardSnapshot.objects.update(computed_at=timezone.now() - timezone.timedelta(hours=1))


def test_a_cold_dashboard_shows_the_stored_figures_without_reading_the_cases(
    cases, supervisor_client
):
    from django.core.cache import cache
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    supervisor_client.get(reverse("refunds:dashboard"))  # the first page computes and stores
    cache.clear()
    with CaptureQueriesContext(connection) as ctx:
        page = supervisor_client.get(reverse("refunds:dashboard"))
    assert page.status_code == 200 and 'id="dashboard-as-of"' in page.content.decode()
    assert len(ctx.captured_queries) <= 8
    assert not [q for q in ctx.captured_queries if "refunds_case" in q["sql"]]


def test_old_figures_are_shown_while_one_refresh_is_queued(cases):
    from unittest import mock

    from refunds.models import DashboardSnapshot
    from refunds.tasks import dashboard_refresh_task

    before = dashboard().totals["count"]
    _make_stale()
    CaseFactory(category=1, status="detected")
    with mock.patch.object(dashboard_refresh_task, "apply_async") as queued:
        assert dashboard().totals["count"] == before  # the stored figures, with their time
        _make_stale()
        dashboard()  # a refresh is already queued: not a second one
    queued.assert_called_once()
    assert queued.call_args.args[0] == (60,)
    assert DashboardSnapshot.objects.get().refreshing_since is not None
    dashboard_refresh_task(60)
    snapshot = DashboardSnapshot.objects.get()
    assert snapshot.refreshing_since is None and snapshot.figures["totals"]["count"] == before + 1


def test_without_a_broker_the_refresh_runs_in_process(cases):
    before = dashboard().totals["count"]
    _make_stale()
    CaseFactory(category=1, status="detected")
    assert dashboard().totals["count"] == before + 1 == Case.objects.count()


def test_broker_down_keeps_the_old_figures_and_no_refresh_marked(cases):
    from unittest import mock

    from kombu.exceptions import OperationalError

    from refunds.models import DashboardSnapshot
    from refunds.tasks import dashboard_refresh_task

    before = dashboard().totals["count"]
    _make_stale()
    CaseFactory(category=1, status="detected")
    with mock.patch.object(
        dashboard_refresh_task, "apply_async", side_effect=OperationalError("down")
    ):
        assert dashboard().totals["count"] == before
    assert DashboardSnapshot.objects.get().refreshing_since is None
