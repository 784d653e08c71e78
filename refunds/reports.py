"""Aggregates for the dashboard and the progress report, computed in the database.

Every figure is a ``COUNT``/``SUM`` grouped in SQL (a handful of queries whatever the number of
cases); the dashboard keeps its figures in the cache for ``DASHBOARD_CACHE_SECONDS``.
"""

import datetime
import statistics
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.db.models import Aggregate, Count, Exists, OuterRef, Q, QuerySet, Sum
from django.db.models.functions import ExtractHour, TruncDate
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from refunds import queue
from refunds.hours import OpeningHours
from refunds.localtime import local
from refunds.models import (
    Case,
    CaseStatus,
    Category,
    Channel,
    Claim,
    ContactAttempt,
    ContactKind,
    Contract,
    DashboardSnapshot,
    DataProblem,
    DetectionRun,
    Inquiry,
    Member,
    PayoutMethod,
    RemediationProgram,
    ReturnedMail,
    RunStatus,
)
from refunds.policies import notices_due, payable_cases, reminders_due

S = CaseStatus
AGING_BUCKETS = ((0, 30), (31, 90), (91, 180), (181, None))


def _cases(program_code: str | None = None) -> QuerySet[Case]:
    cases = Case.objects.all()
    return cases.filter(program_code=program_code) if program_code else cases


# -- progress report ------------------------------------------------------------------------

# The report's lines: the remediation's funnel, then one line per state of the lifecycle. The
# state lines add up to the cases identified (every case the program opened, whatever became of
# it); "not paid yet" is what is still owed (neither paid nor closed without a refund).
FUNNEL_ROWS = (
    ("identified", _("Cases identified")),
    ("calculated", _("Calculation complete")),
    ("not_calculated", _("Calculation incomplete")),
    ("notified", _("Notified (a letter, call or email on record)")),
    ("claims", _("Claims received")),
    ("approved", _("Approved (incl. in payment and paid)")),
    ("paid", _("Paid")),
    ("unpaid", _("Not paid yet")),
    ("unreachable", _("Unreachable (all reminders sent, no claim)")),
    ("mail_returned", _("Letter returned (address to trace)")),
)
STATE_ROWS = tuple(
    (f"status:{value}", format_lazy("{}: {}", _("In state"), label))
    for value, label in CaseStatus.choices
)
# Claims by how they came in (the call center's phone, the member portal, a letter, email).
CHANNEL_ROWS = tuple(
    (f"claims:{value}", format_lazy("{}: {}", _("Claims received by"), label))
    for value, label in Channel.choices
)
REPORT_ROWS = FUNNEL_ROWS[:5] + CHANNEL_ROWS + FUNNEL_ROWS[5:] + STATE_ROWS
CLOSED_WITHOUT_REFUND = (S.REJECTED, S.NO_LONGER_AFFECTED)


def _contacted(cases: QuerySet[Case]) -> QuerySet[Case]:
    """Cases whose member was reached: a letter or reminder sent, or a call or email on record
    (a contact attempt on the case, or an inquiry about the case or with its member)."""
    return cases.filter(
        Exists(ContactAttempt.objects.filter(case=OuterRef("pk")))
        | Exists(Inquiry.objects.filter(case=OuterRef("pk")))
        | Exists(Inquiry.objects.filter(member=OuterRef("member_id")))
    )


def _report_figures(cases: QuerySet[Case]) -> dict[str, dict[str, int]]:
    """Count and yen of each report line for ``cases``, in a handful of queries."""
    live = cases.exclude(status__in=CLOSED_WITHOUT_REFUND)
    approved_states = [S.APPROVED, S.IN_PAYMENT, S.PAID]
    row = cases.aggregate(
        identified=Count("pk"),
        identified_yen=Sum("amount_yen"),
        calculated=Count("pk", filter=Q(amount_yen__isnull=False)),
        calculated_yen=Sum("amount_yen", filter=Q(amount_yen__isnull=False)),
        not_calculated=Count("pk", filter=Q(amount_yen__isnull=True)),
        approved=Count("pk", filter=Q(status__in=approved_states)),
        approved_yen=Sum("amount_yen", filter=Q(status__in=approved_states)),
        paid=Count("pk", filter=Q(status=S.PAID)),
        paid_yen=Sum("paid_amount_yen", filter=Q(status=S.PAID)),
    )
    unpaid = live.exclude(status=S.PAID).aggregate(n=Count("pk"), yen=Sum("amount_yen"))
    notified = _contacted(cases).aggregate(n=Count("pk"), yen=Sum("amount_yen"))
    claims = Claim.objects.filter(case__in=cases).aggregate(
        n=Count("pk"), yen=Sum("case__amount_yen")
    )
    reminded = (
        live.filter(claims__isnull=True, status__in=[S.NOTIFIED, S.AWAITING_CLAIM])
        .annotate(
            n=Count("contact_attempts", filter=Q(contact_attempts__kind=ContactKind.REMINDER))
        )
        .filter(n__gte=settings.REMINDERS_MAX)
    )
    returned = live.exclude(status=S.PAID).filter(ReturnedMail.at_current_address())
    figures = {
        "mail_returned": (returned.count(), returned.aggregate(y=Sum("amount_yen"))["y"]),
        "identified": (row["identified"], row["identified_yen"]),
        "calculated": (row["calculated"], row["calculated_yen"]),
        "not_calculated": (row["not_calculated"], None),
        "notified": (notified["n"], notified["yen"]),
        "claims": (claims["n"], claims["yen"]),
        "approved": (row["approved"], row["approved_yen"]),
        "paid": (row["paid"], row["paid_yen"]),
        "unpaid": (unpaid["n"], unpaid["yen"]),
        "unreachable": (reminded.count(), reminded.aggregate(y=Sum("amount_yen"))["y"]),
    }
    figures.update({key: (0, 0) for key, _label in STATE_ROWS + CHANNEL_ROWS})
    by_channel = (
        Claim.objects.filter(case__in=cases)
        .values("channel")
        .annotate(n=Count("pk"), yen=Sum("case__amount_yen"))
        .order_by()
    )
    for channel in by_channel:
        figures[f"claims:{channel['channel']}"] = (channel["n"], channel["yen"])
    for state in cases.values("status").annotate(n=Count("pk"), yen=Sum("amount_yen")):
        figures[f"status:{state['status']}"] = (state["n"], state["yen"])
    return {key: {"count": n or 0, "yen": yen or 0} for key, (n, yen) in figures.items()}


def progress_report(program_code: str | None = None) -> dict[str, Any]:
    """The report's figures: totals, per program and per category (JSON-serialisable)."""
    cases = _cases(program_code)
    codes = (
        [program_code]
        if program_code
        else list(
            RemediationProgram.objects.values_list("code", flat=True).distinct().order_by("code")
        )
    )
    return {
        "generated_at": local().isoformat(),
        "program": program_code or "",
        "rows": [key for key, _label in REPORT_ROWS],
        "total": _report_figures(cases),
        "programs": {code: _report_figures(_cases(code)) for code in codes},
        "categories": {
            str(value): _report_figures(cases.filter(category=value)) for value in Category.values
        },
    }


# -- dashboard ------------------------------------------------------------------------------


@dataclass
class Dashboard:
    matrix: dict[int | None, dict[str, dict[str, int]]] = field(default_factory=dict)
    paid_by_day: list[dict[str, Any]] = field(default_factory=list)
    inquiries_by_day: list[dict[str, Any]] = field(default_factory=list)
    inquiries_by_hour: list[int] = field(default_factory=list)
    opening_hours: tuple[int, int] = (9, 18)
    claim_to_payment_days: dict[str, float | None] = field(default_factory=dict)
    past_target: int = 0
    unclaimed: list[dict[str, Any]] = field(default_factory=list)
    unclaimed_total: dict[str, int] = field(default_factory=dict)
    data_problems: int = 0
    totals: dict[str, int] = field(default_factory=dict)
    # Letters due (the letters page): notices by category ("1", "2"), and reminders.
    notices_due: dict[str, int] = field(default_factory=dict)
    reminders_due: int = 0
    # Claims by the channel they came in by (phone, web...).
    claims_by_channel: dict[str, int] = field(default_factory=dict)
    # Approved cases a new payment run would take, by payout method: {"count", "yen"}.
    payable: dict[str, dict[str, int]] = field(default_factory=dict)
    # The data on record (the home page).
    members: int = 0
    contracts: int = 0
    computed_at: datetime.datetime | None = None

    def figures(self) -> dict[str, Any]:
        """The figures as JSON (the matrix as rows: its category keys are not all strings)."""
        data = asdict(self)
        data["matrix"] = [
            [category, status, cell["count"], cell["yen"]]
            for category, cells in self.matrix.items()
            for status, cell in cells.items()
        ]
        data.pop("computed_at")
        return data

    @classmethod
    def from_figures(cls, data: dict[str, Any], computed_at: datetime.datetime) -> "Dashboard":
        data = dict(data)
        matrix: dict[int | None, dict[str, dict[str, int]]] = {}
        for category, status, count, yen in data.pop("matrix"):
            matrix.setdefault(category, {})[status] = {"count": count, "yen": yen}
        data["opening_hours"] = tuple(data["opening_hours"])
        return cls(matrix=matrix, computed_at=computed_at, **data)


def _percentiles(days: list[float]) -> dict[str, float | None]:
    if not days:
        return {"median": None, "p90": None}
    days.sort()
    p90 = days[min(len(days) - 1, round(0.9 * (len(days) - 1)))]
    return {"median": round(statistics.median(days), 1), "p90": round(p90, 1)}


def _claim_to_payment() -> dict[str, float | None]:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                """
                SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY d),
                       percentile_cont(0.9) WITHIN GROUP (ORDER BY d)
                FROM (SELECT EXTRACT(EPOCH FROM (c.paid_at - cl.received_at)) / 86400.0 AS d
                      FROM refunds_case c JOIN refunds_claim cl ON cl.case_id = c.id
                      WHERE c.status = 'paid') t
                """
            )
            median, p90 = cursor.fetchone()
        return {
            "median": round(float(median), 1) if median is not None else None,
            "p90": round(float(p90), 1) if p90 is not None else None,
        }
    pairs = Claim.objects.filter(case__status=S.PAID).values_list("received_at", "case__paid_at")
    return _percentiles(
        [(paid - received).total_seconds() / 86400 for received, paid in pairs if paid is not None]
    )


def dashboard(*, days: int = 60) -> Dashboard:
    """The dashboard as last computed, from the cache or the stored snapshot.

    Computing it reads every case (seconds at a million), so no page waits for it: a snapshot
    older than ``DASHBOARD_CACHE_SECONDS`` is shown with its time while a task computes the next
    one (one at a time). Only the very first page, before any snapshot exists, computes it.
    """
    key = f"dashboard:{days}"
    cached = cache.get(key)
    if cached is not None:
        return cached
    snapshot = DashboardSnapshot.objects.filter(key=key).first()
    if snapshot is None:
        board = refresh_dashboard(days=days)
    else:
        board = Dashboard.from_figures(snapshot.figures, snapshot.computed_at)
        age = timezone.now() - snapshot.computed_at
        if age.total_seconds() > settings.DASHBOARD_CACHE_SECONDS:
            board = _refresh_in_background(key, days) or board
    cache.set(key, board, settings.DASHBOARD_CACHE_SECONDS)
    return board


REFRESH_TIMEOUT = datetime.timedelta(minutes=10)


def _refresh_in_background(key: str, days: int) -> Dashboard | None:
    """Queue a refresh unless one is queued or running; the new board if it ran in process."""
    now = timezone.now()
    claimed = (
        DashboardSnapshot.objects.filter(key=key)
        .filter(Q(refreshing_since__isnull=True) | Q(refreshing_since__lt=now - REFRESH_TIMEOUT))
        .update(refreshing_since=now)
    )
    if not claimed:
        return None

    def unclaim(_message: str) -> None:
        DashboardSnapshot.objects.filter(key=key).update(refreshing_since=None)

    try:
        queue.send(queue.DASHBOARD_REFRESH, days, on_failure=unclaim)
    except queue.BackgroundUnavailable:  # no broker: the figures stay as they are
        return None
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return cache.get(key) or _stored(key)
    return None


def _stored(key: str) -> Dashboard | None:
    snapshot = DashboardSnapshot.objects.filter(key=key).first()
    return Dashboard.from_figures(snapshot.figures, snapshot.computed_at) if snapshot else None


def refresh_dashboard(*, days: int = 60) -> Dashboard:
    """Compute the dashboard, store it as the snapshot and put it in the cache."""
    key = f"dashboard:{days}"
    board = compute_dashboard(days=days)
    DashboardSnapshot.objects.update_or_create(
        key=key,
        defaults={
            "figures": board.figures(),
            "computed_at": board.computed_at or timezone.now(),
            "refreshing_since": None,
        },
    )
    cache.set(key, board, settings.DASHBOARD_CACHE_SECONDS)
    return board


def compute_dashboard(*, days: int = 60) -> Dashboard:
    """Every figure of the dashboard, grouped and summed in the database, step by step."""
    board = Dashboard(computed_at=timezone.now())
    since = timezone.now() - datetime.timedelta(days=days)
    liability, paid_total = _matrix_and_totals(board)
    _paid_by_day(board, since, liability=liability, paid_total=paid_total)
    _inquiries(board, since)
    board.claim_to_payment_days = _claim_to_payment()
    board.past_target = _claims_past_target()
    board.claims_by_channel = {
        row["channel"]: row["n"]
        for row in Claim.objects.values("channel").annotate(n=Count("pk")).order_by()
    }
    _unclaimed_by_age(board)
    board.data_problems = _open_data_problems()
    _letters_due(board)
    _payable(board)
    board.members = Member.objects.count()
    board.contracts = Contract.objects.count()
    return board


def _letters_due(board: Dashboard) -> None:
    """How many notices (by category) and reminders are due: counting them reads every
    detected and notified case, so the letters page shows these figures with their time."""
    notices = notices_due().values("category").annotate(n=Count("pk")).order_by("category")
    board.notices_due = {str(row["category"]): row["n"] for row in notices}
    board.reminders_due = reminders_due().count()


def _payable(board: Dashboard) -> None:
    """What a new payment run of each method would take (the new-run page shows it with its
    time: counting reads every approved case)."""
    for method in PayoutMethod:
        totals = payable_cases(method).aggregate(count=Count("pk"), yen=Sum("amount_yen"))
        board.payable[str(method)] = {"count": totals["count"], "yen": totals["yen"] or 0}


# Claims not yet paid: a claim in one of these states counts against the target.
_OPEN_CLAIM_STATES = [
    S.CLAIM_RECEIVED,
    S.PREPARED,
    S.AWAITING_SECOND_APPROVAL,
    S.APPROVED,
    S.IN_PAYMENT,
    S.PAYMENT_FAILED,
]


def _matrix_and_totals(board: Dashboard) -> tuple[int, int]:
    """Cases and yen by category x state, in one pass; returns (still owed, paid in all)."""
    totals: dict[str, int] = defaultdict(int)
    liability = paid_total = 0
    for cell_row in Case.objects.values("category", "status").annotate(
        n=Count("pk"), yen=Sum("amount_yen"), paid=Sum("paid_amount_yen", filter=Q(status=S.PAID))
    ):
        cell = board.matrix.setdefault(cell_row["category"], {})
        cell[cell_row["status"]] = {"count": cell_row["n"], "yen": cell_row["yen"] or 0}
        totals["count"] += cell_row["n"]
        totals["yen"] += cell_row["yen"] or 0
        if cell_row["status"] not in CLOSED_WITHOUT_REFUND:
            liability += cell_row["yen"] or 0
        paid_total += cell_row["paid"] or 0
    board.totals = dict(totals)
    return liability, paid_total


def _paid_by_day(
    board: Dashboard, since: datetime.datetime, *, liability: int, paid_total: int
) -> None:
    """Paid (cumulative) against still owed, per day with payments since ``since``."""
    paid_days = list(
        Case.objects.filter(status=S.PAID, paid_at__gte=since)
        .annotate(day=TruncDate("paid_at"))
        .values("day")
        .annotate(n=Count("pk"), yen=Sum("paid_amount_yen"))
        .order_by("day")
    )
    running = paid_total - sum(row["yen"] or 0 for row in paid_days)
    for day_row in paid_days:
        running += day_row["yen"] or 0
        board.paid_by_day.append(
            {
                "day": day_row["day"].isoformat(),
                "paid": running,
                "outstanding": max(liability - running, 0),
            }
        )


def _inquiries(board: Dashboard, since: datetime.datetime) -> None:
    """Inquiries per day since ``since`` and per hour of the day, with the line's hours."""
    board.inquiries_by_day = [
        {"day": row["day"].isoformat(), "n": row["n"]}
        for row in Inquiry.objects.filter(started_at__gte=since)
        .annotate(day=TruncDate("started_at"))
        .values("day")
        .annotate(n=Count("pk"))
        .order_by("day")
    ]
    hours = [0] * 24
    for row in (
        Inquiry.objects.annotate(h=ExtractHour("started_at")).values("h").annotate(n=Count("pk"))
    ):
        if row["h"] is not None:
            hours[row["h"]] = row["n"]
    board.inquiries_by_hour = hours
    opening = OpeningHours.parse(settings.FREE_DIAL_HOURS)
    board.opening_hours = (opening.opens.hour, opening.closes.hour)


def _claims_past_target() -> int:
    """Claims received more than ``CASE_TARGET_DAYS`` ago and not paid yet."""
    target = timezone.now() - datetime.timedelta(days=settings.CASE_TARGET_DAYS)
    return Claim.objects.filter(received_at__lt=target, case__status__in=_OPEN_CLAIM_STATES).count()


def _unclaimed_by_age(board: Dashboard) -> None:
    """Category-3 cases still awaiting a claim, by age bucket, in one query."""
    today = timezone.now()
    buckets: dict[str, Aggregate] = {}
    for index, (low, high) in enumerate(AGING_BUCKETS):
        age = Q(created_at__lte=today - datetime.timedelta(days=low))
        if high is not None:
            age &= Q(created_at__gt=today - datetime.timedelta(days=high + 1))
        buckets[f"n{index}"] = Count("pk", filter=age)
        buckets[f"yen{index}"] = Sum("amount_yen", filter=age)
    aging = Case.objects.filter(status=S.AWAITING_CLAIM).aggregate(**buckets)
    for index, (low, high) in enumerate(AGING_BUCKETS):
        board.unclaimed.append(
            {
                "low": low,
                "high": high,
                "count": aging[f"n{index}"],
                "yen": aging[f"yen{index}"] or 0,
            }
        )
    board.unclaimed_total = {
        "count": sum(b["count"] for b in board.unclaimed),
        "yen": sum(b["yen"] for b in board.unclaimed),
    }


def _open_data_problems() -> int:
    """The data problems of the latest finished detection run."""
    latest = (
        DetectionRun.objects.filter(status=RunStatus.SUCCEEDED, dry_run=False)
        .order_by("-id")
        .first()
    )
    return DataProblem.objects.filter(run=latest).count() if latest else 0
