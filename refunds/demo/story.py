"""Six weeks of the So-net program, played through the services at their own dates.

The demo's program started six weeks ago (detection on day 0, the newspaper notice on day 1)
and is played day by day up to yesterday evening: notice letters and, a month later, the
reminders; calls on the free-dial line inside its hours (many in the days after the notice),
messages left at night that become callbacks by the service's own rule, emails; claims taken
on the phone or from the returned claim form; cases prepared by the operators, approved by the
two supervisors (a second approval above the threshold), QA sampling switched on and its draws
checked; two payment runs, the first one's bank result file applied with a few transfers
refused; complaints, a payee fixed after a refused transfer, a case on hold and one rejected;
an investigation settled and two still open; a progress report every two weeks.

Every step calls a service of ``refunds.services`` at the moment it happens (``time-machine``
moves the clock; no service or query reads the database's own clock), so dates, audit events
and every figure built from them are what the product would have recorded. Nothing here writes
a state. One thing differs from production: letter runs are kept as the HTML their PDF is
typeset from (``letters_printout``, handed to ``letters_send``) rather than typeset, which
would double the time the demo takes. QA's draw is a keyed hash of the case and its
preparation, so the same seed plays the same story.
"""

import dataclasses
import datetime
import heapq
import io
import math
import random
import uuid
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

import time_machine
from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone

from refunds import bankdays, csvcells, policies
from refunds.identity import answers_of
from refunds.models import (
    BatchStatus,
    Case,
    CaseStatus,
    Channel,
    Claim,
    Contract,
    Direction,
    Inquiry,
    InquiryOutcome,
    InquiryReason,
    LetterKind,
    Member,
    MemberStatus,
    PaymentBatch,
    PayoutMethod,
    QaStatus,
    RemediationProgram,
)
from refunds.payee import AccountType, BankDetails, find_branch
from refunds.reports import refresh_dashboard
from refunds.selectors import complaints_open
from refunds.services import callcenter, letters, payments, programs, qa, reporting, review
from refunds.services.portal import IssuedCode
from refunds.workflow import CLAIMABLE

DAYS = 42  # day 0 is the detection, six weeks before today; the story ends yesterday evening
NEWSPAPER_DAY = 1
ANNOUNCED_AT = datetime.time(15, 0)  # the web notice of day 0
QA_RATE_PERCENT = 10
FIRST_RUN_DAY, SECOND_RUN_DAY = 24, 38  # payment runs, moved to the next weekday
REMINDERS_FROM_DAY = 32
CASES_AT_FULL_SCALE = 925  # the cases of 3,000 generated members: volumes scale with them

# Bank and branch pairs payees give (checked against the Zengin master before use).
BRANCHES = (
    ("0001", "001"),
    ("0001", "004"),
    ("0001", "009"),
    ("0005", "001"),
    ("0005", "002"),
    ("0005", "005"),
    ("0009", "001"),
    ("0009", "007"),
    ("0010", "005"),
    ("0017", "256"),
    ("0033", "002"),
    ("9900", "018"),
)
BANK_REFUSALS = ("口座なし", "名義相違", "口座解約済み", "取引停止")
COMPLAINTS = (
    "案内の手紙が届くのが遅い。いつ返金されるのか明確にしてほしい。",
    "電話が何度かけてもつながらない。",
    "解約したのに請求されたことに納得できない。謝罪だけでなく説明がほしい。",
    "前回の担当者の説明と今回の説明が違う。",
    "個人情報の管理は大丈夫なのか不安だ。",
)
COMPLAINT_OUTCOMES = (
    "経緯と返金予定日を説明し、了承を得た。",
    "混雑状況をお詫びし、折り返し時間帯を確認のうえ対応した。",
    "責任者から改めて謝罪し、返金手続きの流れを説明した。",
)
CALLER_SURNAMES = ("山本", "佐藤", "田中", "鈴木", "高橋", "伊藤")
# Former members the data does not know (their records were not migrated): investigations.
UNKNOWN_FORMER_MEMBERS = (
    ("山本 和子", "ヤマモト カズコ", "156-0054", "東京都世田谷区桜丘2丁目10番5号"),
    ("井上 正男", "イノウエ マサオ", "530-0001", "大阪府大阪市北区梅田1丁目3番1号"),
    ("森 美智子", "モリ ミチコ", "460-0008", "愛知県名古屋市中区栄3丁目5番12号"),
)

S = CaseStatus


def letters_printout(
    cases: Sequence[Case], kind: str, codes: Mapping[int, IssuedCode] | None = None
) -> bytes:
    """A letter run's printout as the HTML its PDF is typeset from (same template, same
    texts): typesetting a run of 500 A4 pages takes most of a minute, the rest of the story
    about as long again."""
    return letters.render_letters_html(cases, kind, codes).encode("utf-8")


@dataclass(frozen=True)
class Cast:
    """Who works in the story: operators take calls and prepare, supervisors decide."""

    operators: tuple[Any, ...]
    supervisors: tuple[Any, Any]
    admin: Any

    def reviewer_for(self, case: Case) -> Any:
        """A supervisor (or the admin) who neither prepared nor approved ``case``."""
        involved = {case.prepared_by_id, case.approved_by_id, case.second_approved_by_id}
        return next(u for u in (*self.supervisors, self.admin) if u.pk not in involved)


@dataclass
class Fate:
    """What a member does about a case in the six weeks: claim it on a day, by some way."""

    case_id: int
    day: int
    channel: str


@dataclass(order=True)
class _Event:
    moment: datetime.datetime
    seq: int
    action: Callable[[], None] = field(compare=False)


@dataclass(frozen=True)
class PortalSample:
    """A member who can try the portal now: the code of their latest letter, their birth date."""

    category: int
    case_no: str
    code: str
    birth_date: datetime.date


@dataclass
class StoryResult:
    start: datetime.date
    counts: Counter[str]
    portal: list[PortalSample] = field(default_factory=list)


class Story:
    """One play of the six weeks; ``play`` runs it."""

    def __init__(
        self,
        *,
        program: RemediationProgram,
        cast: Cast,
        seed: int,
        now: datetime.datetime,
        output: Path,
    ) -> None:
        self.program = program
        self.cast = cast
        self.rng = random.Random(seed)
        self.seed = seed
        self.tz = timezone.get_current_timezone()
        self.now = now
        self.start = self.start_of(now).date()
        self.end = self.moment(DAYS, 0, 0)  # midnight this morning: the story stops there
        self.output = output
        self.counts: Counter[str] = Counter()
        self._events: list[_Event] = []
        self._seq = 0
        self._batches: dict[int, list[PaymentBatch]] = {}
        n_cases = Case.objects.filter(program_code=program.code).count()
        self.scale = max(0.12, n_cases / CASES_AT_FULL_SCALE)
        self.branches = [pair for pair in BRANCHES if find_branch(*pair) is not None]
        self._case_ids: dict[tuple[int, ...], list[int]] = {}
        self._members_without_case: list[int] | None = None
        # The claim code each case's latest letter printed (the portal's samples at the end).
        self.portal_codes: dict[int, str] = {}

    # -- time ----------------------------------------------------------------------------------

    @staticmethod
    def start_of(now: datetime.datetime) -> datetime.datetime:
        """Midnight (local time) of the program's first day, six weeks before ``now``."""
        day = timezone.localdate(now) - datetime.timedelta(days=DAYS)
        return timezone.make_aware(datetime.datetime.combine(day, datetime.time()))

    def day_of(self, day: int) -> datetime.date:
        return self.start + datetime.timedelta(days=day)

    def moment(self, day: int, hour: int, minute: int = 0, second: int = 0) -> datetime.datetime:
        naive = datetime.datetime.combine(self.day_of(day), datetime.time(hour, minute, second))
        return timezone.make_aware(naive, self.tz)

    def weekday(self, day: int) -> bool:
        return self.day_of(day).weekday() < 5

    def next_weekday(self, day: int) -> int:
        while not self.weekday(day):
            day += 1
        return day

    def office_time(self, day: int, *, earliest: int = 9) -> datetime.datetime:
        """A time the line is busy: mornings and early afternoons more than the rest."""
        hours = list(range(max(9, earliest), 18))
        weights = {9: 8, 10: 12, 11: 10, 12: 6, 13: 8, 14: 10, 15: 9, 16: 7, 17: 5}
        hour = self.rng.choices(hours, [weights[h] for h in hours])[0]
        return self.moment(day, hour, self.rng.randrange(60), self.rng.randrange(60))

    def night_time(self, day: int, *, evening: bool = False) -> datetime.datetime:
        """After the line closed in the evening, or before it opens in the morning."""
        if evening or self.rng.random() < 0.7:
            return self.moment(day, self.rng.randrange(18, 24), self.rng.randrange(60))
        return self.moment(day, self.rng.randrange(6, 9), self.rng.randrange(60))

    @contextmanager
    def clock(self, moment: datetime.datetime) -> Iterator[None]:
        with time_machine.travel(moment, tick=False):
            yield

    def schedule(self, moment: datetime.datetime, action: Callable[[], None]) -> None:
        if moment >= self.end:
            return  # after yesterday evening: still to do when the demo opens
        self._seq += 1
        heapq.heappush(self._events, _Event(moment, self._seq, action))

    # -- the play ------------------------------------------------------------------------------

    def play(self) -> StoryResult:
        fates = self.plan_claims()
        with transaction.atomic():
            self.schedule(self.moment(0, 10, 40), self.qa_sampling_on)
            for fate in fates:
                self.schedule_claim(fate)
            for day in range(DAYS):
                self.plan_day(day)
                day_ends = self.moment(day + 1, 0, 0)
                while self._events and self._events[0].moment < day_ends:
                    event = heapq.heappop(self._events)
                    with self.clock(event.moment):
                        event.action()
            self._events.clear()
            self.progress_report(None)  # today's, as the fortnightly job would make it
        refresh_dashboard()
        return StoryResult(start=self.start, counts=self.counts, portal=self.portal_samples())

    def plan_day(self, day: int) -> None:
        """The steps of one day; each schedules its own events at their times."""
        self.calls(day)
        self.night_messages(day)
        self.emails(day)
        if day >= 2 and self.weekday(day):
            self.schedule(self.moment(day, 10, 0), lambda: self.notice_letters(day))
        if day >= REMINDERS_FROM_DAY and self.weekday(day):
            self.schedule(self.moment(day, 10, 20), lambda: self.reminder_letters(day))
        if day >= 1:
            self.schedule(self.moment(day, 10, 30), lambda: self.qa_reviews(day))
            self.schedule(self.moment(day, 13, 0), lambda: self.preparation(day))
            self.schedule(self.moment(day, 15, 30), lambda: self.approvals(day))
            self.schedule(self.moment(day, 17, 10), lambda: self.second_approvals(day))
            self.schedule(self.moment(day, 16, 30), lambda: self.complaints_closed(day))
        if day in (14, 28):
            self.schedule(self.moment(day, 7, 0), lambda: self.progress_report(None))
        self.special_events(day)

    def special_events(self, day: int) -> None:
        first_run = self.next_weekday(FIRST_RUN_DAY)
        second_run = self.next_weekday(SECOND_RUN_DAY)
        bank_result = self.next_weekday(first_run + 3)
        credit_result = self.next_weekday(bank_result + 3)
        plan: list[tuple[int, int, int, Callable[[], None]]] = [
            (3, 14, 20, self.investigation_opened),
            (5, 11, 15, self.member_revealed),
            (10, 11, 0, self.investigation_settled),
            (15, 15, 0, self.case_put_on_hold),
            (16, 10, 25, self.qa_failed_and_fixed),
            (20, 11, 30, self.member_revealed),
            (20, 15, 40, self.case_rejected),
            (30, 10, 25, self.qa_failed_and_fixed),
            (36, 10, 50, self.investigation_opened),
            (40, 16, 5, self.investigation_opened),
            (first_run, 14, 0, lambda: self.payment_run(1, first_run)),
            (bank_result, 10, 40, self.bank_result),
            (bank_result + 1, 14, 10, self.payee_fixed_after_refusal),
            (credit_result, 11, 0, self.bill_credit_result),
            (second_run, 14, 0, lambda: self.payment_run(2, second_run)),
        ]
        for when, hour, minute, action in plan:
            if when == day:
                self.schedule(self.moment(day, hour, minute), action)

    # -- who claims, and when ------------------------------------------------------------------

    def plan_claims(self) -> list[Fate]:
        """Which members claim in the six weeks, on which day and how.

        Earlier leavers (category 3) hear of it from the newspaper and call; recent leavers
        (category 2) answer the notice letter or its reminder, by the claim form or on the
        phone; a few current members (category 1) ask for a bank transfer instead of the bill
        credit.
        """
        rows = Case.objects.filter(program_code=self.program.code).order_by("pk")
        fates: list[Fate] = []
        days = range(DAYS)
        after_notice = [0.2 if d == 0 else 1 + 12 * math.exp(-(d - 1) / 4) for d in days]
        after_letter = [0.2 * (d >= 1) if d < 5 else 1 + 8 * math.exp(-(d - 5) / 6) for d in days]
        for pk, category in rows.values_list("pk", "category"):
            if category == 3 and self.rng.random() < 0.35:
                fates.append(Fate(pk, self.rng.choices(days, after_notice)[0], Channel.PHONE))
            elif category == 2 and self.rng.random() < 0.6:
                day = self.rng.choices(days, after_letter)[0]
                by_letter = day >= 6 and self.rng.random() < 0.6
                fates.append(Fate(pk, day, Channel.LETTER if by_letter else Channel.PHONE))
            elif category == 2 and self.rng.random() < 0.3:  # answers the reminder
                day = self.rng.randint(REMINDERS_FROM_DAY + 3, DAYS - 1)
                fates.append(Fate(pk, day, self.rng.choice((Channel.LETTER, Channel.PHONE))))
            elif category == 1 and self.rng.random() < 0.08:
                day = self.rng.choices(
                    days, [a + b for a, b in zip(after_notice, after_letter, strict=True)]
                )[0]
                fates.append(Fate(pk, day, Channel.PHONE))
        # Whatever the size, claims come in every day of the last week: they are what waits
        # to be prepared, approved and checked when the demo opens.
        fates.sort(key=lambda f: (f.day, f.case_id))
        last_week = (DAYS - 1, DAYS - 1, DAYS - 2, DAYS - 2, DAYS - 3, DAYS - 4, DAYS - 5)
        for fate, day in zip(reversed(fates), last_week, strict=False):
            fate.day = max(fate.day, day)
        return fates

    def schedule_claim(self, fate: Fate) -> None:
        if fate.channel == Channel.LETTER:
            moment = self.moment(fate.day, self.rng.randrange(10, 16), self.rng.randrange(60))
        else:
            moment = self.office_time(fate.day, earliest=ANNOUNCED_AT.hour if fate.day == 0 else 9)
        operator = self.rng.choice(self.cast.operators)
        self.schedule(moment, lambda: self.claim_taken(fate, operator))

    def bank_details(self, holder: str) -> BankDetails:
        bank_code, branch_code = self.rng.choice(self.branches)
        account_type = AccountType.SAVINGS if self.rng.random() < 0.05 else AccountType.ORDINARY
        return BankDetails(
            bank_code=bank_code,
            branch_code=branch_code,
            account_type=str(account_type),
            account_number=f"{self.rng.randrange(10**7):07d}",
            holder_name=holder,
        )

    def identity_items(self, member: Member, *, least: int = 2) -> list[str]:
        """Items the caller answers, among those the data holds for the member."""
        items = ["verified_name"]
        if member.postal_code or member.address:
            items.append("verified_address")
        if member.phone:
            items.append("verified_phone")
        if member.birth_date is not None:
            items.append("verified_birth_date")
        return self.rng.sample(items, self.rng.randint(min(least, len(items)), len(items)))

    def submission_key(self) -> uuid.UUID:
        return uuid.UUID(int=self.rng.getrandbits(128), version=4)

    # -- steps: letters ------------------------------------------------------------------------

    def notice_letters(self, day: int) -> None:
        """A letter run over the cases not told yet (the Letters page's run)."""
        self.letter_run(day, LetterKind.NOTICE, policies.notices_due(), "notice letters")

    def reminder_letters(self, day: int) -> None:
        self.letter_run(day, LetterKind.REMINDER, policies.reminders_due(), "reminder letters")

    def letter_run(self, day: int, kind: str, due: QuerySet[Case], counted_as: str) -> None:
        ids = list(due.order_by("pk").values_list("pk", flat=True))
        if not ids:
            return
        run = letters.letters_send(
            case_ids=ids[: settings.LETTER_RUN_LIMIT],
            user=self.cast.operators[0],
            kind=kind,
            printout=self.printout,
        )
        self.keep_letters(run.file.read(), kind, day)
        self.counts[counted_as] += run.count

    def printout(
        self, cases: Sequence[Case], kind: str, codes: Mapping[int, IssuedCode] | None = None
    ) -> bytes:
        self.portal_codes.update({pk: issued.code for pk, issued in (codes or {}).items()})
        return letters_printout(cases, kind, codes)

    def portal_samples(self) -> list[PortalSample]:
        """One member of category 1 and one of category 2 who can claim on the portal now."""
        samples = []
        for category in (1, 2):
            cases = (
                Case.objects.filter(
                    pk__in=list(self.portal_codes),
                    category=category,
                    status__in=CLAIMABLE,
                    claims__isnull=True,
                    member__birth_date__isnull=False,
                    claim_codes__replaced_at__isnull=True,
                    claim_codes__locked_at__isnull=True,
                )
                .select_related("member")
                .order_by("pk")
            )
            if category == 1:
                cases = cases.filter(member__status=MemberStatus.ACTIVE)
            case = cases.first()
            if case is not None and case.member is not None and case.member.birth_date:
                samples.append(
                    PortalSample(
                        category, case.case_no, self.portal_codes[case.pk], case.member.birth_date
                    )
                )
        return samples

    def keep_letters(self, printout: bytes, kind: str, day: int) -> None:
        """The run's letters, as printed, in the output directory."""
        folder = self.output / "letters"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"{self.day_of(day):%Y-%m-%d}-{kind}.html").write_bytes(printout)

    # -- steps: the call center ----------------------------------------------------------------

    def calls_on(self, day: int) -> int:
        """How many calls (besides claims) the line takes: a peak after the newspaper notice
        and a second, smaller one when the letters arrive; fewer at weekends."""
        rate = 4.0
        if day >= NEWSPAPER_DAY:
            rate += 45 * math.exp(-(day - NEWSPAPER_DAY) / 3)
        if day >= 5:
            rate += 20 * math.exp(-(day - 5) / 5)
        if day == 0:
            rate = 6.0  # the afternoon after the web notice
        if not self.weekday(day):
            rate *= 0.6
        return max(1, round(rate * self.scale * self.rng.uniform(0.8, 1.2)))

    def calls(self, day: int) -> None:
        kinds = ("question", "not_affected", "unknown_caller", "callback", "complaint")
        weights = (40, 25, 15, 8, 3)
        for _n in range(self.calls_on(day)):
            moment = self.office_time(day, earliest=ANNOUNCED_AT.hour if day == 0 else 9)
            kind = self.rng.choices(kinds, weights)[0]
            operator = self.rng.choice(self.cast.operators)
            self.schedule(moment, partial(self.call, kind, operator, day))
        # Whatever the size: a complaint about the busy line after the notice (answered since),
        # and complaints still waiting for a supervisor.
        if day == NEWSPAPER_DAY + 2 or day >= DAYS - 2:
            operator = self.rng.choice(self.cast.operators)
            self.schedule(self.office_time(day), lambda: self.call("complaint", operator, day))

    def random_case(self, *, categories: tuple[int, ...] = (1, 2, 3)) -> Case | None:
        """A case of a known member (the caller), any state."""
        if categories not in self._case_ids:
            self._case_ids[categories] = list(
                Case.objects.filter(
                    program_code=self.program.code, category__in=categories, member__isnull=False
                )
                .order_by("pk")
                .values_list("pk", flat=True)
            )
        ids = self._case_ids[categories]
        return Case.objects.select_related("member").get(pk=self.rng.choice(ids)) if ids else None

    def member_without_case(self) -> Member | None:
        if self._members_without_case is None:
            self._members_without_case = list(
                Member.objects.filter(~Exists(Case.objects.filter(member=OuterRef("pk"))))
                .order_by("pk")
                .values_list("pk", flat=True)
            )
        ids = self._members_without_case
        return Member.objects.get(pk=self.rng.choice(ids)) if ids else None

    def call(self, kind: str, operator: Any, day: int) -> None:
        """One call on the free-dial line, as the operator records it."""
        now = timezone.now()
        length = datetime.timedelta(minutes=self.rng.randint(3, 14), seconds=self.rng.randrange(60))
        self.counts["calls"] += 1
        if kind == "not_affected":
            member = self.member_without_case()
            callcenter.inquiry_log(
                user=operator,
                reason=InquiryReason.AFFECTED,
                outcome=InquiryOutcome.ANSWERED,
                member=member,
                note="対象の契約がないことを確認し、ご説明した。",
                started_at=now,
                ended_at=now + length,
            )
            return
        if kind == "unknown_caller":
            callcenter.inquiry_log(
                user=operator,
                reason=self.rng.choice((InquiryReason.AFFECTED, InquiryReason.OTHER)),
                outcome=InquiryOutcome.ANSWERED,
                caller_name=f"{self.rng.choice(CALLER_SURNAMES)}様",
                note="会員番号が分からないとのこと。契約者ご本人からの連絡をお願いした。",
                started_at=now,
                ended_at=now + length,
            )
            return
        case = self.random_case()
        if case is None or case.member is None:
            return
        if kind == "question":
            self.question(case, operator, length, day)
        elif kind == "callback":
            inquiry = callcenter.inquiry_log(
                user=operator,
                reason=InquiryReason.AMOUNT,
                outcome=InquiryOutcome.CALLBACK_PROMISED,
                member=case.member,
                case=case,
                note="返金額の内訳を確認のうえ折り返すと約束した。",
                started_at=now,
                ended_at=now + length,
            )
            due = inquiry.callback_due_at or now
            later = due + datetime.timedelta(minutes=self.rng.randint(5, 50))
            self.schedule(later, lambda: self.follow_up_done(inquiry, operator))
        else:
            self.complaint_received(case, operator, length)

    def question(self, case: Case, operator: Any, length: datetime.timedelta, day: int) -> None:
        """An identified caller asks about the amount or, later on, the date of payment."""
        assert case.member is not None
        inquiry = callcenter.inquiry_start(
            user=operator,
            member=case.member,
            answers=answers_of(case.member, self.identity_items(case.member)),
            case=case,
        )
        later_on = self.rng.random() < min(0.8, day / 30)
        reason = InquiryReason.WHEN_PAID if later_on else InquiryReason.AMOUNT
        with self.clock(timezone.now() + length):
            callcenter.inquiry_close(
                inquiry=inquiry,
                user=operator,
                reason=reason,
                outcome=InquiryOutcome.ANSWERED,
                note="返金額と今後の流れをご説明した。",
            )

    def complaint_received(self, case: Case, operator: Any, length: datetime.timedelta) -> None:
        now = timezone.now()
        callcenter.inquiry_log(
            user=operator,
            reason=InquiryReason.COMPLAINT,
            outcome=InquiryOutcome.ESCALATED,
            member=case.member,
            case=case,
            note=self.rng.choice(COMPLAINTS),
            started_at=now,
            ended_at=now + length,
        )
        self.counts["complaints"] += 1

    def complaints_closed(self, day: int) -> None:
        """A supervisor answers the complaints older than a day."""
        supervisor = self.cast.supervisors[day % 2]
        since = self.moment(day - 1, 0, 0)
        for inquiry in complaints_open().filter(started_at__lt=since):
            callcenter.complaint_close(
                inquiry=inquiry, user=supervisor, outcome=self.rng.choice(COMPLAINT_OUTCOMES)
            )
            self.counts["complaints closed"] += 1

    def follow_up_done(self, inquiry: Inquiry, operator: Any) -> None:
        callcenter.inquiry_follow_up_done(
            inquiry=inquiry, user=operator, note="折り返し連絡済み。ご了承いただいた。"
        )
        self.counts["callbacks made"] += 1

    def night_messages(self, day: int) -> None:
        """Messages left on the line while it is closed: the service makes them callbacks."""
        if day == 0:
            return
        rate = (0.6 + 3 * math.exp(-(day - NEWSPAPER_DAY) / 4)) * max(0.2, self.scale)
        count = round(rate * self.rng.uniform(0.6, 1.4))
        if day == DAYS - 1:
            count = max(count, 2)
        for index in range(count):
            # Last night's messages are this morning's callbacks, whatever the size.
            received = self.night_time(day, evening=day == DAYS - 1 and index < 2)
            self.schedule(received, partial(self.message_left, received))

    def message_left(self, received: datetime.datetime) -> None:
        caller = self.random_case()
        member = caller.member if caller else None
        inquiry = callcenter.inquiry_log(
            user=self.cast.operators[0],
            reason=self.rng.choice((InquiryReason.AFFECTED, InquiryReason.AMOUNT)),
            channel=Channel.PHONE,
            direction=Direction.INBOUND,
            caller_name=member.name if member else "",
            caller_phone=member.phone if member else "",
            note="時間外の留守番電話。折り返し希望。",
            started_at=received,
            ended_at=received + datetime.timedelta(minutes=1),
            callback_requested=True,
        )
        self.counts["night messages"] += 1
        due = inquiry.callback_due_at or received
        back = due + datetime.timedelta(minutes=self.rng.randint(3, 80))
        operator = self.rng.choice(self.cast.operators)
        self.schedule(back, lambda: self.follow_up_done(inquiry, operator))

    def emails(self, day: int) -> None:
        """Emails and web-form messages, often written at night, answered in the morning."""
        if day == 0 or self.rng.random() > max(0.2, self.scale):
            return
        for _n in range(self.rng.choice((0, 1, 1, 2))):
            written = self.night_time(day)
            answered = self.moment(day + (written.hour >= 18), 9, self.rng.randint(10, 55))
            self.schedule(answered, partial(self.email_answered, written))

    def email_answered(self, written: datetime.datetime) -> None:
        case = self.random_case()
        callcenter.inquiry_log(
            user=self.rng.choice(self.cast.operators),
            reason=InquiryReason.WHEN_PAID if self.rng.random() < 0.5 else InquiryReason.AMOUNT,
            outcome=InquiryOutcome.ANSWERED,
            channel=self.rng.choice((Channel.EMAIL, Channel.WEB)),
            member=case.member if case else None,
            case=case,
            note="メールで返金予定をご案内した。",
            started_at=written,
        )
        self.counts["emails"] += 1

    # -- steps: claims -------------------------------------------------------------------------

    def claim_taken(self, fate: Fate, operator: Any) -> None:
        """A claim with bank details, on the phone or from the returned claim form."""
        case = Case.objects.select_related("member").get(pk=fate.case_id)
        member = case.member
        if member is None or case.status not in (S.DETECTED, S.AWAITING_CLAIM, S.NOTIFIED):
            return
        by_letter = fate.channel == Channel.LETTER
        inquiry = callcenter.inquiry_start(
            user=operator,
            member=member,
            channel=fate.channel,
            case=case,
            answers=answers_of(
                member,
                ["verified_name", "verified_address"] if by_letter else self.identity_items(member),
            ),
        )
        with self.clock(timezone.now() + datetime.timedelta(minutes=self.rng.randint(2, 5))):
            callcenter.claim_record(
                case=case,
                user=operator,
                method=PayoutMethod.BANK_TRANSFER,
                bank=self.bank_details(member.name_kana),
                inquiry=inquiry,
                channel=fate.channel,
                submission_key=self.submission_key(),
            )
        with self.clock(timezone.now() + datetime.timedelta(minutes=self.rng.randint(6, 12))):
            callcenter.inquiry_close(
                inquiry=inquiry,
                user=operator,
                reason=InquiryReason.OTHER if by_letter else InquiryReason.AFFECTED,
                outcome=InquiryOutcome.CLAIM_TAKEN,
                note="返金請求書（郵送）を受付。" if by_letter else "振込先を伺い、請求を受付。",
            )
        self.counts[f"claims ({fate.channel})"] += 1

    # -- steps: review -------------------------------------------------------------------------

    def capacity(self, day: int) -> int:
        full = round(10 * self.scale) + 2
        return full if self.weekday(day) else max(1, full // 2)

    def preparation(self, day: int) -> None:
        """The operators prepare the claims of the day before yesterday and earlier (oldest
        first; a claim form is checked against the records first) and the bill credits of
        current members with a running contract, as far as the afternoon allows."""
        checked_by = self.moment(day - 1, 0, 0)
        claimed = (
            Claim.objects.filter(case__status=S.CLAIM_RECEIVED, received_at__lt=checked_by)
            .order_by("received_at", "pk")
            .values_list("case_id", flat=True)
        )
        ids = list(claimed[: self.capacity(day)])
        if day >= 8:
            running = Contract.objects.filter(member=OuterRef("member"), ended_on__isnull=True)
            credits = (
                Case.objects.filter(program_code=self.program.code, status=S.NOTIFIED, category=1)
                .filter(Exists(running), claims__isnull=True)
                .order_by("pk")
                .values_list("pk", flat=True)
            )
            ids += list(credits[: max(1, round(6 * self.scale))])
        moment = timezone.now()
        for case_id in ids:
            moment += datetime.timedelta(minutes=self.rng.randint(2, 6))
            operator = self.rng.choice(self.cast.operators)
            self.schedule(moment, partial(self.prepare, case_id, operator))

    def prepare(self, case_id: int, operator: Any) -> None:
        case = Case.objects.get(pk=case_id)
        if case.status not in policies.PREPARABLE:
            return
        review.case_prepare(case=case, user=operator, note="金額と振込先を確認。")
        self.counts["prepared"] += 1

    def approvals(self, day: int) -> None:
        """The day's supervisor approves what was prepared before today: the clean cases in one
        bulk approval, the flagged ones one by one after reading their evidence."""
        supervisor = self.cast.supervisors[day % 2]
        waiting = Case.objects.filter(status=S.PREPARED, prepared_at__lt=self.moment(day, 0, 0))
        ids = list(waiting.order_by("pk").values_list("pk", flat=True))
        if not ids:
            return
        approved, _skipped = review.bulk_approve(case_ids=ids, user=supervisor)
        self.counts["approvals"] += approved
        moment = timezone.now()
        for case in waiting.filter(flagged=True).exclude(prepared_by=supervisor).order_by("pk"):
            moment += datetime.timedelta(minutes=self.rng.randint(2, 4))
            self.schedule(moment, partial(self.approve_one, case, supervisor))

    def approve_one(self, case: Case, supervisor: Any) -> None:
        review.case_approve(case=case, user=supervisor)
        self.counts["approvals"] += 1

    def second_approvals(self, day: int) -> None:
        """Above the threshold, the other supervisor approves what was approved before today."""
        waiting = Case.objects.filter(
            status=S.AWAITING_SECOND_APPROVAL, approved_at__lt=self.moment(day, 0, 0)
        ).order_by("pk")
        for case in waiting:
            involved = {case.approved_by_id, case.prepared_by_id}
            user = next((u for u in self.cast.supervisors if u.pk not in involved), None)
            if user is not None:
                review.case_approve(case=case, user=user)
                self.counts["second approvals"] += 1

    def qa_sampling_on(self) -> None:
        """The admin switches QA sampling on for the program (10 % of the cases prepared)."""
        data = {name: getattr(self.program, name) for name in programs.EDITABLE_FIELDS}
        data["qa_rate_percent"] = QA_RATE_PERCENT
        self.program = programs.program_update(
            program=self.program, data=data, user=self.cast.admin
        )

    def qa_reviews(self, day: int) -> None:
        """A supervisor who did not touch the case checks each draw of the days before."""
        pending = Case.objects.filter(
            qa_status=QaStatus.PENDING, qa_drawn_at__lt=self.moment(day, 0, 0)
        ).exclude(status=S.ON_HOLD)
        moment = timezone.now()
        for case in pending.order_by("pk"):
            moment += datetime.timedelta(minutes=self.rng.randint(2, 5))
            self.schedule(moment, partial(self.qa_passed, case))

    def qa_passed(self, case: Case) -> None:
        case.refresh_from_db()
        if case.qa_status != QaStatus.PENDING:
            return
        qa.qa_record(case=case, user=self.cast.reviewer_for(case), passed=True)
        self.counts["QA passed"] += 1

    def qa_failed_and_fixed(self) -> None:
        """A QA check finds an account number that differs from the claim form; a supervisor
        corrects the payee, and the case is prepared again."""
        case = (
            Case.objects.filter(
                qa_status=QaStatus.PENDING, claims__method=PayoutMethod.BANK_TRANSFER
            )
            .exclude(status=S.ON_HOLD)
            .order_by("qa_drawn_at", "pk")
            .first()
        )
        if case is None:
            return
        reviewer = self.cast.reviewer_for(case)
        qa.qa_record(
            case=case,
            user=reviewer,
            passed=False,
            reason="口座番号が返金請求書の記載と一致しない。",
        )
        self.counts["QA failed"] += 1
        claim = Claim.objects.get(case=case)
        fixed = dataclasses.replace(
            self.bank_details(claim.holder_name),
            bank_code=claim.bank_code,
            branch_code=claim.branch_code,
        )
        with self.clock(timezone.now() + datetime.timedelta(minutes=40)):
            callcenter.claim_change_payee(
                claim=claim,
                user=reviewer,
                method=PayoutMethod.BANK_TRANSFER,
                bank=fixed,
                reason="QA指摘：口座番号を返金請求書のとおりに訂正。",
            )

    def case_put_on_hold(self) -> None:
        case = (
            Case.objects.filter(status=S.CLAIM_RECEIVED, category__in=(2, 3))
            .order_by("-pk")
            .first()
        )
        if case is None:
            return
        review.case_hold(
            case=case,
            user=self.cast.supervisors[0],
            reason="ご本人逝去のご連絡あり。相続人の確認書類待ち。",
        )
        self.counts["on hold"] += 1

    def case_rejected(self) -> None:
        case = (
            Case.objects.filter(status=S.PREPARED, category=3, flagged=False)
            .exclude(prepared_by=self.cast.supervisors[1])
            .order_by("pk")
            .first()
        )
        if case is None:
            return
        review.case_reject(
            case=case,
            user=self.cast.supervisors[1],
            reason="2009年11月に窓口で返金済み（返金伝票の控えを確認）。",
        )
        self.counts["rejected"] += 1

    def member_revealed(self) -> None:
        case = self.random_case()
        if case is not None and case.member is not None:
            callcenter.member_reveal(
                user=self.cast.supervisors[0],
                member=case.member,
                reason="返送された通知書の宛先確認のため",
            )

    # -- steps: investigations -----------------------------------------------------------------

    def investigation_opened(self) -> None:
        """A former member the data does not know calls; an operator opens an investigation."""
        operator = self.rng.choice(self.cast.operators)
        opened = self.counts["investigations"]
        name, kana, postal_code, address = UNKNOWN_FORMER_MEMBERS[
            opened % len(UNKNOWN_FORMER_MEMBERS)
        ]
        digits = (
            self.rng.randint(3, 9),
            self.rng.randint(1000, 9999),
            self.rng.randint(1000, 9999),
        )
        phone = "0{}-{}-{}".format(*digits)
        inquiry = callcenter.inquiry_log(
            user=operator,
            reason=InquiryReason.AFFECTED,
            outcome=InquiryOutcome.ESCALATED,
            caller_name=name,
            caller_phone=phone,
            note="会員データに該当なし。調査案件として受付。",
        )
        callcenter.investigation_open(
            user=operator,
            program=self.program,
            caller_name=name,
            caller_kana=kana,
            caller_phone=phone,
            caller_address=address,
            caller_postal_code=postal_code,
            stated_contract_no=f"C{self.rng.randint(10**8, 10**9 - 1):09d}",
            story=(
                "2009年8月に解約したが、9月分の基本料金が口座から引き落とされた。"
                "会員番号は分からない。通帳の写しを送付できる。"
            ),
            inquiry=inquiry,
        )
        self.counts["investigations"] += 1

    def investigation_settled(self) -> None:
        """A supervisor settles the first investigation; its claim is taken the same day."""
        case = (
            Case.objects.filter(investigation__isnull=False, investigation__settled_at__isnull=True)
            .order_by("pk")
            .first()
        )
        if case is None:
            return
        review_user = self.cast.supervisors[0]
        callcenter.investigation_settle(
            case=case,
            user=review_user,
            amount_yen=6720,
            reason="通帳の写しで2009年9月の基本料金6,720円の引き落としを確認。",
        )
        self.counts["investigations settled"] += 1
        with self.clock(timezone.now() + datetime.timedelta(hours=3)):
            callcenter.claim_record(
                case=case,
                user=self.cast.operators[1 % len(self.cast.operators)],
                method=PayoutMethod.BANK_TRANSFER,
                bank=self.bank_details(case.investigation.caller_kana),
                submission_key=self.submission_key(),
            )

    # -- steps: payments -----------------------------------------------------------------------

    def payment_run(self, number: int, day: int) -> None:
        """A supervisor builds the batches of the approved cases; the other one exports them."""
        builder, exporter = self.cast.supervisors
        transfer = bankdays.earliest_transfer_date(self.day_of(day))
        if number == 2:  # the bank pays it next week
            transfer = bankdays.on_or_after(max(transfer, self.day_of(DAYS + 1)))
        running = Contract.objects.filter(member=OuterRef("member"), ended_on__isnull=True)
        batches = []
        for method in (PayoutMethod.BANK_TRANSFER, PayoutMethod.BILL_CREDIT):
            payable = policies.payable_cases(method)
            if method == PayoutMethod.BILL_CREDIT:
                payable = payable.filter(Exists(running))
            ids = list(payable.order_by("pk").values_list("pk", flat=True))
            if not ids:
                continue
            batch = payments.batch_create(
                method=method, user=builder, transfer_date=transfer, case_ids=ids
            )
            with self.clock(timezone.now() + datetime.timedelta(minutes=20)):
                batch = payments.batch_export(batch=batch, user=exporter)
            batches.append(batch)
            self.counts[f"payment run {number}: {method}"] += batch.item_count
        self._batches[number] = batches

    def bank_result(self) -> None:
        """The bank's result file for the first run: most transfers paid, a few refused."""
        batch = self.first_run_batch(PayoutMethod.BANK_TRANSFER)
        if batch is None:
            return
        items = list(batch.items.order_by("pk"))
        refused = set(
            self.rng.sample([i.pk for i in items], min(len(items) - 1, max(2, len(items) // 40)))
        )
        out = io.StringIO()
        writer = csvcells.writer(out)
        writer.writerow(["reference", "result", "amount_yen", "reason"])
        for item in items:
            if item.pk in refused:
                writer.writerow([f"{item.pk:010d}", "不能", "", self.rng.choice(BANK_REFUSALS)])
            else:
                writer.writerow([f"{item.pk:010d}", "済", item.amount_yen, ""])
        self.apply_result(batch, out.getvalue().encode("cp932"), f"bank-result-{batch.pk}.csv")

    def bill_credit_result(self) -> None:
        """The billing system confirms the first run's credits on the members' bills."""
        batch = self.first_run_batch(PayoutMethod.BILL_CREDIT)
        if batch is None:
            return
        out = io.StringIO()
        writer = csvcells.writer(out)
        writer.writerow(["reference", "result", "amount_yen", "reason"])
        for item in batch.items.order_by("pk"):
            writer.writerow([f"{item.pk:010d}", "paid", item.amount_yen, ""])
        self.apply_result(
            batch, out.getvalue().encode("utf-8"), f"bill-credit-result-{batch.pk}.csv"
        )

    def first_run_batch(self, method: str) -> PaymentBatch | None:
        return next(
            (
                b
                for b in self._batches.get(1, [])
                if b.method == method and b.status == BatchStatus.EXPORTED
            ),
            None,
        )

    def apply_result(self, batch: PaymentBatch, data: bytes, name: str) -> None:
        """Read the result file and apply it, as the reconcile page does."""
        (self.output / name).write_bytes(data)
        _kept, outcome = payments.batch_apply_result_file(
            batch=batch, user=self.cast.supervisors[0], data=data, file_name=name
        )
        if outcome.errors:
            raise RuntimeError("; ".join(outcome.errors))
        self.counts["paid"] += outcome.paid
        self.counts["payment failed"] += outcome.failed

    def payee_fixed_after_refusal(self) -> None:
        """One member whose transfer was refused calls with the right account; the others are
        still to be reached."""
        case = (
            Case.objects.filter(status=S.PAYMENT_FAILED, member__isnull=False)
            .select_related("member")
            .order_by("pk")
            .first()
        )
        if case is None or case.member is None:
            return
        operator = self.cast.operators[0]
        inquiry = callcenter.inquiry_start(
            user=operator,
            member=case.member,
            answers=answers_of(case.member, self.identity_items(case.member, least=3)),
            case=case,
        )
        with self.clock(timezone.now() + datetime.timedelta(minutes=4)):
            callcenter.claim_change_payee(
                claim=Claim.objects.get(case=case),
                user=operator,
                method=PayoutMethod.BANK_TRANSFER,
                bank=self.bank_details(case.member.name_kana),
                reason="振込不能のため、正しい口座をご本人に確認。",
                inquiry=inquiry,
            )
        with self.clock(timezone.now() + datetime.timedelta(minutes=9)):
            callcenter.inquiry_close(
                inquiry=inquiry,
                user=operator,
                reason=InquiryReason.CHANGE_PAYEE,
                outcome=InquiryOutcome.ANSWERED,
                note="振込不能のご連絡と口座の再確認。",
            )
        self.counts["payees fixed"] += 1

    # -- steps: reports ------------------------------------------------------------------------

    def progress_report(self, user: Any) -> None:
        """The fortnightly progress report (the scheduled job's, so nobody's)."""
        reporting.report_generate(user=user)
        self.counts["progress reports"] += 1


def play(
    *,
    program: RemediationProgram,
    cast: Cast,
    seed: int,
    output: Path,
    now: datetime.datetime | None = None,
) -> StoryResult:
    """Play the six weeks up to yesterday evening; ``now`` is today (the real clock)."""
    story = Story(program=program, cast=cast, seed=seed, now=now or timezone.now(), output=output)
    return story.play()
