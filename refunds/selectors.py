"""Reads that pages share: the member's 360° view and the call-center queues."""

import datetime
import itertools
from dataclasses import dataclass, field
from itertools import groupby
from typing import Any

from django.conf import settings
from django.db.models import Count, F, Q, QuerySet, Sum
from django.utils import timezone

from accounts.models import User
from refunds import bankdays
from refunds.casetext import caller_answer, next_step
from refunds.hours import OpeningHours
from refunds.models import (
    AuditEvent,
    BillingLine,
    CallerRelation,
    Case,
    CaseEvidence,
    CaseStatus,
    Claim,
    ClaimCode,
    ContactAttempt,
    Contract,
    Guidance,
    Inquiry,
    Investigation,
    Member,
    PaymentBatch,
    PaymentItem,
    QaStatus,
    RemediationProgram,
    ReturnedMail,
    Situation,
)
from refunds.policies import (
    APPROVABLE,
    may_change_payee,
    may_claim,
    may_prepare,
    may_see_amounts,
    portal_payouts,
    verified_inquiry,
)


@dataclass
class BillingMonth:
    period: datetime.date
    lines: list[BillingLine]
    after_end: bool

    @property
    def total_yen(self) -> int:
        return sum(line.amount_yen for line in self.lines)


@dataclass
class ContractTimeline:
    contract: Contract
    months: list[BillingMonth] = field(default_factory=list)

    @property
    def months_after_end(self) -> int:
        return sum(1 for month in self.months if month.after_end)


@dataclass
class CaseRow:
    case: Case
    claim: Claim | None
    next_step: str
    answer: str  # what the caller hears (casetext.caller_answer)
    may_claim: bool
    may_change_payee: bool


@dataclass
class MemberView:
    member: Member
    timelines: list[ContractTimeline]
    cases: list[CaseRow]
    inquiries: list[Inquiry]
    claims: list[Claim]
    contacts: list[ContactAttempt]
    events: list[AuditEvent]
    open_inquiry: Inquiry | None
    verified: Inquiry | None
    show_amounts: bool
    scripts: list[Guidance]


def _end_month(contract: Contract) -> datetime.date | None:
    return contract.ended_on.replace(day=1) if contract.ended_on else None


def contract_timelines(contracts: list[Contract]) -> list[ContractTimeline]:
    """Each contract's billing by month; months after the end month are marked."""
    by_id = {c.pk: ContractTimeline(c) for c in contracts}
    lines = BillingLine.objects.filter(contract__in=list(by_id)).order_by(
        "contract_id", "period", "item"
    )
    for (contract_id, period), group in groupby(lines, key=lambda b: (b.contract_id, b.period)):
        timeline = by_id[contract_id]
        end = _end_month(timeline.contract)
        timeline.months.append(
            BillingMonth(period, list(group), after_end=end is not None and period > end)
        )
    return list(by_id.values())


def open_transfer_dates(cases: list[Case]) -> dict[int, datetime.date]:
    """The transfer date of each case's payment on its way (a query only when one is)."""
    paying = [case.pk for case in cases if case.status == CaseStatus.IN_PAYMENT]
    if not paying:
        return {}
    return dict(
        PaymentItem.objects.filter(case__in=paying, is_open=True).values_list(
            "case_id", "batch__transfer_date"
        )
    )


def is_this_call(inquiry: Inquiry, user: User) -> bool:
    """ "This call": the user's open inquiry with a step in the last
    ``CALL_ABANDONED_AFTER_MINUTES``; an older one is an abandoned call (it stays in the
    user's open inquiries to close)."""
    since = timezone.now() - datetime.timedelta(minutes=settings.CALL_ABANDONED_AFTER_MINUTES)
    return (
        inquiry.ended_at is None
        and inquiry.created_by_id == user.pk
        and (inquiry.active_at or inquiry.started_at) >= since
    )


def this_call(*, member: Member, user: User) -> Inquiry | None:
    """The user's call with ``member`` (``is_this_call``), read on its own."""
    candidates = Inquiry.objects.filter(
        member=member, created_by=user, ended_at__isnull=True
    ).order_by("-started_at", "-id")
    return next((i for i in candidates if is_this_call(i, user)), None)


def member_view(*, member: Member, user: User) -> MemberView:
    """Everything the member page shows, in a fixed number of queries."""
    contracts = list(member.contracts.order_by("applied_on", "contract_no"))
    cases = list(
        Case.objects.filter(member=member).select_related("program", "contract").order_by("case_no")
    )
    # The member's own claims and those of their cases, each through its index (an OR across
    # the join to the cases read every claim).
    claims = list(
        Claim.objects.filter(Q(member=member) | Q(case__in=[case.pk for case in cases]))
        .select_related("case", "credit_contract", "created_by")
        .order_by("-received_at")
    )
    claim_by_case = {claim.case_id: claim for claim in claims}
    transfer_dates = open_transfer_dates(cases)
    rows = [
        CaseRow(
            case=case,
            claim=claim_by_case.get(case.pk),
            next_step=next_step(
                case, claim_by_case[case.pk].method if case.pk in claim_by_case else None
            ),
            answer=caller_answer(
                case,
                claim=claim_by_case.get(case.pk),
                transfer_date=transfer_dates.get(case.pk),
            ),
            may_claim=may_claim(case, has_claim=case.pk in claim_by_case),
            may_change_payee=may_change_payee(case, has_claim=case.pk in claim_by_case),
        )
        for case in cases
    ]
    inquiries = list(
        Inquiry.objects.filter(member=member)
        .select_related("created_by", "case")
        .order_by("-started_at", "-id")[:100]
    )
    open_inquiry = next((i for i in inquiries if is_this_call(i, user)), None)
    contacts = list(
        ContactAttempt.objects.filter(member=member).select_related("case", "sent_by")[:100]
    )
    events = list(
        AuditEvent.objects.filter(
            Q(object_type="refunds.member", object_id=str(member.pk))
            | Q(object_type="refunds.claim", object_id__in=[str(c.pk) for c in claims])
        ).select_related("actor")[:100]
    )
    verified = verified_inquiry(user=user, member=member)
    return MemberView(
        member=member,
        timelines=contract_timelines(contracts),
        cases=rows,
        inquiries=inquiries,
        claims=claims,
        contacts=contacts,
        events=events,
        open_inquiry=open_inquiry,
        verified=verified,
        show_amounts=may_see_amounts(user=user, member=member, verified=verified),
        scripts=scripts_for(cases, open_inquiry),
    )


# -- queues ---------------------------------------------------------------------------------


def inquiries() -> QuerySet[Inquiry]:
    return Inquiry.objects.select_related("member", "case", "created_by")


def callbacks_open() -> QuerySet[Inquiry]:
    return (
        inquiries()
        .filter(callback_due_at__isnull=False, follow_up_done_at__isnull=True)
        .order_by("callback_due_at", "id")
    )


def complaints_open() -> QuerySet[Inquiry]:
    return (
        inquiries()
        .filter(complaint_due_at__isnull=False, complaint_closed_at__isnull=True)
        .order_by("complaint_due_at", "id")
    )


def claims() -> QuerySet[Claim]:
    """Claims with what their lists show of the rows they refer to as columns of their own:
    the case's, the member's and the credited contract's numbers, who took the claim (name and
    username). A page of 50 claims builds 50 objects, not 50 of each related row."""
    return Claim.objects.annotate(
        case_no=F("case__case_no"),
        member_no=F("member__member_no"),
        credit_contract_no=F("credit_contract__contract_no"),
        taken_by=User.name_in_sql("created_by"),
        taken_by_username=F("created_by__username"),
    )


def investigations() -> QuerySet[Investigation]:
    return Investigation.objects.select_related("case", "case__program", "settled_by")


# -- the case page and the review queues --------------------------------------------------


def case_detail() -> QuerySet[Case]:
    """Cases with who prepared and approved them: the same queries whatever the state."""
    return Case.objects.select_related(
        "member",
        "contract",
        "program",
        "created_by_run",
        "prepared_by",
        "approved_by",
        "second_approved_by",
    )


@dataclass
class CasePage:
    """What the case page shows beside the case itself, read in a fixed number of queries."""

    evidence: list[CaseEvidence]
    evidence_total: int
    events: QuerySet[AuditEvent]
    billing: Any
    case_total: int | None
    show_amounts: bool
    investigation: Investigation | None
    claim: Claim | None
    may_claim: bool
    may_change_payee: bool
    may_prepare: bool
    next_step: str
    answer: str
    # The member portal codes of the case's letters, newest first, with the attempts on them.
    claim_codes: list[ClaimCode] = field(default_factory=list)


def case_page(*, case: Case, user: User) -> CasePage:
    evidence = list(case.evidence.all())
    claim = case.claims.select_related("credit_contract").first()
    return CasePage(
        evidence=evidence,
        evidence_total=sum(line.amount_yen for line in evidence),
        events=AuditEvent.objects.filter(
            object_type="refunds.case", object_id=str(case.pk)
        ).select_related("actor"),
        billing=case.contract.billing_lines.order_by("period", "item") if case.contract else [],
        case_total=Case.objects.filter(member=case.member).aggregate(total=Sum("amount_yen"))[
            "total"
        ],
        show_amounts=case.member is None or may_see_amounts(user=user, member=case.member),
        investigation=Investigation.objects.filter(case=case).first(),
        claim=claim,
        may_claim=may_claim(case, has_claim=claim is not None),
        may_change_payee=may_change_payee(case, has_claim=claim is not None),
        may_prepare=may_prepare(case),
        next_step=next_step(case, claim.method if claim else None),
        answer=caller_answer(
            case, claim=claim, transfer_date=open_transfer_dates([case]).get(case.pk)
        ),
        claim_codes=list(
            ClaimCode.objects.filter(case=case)
            .annotate(attempt_count=Count("attempts"))
            .order_by("-issued_at", "-id")[:5]
        ),
    )


def _with_review_people(cases: QuerySet[Case]) -> QuerySet[Case]:
    return cases.select_related("member", "contract", "program", "prepared_by", "approved_by")


def review_queue() -> QuerySet[Case]:
    """Cases waiting for an approval (first or second)."""
    return _with_review_people(Case.objects.filter(status__in=APPROVABLE))


def qa_queue() -> QuerySet[Case]:
    """Cases drawn for a quality check and not checked yet."""
    return _with_review_people(Case.objects.filter(qa_status=QaStatus.PENDING))


def returned_mail_to_trace() -> QuerySet[ReturnedMail]:
    """Returned letters whose member still has the address they were sent to."""
    return ReturnedMail.current().select_related("member", "recorded_by")


def mail_returned_here(member: Member) -> ReturnedMail | None:
    """The last letter that came back from the member's current address (None if none did)."""
    return ReturnedMail.current().filter(member=member).order_by("-recorded_at").first()


def escalations_waiting() -> QuerySet[Inquiry]:
    """Calls passed to a supervisor and not taken yet, the longest waiting first."""
    return (
        Inquiry.objects.filter(
            escalated_at__isnull=False, escalation_taken_at__isnull=True, ended_at__isnull=True
        )
        .select_related("member", "created_by", "case")
        .order_by("escalated_at")
    )


def program_for_call(
    *, member: Member | None, case: Case | None = None, cases: list[Case] | None = None
) -> RemediationProgram | None:
    """The program a call is about: its case's, else the member's latest case's (``cases``:
    the member's cases already read, with their program), else the active program (for a
    caller the data does not know)."""
    if case is not None:
        return case.program
    if cases is None and member is not None:
        latest = Case.objects.filter(member=member).select_related("program").order_by("-pk")
        cases = list(latest[:1])
    found = max(cases or [], key=lambda c: c.pk, default=None)
    if found is not None:
        return found.program
    return RemediationProgram.objects.filter(is_active=True).order_by("code", "-version").first()


def line_hours(case: Case | None = None) -> OpeningHours:
    """The free-dial line's hours for a call about ``case`` (its program's), else the active
    program's, else ``FREE_DIAL_HOURS``."""
    return OpeningHours.for_program(program_for_call(member=None, case=case))


def free_callback_slots(
    *, hours: OpeningHours, after: datetime.datetime, count: int = 24
) -> list[datetime.datetime]:
    """The next ``count`` callback slots within the line's hours that are not full
    (``CALLBACKS_PER_SLOT`` open callbacks due in the slot), after ``after``."""
    width = datetime.timedelta(minutes=settings.CALLBACK_SLOT_MINUTES)
    slots = hours.slots(after, minutes=settings.CALLBACK_SLOT_MINUTES)
    if not slots:
        return []
    # Counted by due time in the database: callbacks are given slot times, so a busy week's
    # thousand open callbacks come back as a few dozen rows.
    due = (
        Inquiry.objects.filter(
            follow_up_needed=True,
            follow_up_done_at__isnull=True,
            callback_due_at__gte=slots[0],
            callback_due_at__lt=slots[-1] + width,
        )
        .values_list("callback_due_at")
        .annotate(count=Count("pk"))
        .order_by()
    )
    taken: dict[datetime.datetime, int] = {}
    for moment, number in due:
        start = slots[0] + width * ((moment - slots[0]) // width)
        taken[start] = taken.get(start, 0) + number
    free = [slot for slot in slots if taken.get(slot, 0) < settings.CALLBACKS_PER_SLOT]
    return free[:count]


def guidance(query: str = "") -> QuerySet[Guidance]:
    """Talk scripts and FAQ entries, those whose title or text hold ``query`` when given."""
    entries = Guidance.objects.select_related("updated_by")
    query = query.strip()
    if query:
        entries = entries.filter(
            Q(title__icontains=query)
            | Q(body__icontains=query)
            | Q(title_en__icontains=query)
            | Q(body_en__icontains=query)
        )
    return entries


def scripts_for(cases: list[Case], inquiry: Inquiry | None) -> list[Guidance]:
    """The talk scripts for this call: the categories of the member's cases still open, and
    the one for someone calling for the member."""
    situations = [
        f"category_{case.category}"
        for case in cases
        if case.category and case.status not in (CaseStatus.PAID, CaseStatus.NO_LONGER_AFFECTED)
    ]
    if inquiry is not None and inquiry.caller_relation not in ("", CallerRelation.SELF):
        situations.append(Situation.THIRD_PARTY)
    if not situations:
        return []
    return list(Guidance.objects.filter(situation__in=situations))


def batch_items(batch: PaymentBatch) -> QuerySet[PaymentItem]:
    """A run's payments with their cases, for pages of them in id order.

    Bounded by the run's first and last payment id as well (read from the ``item_batch_id``
    index): a page in id order is then read from the run's own rows. Filtered by the run alone,
    PostgreSQL walks the primary key from the newest payment of all and passes over every later
    run's payments first (80 ms for a run of 20,000 under 160,000 later ones).
    """
    ids = PaymentItem.objects.filter(batch=batch).values_list("pk", flat=True)
    # Ordered by the run too: the index's own order (MIN/MAX would walk the primary key).
    first = ids.order_by("batch_id", "pk").first()
    if first is None:
        return PaymentItem.objects.none()
    last = ids.order_by("-batch_id", "-pk").first()
    return PaymentItem.objects.filter(batch=batch, pk__gte=first, pk__lte=last).select_related(
        "case"
    )


# -- the member portal ----------------------------------------------------------------------


@dataclass
class PortalCase:
    """What the portal shows a signed-in member: their case, its months, its claim."""

    case: Case
    claim: Claim | None
    months: list[datetime.date]
    payouts: list[str]
    claimable: bool
    pay_by: datetime.date | None
    free_dial_number: str
    free_dial_hours: OpeningHours


def portal_case(code: ClaimCode) -> PortalCase:
    case = (
        Case.objects.select_related("member", "program")
        .prefetch_related("evidence")
        .get(pk=code.case_id)
    )
    claim = Claim.objects.filter(case=case).first()
    months = case.billed_months()
    program = case.program
    days = program.service_level_business_days
    claimed_on = timezone.localdate(claim.received_at) if claim else timezone.localdate()
    pay_by = None
    if case.status not in (CaseStatus.PAID, CaseStatus.REJECTED, CaseStatus.NO_LONGER_AFFECTED):
        pay_by = list(itertools.islice(bankdays.business_days_after(claimed_on), max(days, 1)))[-1]
    return PortalCase(
        case=case,
        claim=claim,
        months=months,
        payouts=portal_payouts(case),
        claimable=may_claim(case, has_claim=claim is not None),
        pay_by=pay_by,
        free_dial_number=program.line_number(),
        free_dial_hours=OpeningHours.for_program(program),
    )


def portal_line() -> tuple[str, OpeningHours]:
    """The free-dial number and hours the portal gives before it knows the member's case."""
    program = program_for_call(member=None)
    number = program.line_number() if program else settings.FREE_DIAL_NUMBER
    return number, OpeningHours.for_program(program)
