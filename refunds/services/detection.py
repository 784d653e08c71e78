"""Detection: apply a program to the data and bring its cases in line (remediation-rules.md).

``detection_plan`` compares what the rule finds with the cases that exist and says, per
contract, what a run would do: the dry run and the scope test show it. A live run brings the
cases in line one chunk of contracts at a time, each in one transaction, with the same
decisions (``_change_for``, ``_change_for_missing``) made set-based: the rule's totals for the
chunk in a temporary table, compared with the cases in SQL (only the contracts whose case
changes come back to Python), new cases with their evidence and audit events and the data
problems written with ``INSERT … SELECT``, case numbers reserved beforehand in a short
transaction of their own.
"""

import io
import logging
from collections import Counter, defaultdict
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.db.models import F, Max
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from refunds import csvcells
from refunds.casenumbers import case_no_sql, format_case_no, parse_case_no
from refunds.detection.rule import (
    Finding,
    Parameters,
    contract_problems_sql,
    evidence_rows,
    findings,
    lines_after_end_sql,
    problems,
    scope_ids_sql,
    totals_sql,
)
from refunds.models import (
    Case,
    CaseEvidence,
    CaseNumberCounter,
    CaseStatus,
    Category,
    Contract,
    DataProblem,
    DetectionRun,
    RemediationProgram,
    RunStatus,
)
from refunds.models.audit import AuditAction
from refunds.queue import DETECTION_RUN, send
from refunds.services.audit import Entry, audit_record_many, audit_record_select
from refunds.services.transitions import CaseRow, case_rows, lock_cases
from refunds.workflow import check_transitions

logger = logging.getLogger(__name__)


class DetectionLocked(Exception):
    """A live run of the same program is already going on."""


# A run's counts: each one's name (a field of DetectionRun, a key of every summary) and the
# kind of change it counts; "problems" (data problems) comes on top.
RUN_COUNTS: dict[str, str] = {
    "created": "create",
    "updated": "update",
    "unchanged": "unchanged",
    "flagged": "flag",
    "no_longer_affected": "close",
    "reopened": "reopen",
}


def run_summary(changes: Counter[str], *, problems: int) -> dict[str, int]:
    """A run's (or a chunk's, or a plan's) counts by name, from its changes by kind."""
    return {name: changes[kind] for name, kind in RUN_COUNTS.items()} | {"problems": problems}


@dataclass(frozen=True)
class Change:
    """What a run does to one contract's case."""

    action: str  # create | update | reopen | close | flag | unchanged
    contract_id: int
    case_id: int | None
    category: int | None
    amount_yen: int | None
    old_category: int | None = None
    old_amount_yen: int | None = None
    old_status: str | None = None
    tariff_mismatch: bool = False
    member_id: int | None = None
    flag_reason: str = ""
    flag_difference_yen: int | None = None
    found: bool = True  # the rule finds the contract (False: only a case remembers it)

    @property
    def difference(self) -> str:
        """How the scope differs from the live cases: added, dropped, changed or same."""
        live = self.case_id is not None and self.old_status != CaseStatus.NO_LONGER_AFFECTED
        if not self.found:
            return "dropped" if live else "same"
        if not live:
            return "added"
        same = self.old_amount_yen == self.amount_yen and self.old_category == self.category
        return "same" if same else "changed"

    @property
    def yen_delta(self) -> int:
        kind = self.difference
        if kind == "added":
            return self.amount_yen or 0
        if kind == "dropped":
            return -(self.old_amount_yen or 0)
        if kind == "changed":
            return (self.amount_yen or 0) - (self.old_amount_yen or 0)
        return 0


@dataclass
class Plan:
    parameters: Parameters
    changes: list[Change] = field(default_factory=list)
    problems: list[tuple[int, str, str]] = field(default_factory=list)

    def count(self) -> Counter[str]:
        return Counter(c.action for c in self.changes)

    def differences(self) -> list[dict[str, Any]]:
        """Per category: contracts added, dropped and changed against the live cases, in yen."""
        rows: dict[int, dict[str, Any]] = {}
        for change in self.changes:
            kind = change.difference
            if kind == "same":
                continue
            category = change.category or change.old_category or 0
            row = rows.setdefault(
                category,
                {"category": category, "added": 0, "dropped": 0, "changed": 0, "yen": 0},
            )
            row[kind] += 1
            row["yen"] += change.yen_delta
        return [rows[k] for k in sorted(rows)]

    def summary(self) -> dict[str, int]:
        return run_summary(self.count(), problems=len(self.problems))


_CASE_FIELDS = (
    "id",
    "contract_id",
    "status",
    "category",
    "amount_yen",
    "flagged",
    "flag_difference_yen",
    "flag_reason",
)


def detection_plan(
    *,
    program: RemediationProgram,
    parameters: Parameters | None = None,
    contract_range: tuple[int, int] | None = None,
) -> Plan:
    """What a run of ``program`` (with these parameters, by default its own) would change.

    With ``contract_range`` only the contracts whose id lies in it (a chunk of a run).
    """
    params = parameters or Parameters.of(program)
    plan = Plan(parameters=params, problems=[] if contract_range else problems(params))
    cases = Case.objects.filter(program_code=program.code, contract__isnull=False)
    if contract_range:
        cases = cases.filter(contract__id__range=contract_range)
    existing = {row["contract_id"]: row for row in cases.values(*_CASE_FIELDS)}
    seen: set[int] = set()
    for finding in findings(params, contract_range):
        seen.add(finding.contract_id)
        plan.changes.append(_change_for(finding, existing.get(finding.contract_id)))
    for contract_id, case in existing.items():
        if contract_id in seen:
            continue
        plan.changes.append(_change_for_missing(case))
    plan.changes.sort(key=lambda c: c.contract_id)
    return plan


def _change_for(finding: Finding, case: dict[str, Any] | None) -> Change:
    base: dict[str, Any] = {
        "contract_id": finding.contract_id,
        "member_id": finding.member_id,
        "category": finding.category,
        "amount_yen": finding.amount_yen,
        "tariff_mismatch": finding.tariff_mismatch,
    }
    if case is None:
        return Change(action="create", case_id=None, **base)
    old: dict[str, Any] = {
        "case_id": case["id"],
        "old_category": case["category"],
        "old_amount_yen": case["amount_yen"],
        "old_status": case["status"],
    }
    same = case["category"] == finding.category and case["amount_yen"] == finding.amount_yen
    if case["status"] == CaseStatus.NO_LONGER_AFFECTED:
        return Change(action="reopen", **old, **base)
    if case["status"] in CaseStatus.untouched():
        return Change(action="unchanged" if same else "update", **old, **base)
    if same:
        if case["flagged"] and case["flag_difference_yen"] is not None:
            return Change(action="flag", flag_difference_yen=None, **old, **base)
        return Change(action="unchanged", **old, **base)
    difference = finding.amount_yen - (case["amount_yen"] or 0)
    reason = _("detection now finds %(amount)s yen in category %(category)s") % {
        "amount": finding.amount_yen,
        "category": finding.category,
    }
    if case["flagged"] and case["flag_difference_yen"] == difference:
        return Change(action="unchanged", **old, **base)
    return Change(action="flag", flag_reason=reason, flag_difference_yen=difference, **old, **base)


def _change_for_missing(case: dict[str, Any]) -> Change:
    old: dict[str, Any] = {
        "contract_id": case["contract_id"],
        "case_id": case["id"],
        "category": case["category"],
        "amount_yen": case["amount_yen"],
        "old_category": case["category"],
        "old_amount_yen": case["amount_yen"],
        "old_status": case["status"],
        "found": False,
    }
    if case["status"] == CaseStatus.NO_LONGER_AFFECTED:
        return Change(action="unchanged", **old)
    if case["status"] in CaseStatus.untouched():
        return Change(action="close", **old)
    difference = -(case["amount_yen"] or 0)
    if case["flagged"] and case["flag_difference_yen"] == difference:
        return Change(action="unchanged", **old)
    return Change(
        action="flag",
        flag_reason=_("detection no longer finds this contract"),
        flag_difference_yen=difference,
        **old,
    )


# -- running ---------------------------------------------------------------------------------
ContractRange = tuple[int, int]


def detection_start(
    *, program: RemediationProgram, user: User | None = None, dry_run: bool = False
) -> DetectionRun:
    """Open a run record; a second live run of the same program is refused."""
    _release_stale_runs(program.code)
    try:
        with transaction.atomic():
            return DetectionRun.objects.create(
                program=program,
                program_code=program.code,
                dry_run=dry_run,
                started_by=user if getattr(user, "is_authenticated", False) else None,
                parameters=Parameters.of(program).as_json(),
                heartbeat_at=timezone.now(),
            )
    except IntegrityError:
        raise DetectionLocked(
            _("a detection run of %(program)s is already running; wait for it to finish")
            % {"program": program.code}
        ) from None


def _release_stale_runs(code: str) -> None:
    """A run without a sign of life for too long (its worker died) frees the lock."""
    limit = timezone.now() - timedelta(seconds=settings.DETECTION_STALE_AFTER_SECONDS)
    DetectionRun.objects.filter(
        program_code=code, status=RunStatus.RUNNING, heartbeat_at__lt=limit
    ).update(
        status=RunStatus.FAILED,
        message=_("abandoned: no sign of life; run detection again to complete it"),
        finished_at=timezone.now(),
    )


def detection_ranges(*, run: DetectionRun) -> list[ContractRange]:
    """Contiguous contract-id ranges from 0 on, each with ``DETECTION_CHUNK_CONTRACTS``
    contracts in scope; the last one has the rest and every higher id, and takes in the one
    before it when the rest is less than half a chunk (a pass over the billing lines for a
    handful of contracts costs about as much as for a whole chunk).

    Together they cover every contract the run may touch, those in scope and those with a case
    that left it. The contracts in scope are numbered in SQL; only every chunk's last id comes
    back.
    """
    ids_sql, ids_params = scope_ids_sql(Parameters.of(run.program))
    size: int = settings.DETECTION_CHUNK_CONTRACTS
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            SELECT id, n FROM (
                SELECT id, ROW_NUMBER() OVER w AS n, LEAD(id) OVER w AS next
                FROM ({ids_sql}) ids
                WINDOW w AS (ORDER BY id)
            ) numbered
            WHERE n %% %s = 0 OR next IS NULL
            ORDER BY id
            """,
            [*ids_params, size],
        )
        ends = cursor.fetchall()
    if len(ends) > 1 and (ends[-1][1] - ends[-2][1]) * 2 < size:
        del ends[-2]
    ranges: list[ContractRange] = []
    low = 0
    for high, _n in ends[:-1]:
        ranges.append((low, high))
        low = high + 1
    return [*ranges, (low, 2**62)]


_LINES = "refunds_detection_lines"
_TOTALS = "refunds_detection_totals"
_NEW_CASES = "refunds_detection_new_case"
# The case just written for a row ``c`` of the new cases (one per program and contract); the
# range lets the database look among the chunk's cases only.
_NEW_CASE_IS_K = (
    "k.program_code = %s AND k.contract_id = c.contract_id AND k.contract_id BETWEEN %s AND %s"
)


@dataclass
class _Chunk:
    """One range of contracts of a live run; the rule's totals for it in a temporary table."""

    run: DetectionRun
    parameters: Parameters
    contract_range: ContractRange
    changes: list[Change] = field(default_factory=list)  # to the existing cases
    counts: Counter[str] = field(default_factory=Counter)
    first_number: int = 0  # of the block of case numbers reserved for the new cases

    def summary(self) -> dict[str, int]:
        return run_summary(self.counts, problems=self.counts["problems"])


def detection_apply_chunk(*, run: DetectionRun, contract_range: ContractRange) -> dict[str, int]:
    """Bring the cases of one range of contracts in line, in one transaction.

    The rule's totals for the range are computed once, into a temporary table (one pass over
    the billing lines gives both the findings and the "no overcharge item" problems). One
    query compares them with the cases: only the contracts whose case may change come back to
    Python, with the numbers of new and unchanged ones. New cases with their evidence and
    events, and the data problems, are then ``INSERT … SELECT`` from the totals.
    """
    if run.dry_run:
        return detection_plan(program=run.program, contract_range=contract_range).summary()
    chunk = _Chunk(run=run, parameters=Parameters.of(run.program), contract_range=contract_range)
    lines_sql, lines_params = lines_after_end_sql(chunk.parameters, contract_range)
    sql, params = totals_sql(chunk.parameters, _LINES)
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {_LINES}")
        cursor.execute(f"DROP TABLE IF EXISTS {_TOTALS}")
        cursor.execute(f"CREATE TEMPORARY TABLE {_LINES} AS {lines_sql}", lines_params)
        cursor.execute(f"CREATE TEMPORARY TABLE {_TOTALS} AS {sql}", params)
        # Lookups by contract stay index lookups whatever the planner believes of the case
        # table (its statistics lag right after a first run created all the cases).
        cursor.execute(f"CREATE UNIQUE INDEX {_TOTALS}_contract ON {_TOTALS} (contract_id)")
    try:
        _compare(chunk)
        # Numbers first, in a short transaction of their own: the chunk's write transaction
        # below then holds no lock that other chunks wait for.
        chunk.first_number = _reserve_block(run.program, chunk.counts["create"])
        with transaction.atomic():
            _check_constraints_per_statement()
            _apply(chunk, run)
            DetectionRun.objects.filter(pk=run.pk).update(
                chunks_done=F("chunks_done") + 1,
                heartbeat_at=timezone.now(),
                problems=DataProblem.objects.filter(run_id=run.pk).count(),
            )
    finally:
        # On a broken connection or transaction the tables go with it: the error that broke it
        # is the one to report.
        with suppress(DatabaseError), connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {_TOTALS}")
            cursor.execute(f"DROP TABLE IF EXISTS {_LINES}")
    return chunk.summary()


def _check_constraints_per_statement() -> None:
    """Check the foreign keys as each statement ends, not all at the commit.

    Django declares PostgreSQL's foreign keys ``DEFERRABLE INITIALLY DEFERRED``: every row a
    chunk writes (a case refers to its program, contract, member and run; an evidence line to its
    case and billing line) would queue its check until the commit, a million of them held in
    memory for 10,000,000 billing lines (the commits took 5 of the run's 10 s). The same checks,
    each statement's at its end, keep the queue to one statement's rows. The keys stay.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")


def detection_finish(*, run: DetectionRun, results: list[dict[str, int]]) -> DetectionRun:
    """Add up the chunks' counts and close the run."""
    totals: Counter[str] = Counter()
    for result in results:
        totals.update(result)
    with transaction.atomic():
        run = DetectionRun.objects.select_for_update().get(pk=run.pk)
        for name in RUN_COUNTS:
            setattr(run, name, totals[name])
        run.problems = run.data_problems.count()
        run.status = RunStatus.SUCCEEDED
        run.finished_at = timezone.now()
        run.save()
    return run


def detection_enqueue(*, program: RemediationProgram, user: User | None = None) -> DetectionRun:
    """Start a run and hand it to a worker once the transaction commits (like
    ``import_enqueue``); with the broker down the run is failed and ``BackgroundUnavailable``
    says so."""
    run = detection_start(program=program, user=user)
    transaction.on_commit(lambda: detection_send(run=run))
    return run


def detection_send(*, run: DetectionRun) -> None:
    """Hand a started run to the workers now (its row committed); with the broker down the
    run is failed and ``BackgroundUnavailable`` says so."""
    send(
        DETECTION_RUN,
        run.pk,
        on_failure=lambda message: detection_fail(run_id=run.pk, message=message),
    )


def detection_fail(*, run_id: int, message: str) -> None:
    DetectionRun.objects.filter(pk=run_id, status=RunStatus.RUNNING).update(
        status=RunStatus.FAILED, message=message[:2000], finished_at=timezone.now()
    )


def detection_execute(*, run: DetectionRun) -> DetectionRun:
    """The whole run in this process, chunk after chunk (tests, scripts)."""
    try:
        ranges = detection_ranges(run=run)
        DetectionRun.objects.filter(pk=run.pk).update(chunks_total=len(ranges))
        results = [detection_apply_chunk(run=run, contract_range=r) for r in ranges]
    except Exception as exc:
        detection_fail(run_id=run.pk, message=str(exc))
        raise
    return detection_finish(run=run, results=results)


def reserve_case_numbers(program: RemediationProgram, count: int) -> list[str]:
    """Hand out ``count`` new case numbers (``casenumbers``) for ``program``, in order.

    The block is reserved on the prefix's counter row (CaseNumberCounter) in a transaction of
    its own, held only for the update: chunks running side by side get disjoint blocks without
    waiting for one another's writes. Numbers are unique and sort as text in the order they are
    handed out; a chunk that fails after reserving leaves a gap (the numbers are not reused).
    A prefix without a counter yet starts after the highest case number it already has.
    """
    first = _reserve_block(program, count)
    return [format_case_no(program.case_prefix, n) for n in range(first, first + count)]


def _reserve_block(program: RemediationProgram, count: int) -> int:
    """Reserve ``count`` consecutive numbers for the program's prefix; the first of them."""
    if count <= 0:
        return 0
    prefix = program.case_prefix
    counter = CaseNumberCounter.objects.filter(prefix=prefix)
    with transaction.atomic():
        if not counter.update(last_number=F("last_number") + count):
            dash = f"{prefix}-"
            last = Case.objects.filter(case_no__startswith=dash).aggregate(m=Max("case_no"))["m"]
            parsed = parse_case_no(last) if last else None
            start = parsed[1] if parsed else 0
            CaseNumberCounter.objects.bulk_create(
                [CaseNumberCounter(prefix=prefix, last_number=start)], ignore_conflicts=True
            )
            counter.update(last_number=F("last_number") + count)
        # The update holds the row lock until commit: the value read is this block's end.
        end = counter.values_list("last_number", flat=True).get()
    return int(end) - count + 1


def _unchanged_sql(found: bool) -> str:
    """1 when the rule's row ``f`` (or its absence) leaves case ``k`` as it is, else 0.

    The same decisions as ``_change_for`` and ``_change_for_missing``, in SQL, so that
    unchanged contracts never leave the database; a NULL anywhere counts as "may change": the
    row goes to Python, which decides.
    """
    untouched = ", ".join(f"'{s}'" for s in CaseStatus.untouched())
    gone = f"'{CaseStatus.NO_LONGER_AFFECTED}'"
    if found:
        same = "k.category = f.category AND k.amount_yen = f.amount_yen"
        return f"""CASE
            WHEN k.status IN ({untouched}) THEN CASE WHEN {same} THEN 1 ELSE 0 END
            WHEN k.status = {gone} THEN 0
            WHEN {same} THEN
                CASE WHEN k.flagged AND k.flag_difference_yen IS NOT NULL THEN 0 ELSE 1 END
            WHEN k.flagged AND k.flag_difference_yen = f.amount_yen - COALESCE(k.amount_yen, 0)
                THEN 1
            ELSE 0 END"""
    return f"""CASE
        WHEN k.status = {gone} THEN 1
        WHEN k.status IN ({untouched}) THEN 0
        WHEN k.flagged AND k.flag_difference_yen = -COALESCE(k.amount_yen, 0) THEN 1
        ELSE 0 END"""


# What _compare's query says of a row: its case may change (the row comes back), it stays as
# it is, or the finding has no case yet (these two only counted).
_MAY_CHANGE, _UNCHANGED, _NEW = 0, 1, 2


def _compare(chunk: _Chunk) -> None:
    """Compare the chunk's totals with its cases: the changes, and how many new and unchanged.

    Findings (totals with an amount) with or without a case, and cases in the range that the
    rule no longer finds, are classified in SQL; only the rows whose case may change come back
    and get their ``Change`` from ``_change_for`` / ``_change_for_missing``; the others come
    back as two counts.
    """
    low, high = chunk.contract_range
    case_columns = (
        "k.id AS case_id, k.contract_id AS case_contract_id, k.status, "
        "k.category AS case_category, k.amount_yen AS case_amount_yen, k.flagged, "
        "k.flag_difference_yen, k.flag_reason"
    )
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            WITH compared AS (
                SELECT 1 AS found, f.member_id, f.category, f.amount_yen, f.mismatch,
                    {case_columns},
                    CASE WHEN k.id IS NULL THEN {_NEW} ELSE {_unchanged_sql(True)} END AS kind
                FROM {_TOTALS} f
                LEFT JOIN refunds_case k ON k.program_code = %s
                    AND k.contract_id = f.contract_id AND k.contract_id BETWEEN %s AND %s
                WHERE f.amount_yen > 0
                UNION ALL
                SELECT 0, NULL, NULL, NULL, NULL, {case_columns}, {_unchanged_sql(False)}
                FROM refunds_case k
                WHERE k.program_code = %s AND k.contract_id BETWEEN %s AND %s
                  AND NOT EXISTS (SELECT 1 FROM {_TOTALS} f
                                  WHERE f.contract_id = k.contract_id AND f.amount_yen > 0)
            )
            SELECT kind, found, member_id, category, amount_yen, mismatch, case_id,
                case_contract_id, status, case_category, case_amount_yen, flagged,
                flag_difference_yen, flag_reason, 1
            FROM compared WHERE kind = {_MAY_CHANGE}
            UNION ALL
            SELECT kind, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
                NULL, COUNT(*)
            FROM compared WHERE kind <> {_MAY_CHANGE} GROUP BY kind
            """,
            [chunk.run.program_code, low, high, chunk.run.program_code, low, high],
        )
        rows = cursor.fetchall()
    for kind, found, member_id, category, amount, mismatch, *case_values, count in rows:
        if kind != _MAY_CHANGE:
            chunk.counts["create" if kind == _NEW else "unchanged"] += int(count)
            continue
        case = dict(zip(_CASE_FIELDS, case_values, strict=True))
        if found:
            finding = Finding(
                case["contract_id"], member_id, int(category), int(amount), bool(mismatch)
            )
            change = _change_for(finding, case)
        else:
            change = _change_for_missing(case)
        chunk.counts[change.action] += 1
        if change.action != "unchanged":
            chunk.changes.append(change)
    chunk.changes.sort(key=lambda c: c.contract_id)


def _apply(chunk: _Chunk, run: DetectionRun) -> None:
    """The chunk's writes, inside its transaction."""
    chunk.counts["create"] = _create_cases(chunk, run)
    _apply_changes(chunk.parameters, run, chunk.changes)
    chunk.counts["problems"] = _record_problems(chunk, run)


def _create_cases(chunk: _Chunk, run: DetectionRun) -> int:
    """Write the chunk's new cases, their evidence lines and audit events, set-based.

    The findings without a case get their numbers (the block reserved for the chunk, in
    contract order) in a temporary table; three ``INSERT … SELECT`` statements then write the
    cases, the counted lines billed after the end month as their evidence (the same lines as
    ``evidence_rows``) and one ``case.created`` event each (changes: the run, and status,
    amount and category from nothing to their value). One code path for PostgreSQL and
    SQLite; only the JSON building of the audit changes differs. Returns how many.
    """
    if not chunk.counts["create"]:
        return 0
    program = run.program
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    with connection.cursor() as cursor:
        count = _number_new_cases(cursor, chunk, chunk.first_number)
        if count != chunk.counts["create"]:  # the cases changed since the numbers were reserved
            count = _number_new_cases(cursor, chunk, _reserve_block(program, count))
        cursor.execute(
            f"""
            INSERT INTO refunds_case (case_no, program_id, program_code, contract_id, member_id,
                category, computed_amount_yen, amount_yen, status, flagged, flag_reason,
                flag_difference_yen, tariff_mismatch, created_by_run_id, last_run_id,
                created_at, updated_at)
            SELECT t.case_no, %s, %s, t.contract_id, t.member_id,
                t.category, t.amount_yen, t.amount_yen, t.status, t.tariff_mismatch,
                CASE WHEN t.tariff_mismatch THEN %s ELSE '' END,
                NULL, t.tariff_mismatch, %s, %s,
                %s, %s
            FROM {_NEW_CASES} t
            ORDER BY t.contract_id
            """,
            [
                program.pk,
                program.code,
                _("billed amount differs from the tariff"),
                run.pk,
                run.pk,
                now,
                now,
            ],
        )
        _write_new_evidence(cursor, chunk)
        _write_new_events(chunk, now)
        cursor.execute(f"DROP TABLE {_NEW_CASES}")
    return count


def _number_new_cases(cursor: Any, chunk: _Chunk, first: int) -> int:
    """The chunk's findings without a case, numbered from ``first`` in contract order, into a
    temporary table; how many."""
    program = chunk.run.program
    starting = " ".join(f"WHEN {int(c)} THEN %s" for c in Category)
    cursor.execute(f"DROP TABLE IF EXISTS {_NEW_CASES}")
    cursor.execute(
        f"""
        CREATE TEMPORARY TABLE {_NEW_CASES} AS
        SELECT {case_no_sql(f"f.n + {int(first)}")} AS case_no, f.contract_id, f.member_id,
            f.category, f.amount_yen, CASE f.category {starting} END AS status,
            f.mismatch = 1 AS tariff_mismatch
        FROM (SELECT f.*, ROW_NUMBER() OVER (ORDER BY f.contract_id) - 1 AS n
              FROM {_TOTALS} f WHERE f.amount_yen > 0 AND NOT EXISTS (
                  SELECT 1 FROM refunds_case k WHERE k.program_code = %s
                    AND k.contract_id = f.contract_id AND k.contract_id BETWEEN %s AND %s)) f
        """,
        [
            f"{program.case_prefix}-",
            *(c.starting_status for c in Category),
            program.code,
            *chunk.contract_range,
        ],
    )
    cursor.execute(f"SELECT COUNT(*) FROM {_NEW_CASES}")
    return int(cursor.fetchone()[0])


def _write_new_evidence(cursor: Any, chunk: _Chunk) -> None:
    """The new cases' evidence: their counted lines billed after the end month, with the tariff
    of the month for overcharge items (the same lines as ``evidence_rows``)."""
    cursor.execute(
        f"""
        INSERT INTO refunds_caseevidence (case_id, billing_line_id, period, item,
            amount_yen, tariff_yen)
        SELECT k.id, l.line_id, l.period, l.item, l.amount_yen, l.tariff_yen
        FROM {_NEW_CASES} c
        JOIN refunds_case k ON {_NEW_CASE_IS_K}
        JOIN {_LINES} l ON l.contract_id = c.contract_id AND l.counted = 1
        ORDER BY k.id, l.period, l.item
        """,
        [chunk.run.program_code, *chunk.contract_range],
    )


def _write_new_events(chunk: _Chunk, now: Any) -> None:
    """One ``case.created`` event per new case, with its number, run, state, amount and category."""
    if connection.vendor == "postgresql":
        json_object, json_array = "jsonb_build_object", "jsonb_build_array"
    else:
        json_object, json_array = "json_object", "json_array"
    audit_record_select(
        actor_id=chunk.run.started_by_id,
        action=AuditAction.CASE_CREATED,
        select_sql=f"""
        SELECT %s AS created_at, 'refunds.case' AS object_type,
            CAST(k.id AS VARCHAR(64)) AS object_id, k.case_no AS object_repr,
            {json_object}('run', k.created_by_run_id,
                'status', {json_array}(NULL, k.status),
                'amount_yen', {json_array}(NULL, k.amount_yen),
                'category', {json_array}(NULL, k.category)) AS changes,
            '' AS reason, k.id AS sort_key
        FROM {_NEW_CASES} c
        JOIN refunds_case k ON {_NEW_CASE_IS_K}
        """,
        params=[now, chunk.run.program_code, *chunk.contract_range],
    )


def _record_problems(chunk: _Chunk, run: DetectionRun) -> int:
    """Store the data problems of the chunk's contracts (a retried chunk replaces its own)."""
    low, high = chunk.contract_range
    sql, params = contract_problems_sql(chunk.parameters, chunk.contract_range)
    with connection.cursor() as cursor:
        cursor.execute(
            "DELETE FROM refunds_dataproblem WHERE run_id = %s AND contract_id BETWEEN %s AND %s",
            [run.pk, low, high],
        )
        cursor.execute(
            "INSERT INTO refunds_dataproblem (run_id, contract_id, kind, detail) "
            f"SELECT %s, found.* FROM ({sql} "
            f"UNION ALL SELECT f.contract_id, 'no_overcharge_item', f.first_item FROM {_TOTALS} f "
            "WHERE f.overcharge_lines = 0) found",
            [run.pk, *params],
        )
        return int(cursor.rowcount)


def _apply_changes(params: Parameters, run: DetectionRun, changes: list[Change]) -> None:
    """Updates, reopenings, closings and flags: few, written case by case; every change of
    state asked of the state table first (one refused, the chunk is rolled back)."""
    program = run.program
    lock_cases([c.case_id for c in changes if c.case_id])
    rows = {row.pk: row for row in case_rows(c.case_id for c in changes if c.case_id)}
    moves: dict[str, list[CaseRow]] = defaultdict(list)
    for c in changes:
        to = _status_after(c)
        if to is not None and to != rows[_case_id(c)].status:
            moves[to].append(rows[_case_id(c)])
    for to, moving in moves.items():
        check_transitions(((row.case_no, row.status) for row in moving), to)
    refreshed_evidence: list[int] = []
    for c in changes:
        case_id = _case_id(c)
        if c.action in ("update", "reopen"):
            Case.objects.filter(pk=case_id).update(
                category=c.category,
                amount_yen=c.amount_yen,
                computed_amount_yen=c.amount_yen,
                status=_status_after(c),
                tariff_mismatch=c.tariff_mismatch,
                flagged=c.tariff_mismatch,
                flag_reason=_("billed amount differs from the tariff") if c.tariff_mismatch else "",
                flag_difference_yen=None,
                last_run=run,
                updated_at=timezone.now(),
            )
            CaseEvidence.objects.filter(case_id=case_id).delete()
            refreshed_evidence.append(c.contract_id)
        elif c.action == "close":
            Case.objects.filter(pk=case_id).update(
                status=CaseStatus.NO_LONGER_AFFECTED, last_run=run, updated_at=timezone.now()
            )
        elif c.action == "flag":
            Case.objects.filter(pk=case_id).update(
                flagged=c.flag_difference_yen is not None or c.tariff_mismatch,
                flag_reason=c.flag_reason,
                flag_difference_yen=c.flag_difference_yen,
                last_run=run,
                updated_at=timezone.now(),
            )
    _write_evidence(params, refreshed_evidence, program)
    for action, events in _entries(changes, rows, run).items():
        audit_record_many(actor=run.started_by, action=action, entries=events)


def _case_id(change: Change) -> int:
    assert change.case_id is not None
    return change.case_id


def _status_after(change: Change) -> str | None:
    """The state a change moves its case to (None: the state stays)."""
    if change.action == "close":
        return CaseStatus.NO_LONGER_AFFECTED
    if change.action in ("update", "reopen"):
        return str(Category(change.category).starting_status)  # type: ignore[arg-type]
    return None


_ACTION_EVENTS = {
    "update": AuditAction.CASE_UPDATED,
    "reopen": AuditAction.CASE_REOPENED,
    "close": AuditAction.CASE_NO_LONGER_AFFECTED,
    "flag": AuditAction.CASE_FLAGGED,
}


def _write_evidence(
    params: Parameters, contract_ids: list[int], program: RemediationProgram
) -> None:
    if not contract_ids:
        return
    case_of: dict[int, int] = {}
    for start in range(0, len(contract_ids), 500):
        chunk = contract_ids[start : start + 500]
        case_of.update(
            Case.objects.filter(program_code=program.code, contract_id__in=chunk).values_list(
                "contract_id", "id"
            )
        )
    CaseEvidence.objects.bulk_create(
        (
            CaseEvidence(
                case_id=case_of[contract_id],
                billing_line_id=line_id,
                period=period,
                item=item,
                amount_yen=amount,
                tariff_yen=tariff,
            )
            for contract_id, line_id, period, item, amount, tariff in evidence_rows(
                params, contract_ids
            )
        ),
        batch_size=2000,
    )


def _entries(
    changes: list[Change], rows: dict[int, CaseRow], run: DetectionRun
) -> dict[AuditAction, list[Entry]]:
    """The audit events of changes to existing cases, by action (new cases: ``_create_cases``)."""
    events: dict[AuditAction, list[Entry]] = defaultdict(list)
    for c in changes:
        row = rows[_case_id(c)]
        details: dict[str, Any] = {"run": run.pk}
        if c.action == "close":
            details.update(status=[c.old_status, CaseStatus.NO_LONGER_AFFECTED])
        elif c.action == "flag":
            details.update(flag_difference_yen=[None, c.flag_difference_yen], found=c.amount_yen)
        else:
            details.update(
                amount_yen=[c.old_amount_yen, c.amount_yen],
                category=[c.old_category, c.category],
                status=[c.old_status, _status_after(c)],
            )
        events[_ACTION_EVENTS[c.action]].append(
            Entry("refunds.case", row.pk, row.case_no, details, c.flag_reason)
        )
    return events


def plan_csv(plan: Plan, *, program: RemediationProgram) -> str:
    """The difference a dry run found, one row per contract that would change."""
    numbers = dict(
        Contract.objects.filter(
            pk__in=[
                c.contract_id
                for c in plan.changes
                if c.action != "unchanged" or c.difference != "same"
            ]
        ).values_list("pk", "contract_no")
    )
    out = io.StringIO()
    writer = csvcells.writer(out)
    writer.writerow(
        [
            "action",
            "contract_no",
            "old_category",
            "category",
            "old_amount_yen",
            "amount_yen",
            "difference",
            "yen_delta",
        ]
    )
    for c in plan.changes:
        if c.action == "unchanged" and c.difference == "same":
            continue
        writer.writerow(
            [
                c.action,
                numbers.get(c.contract_id, c.contract_id),
                c.old_category or "",
                c.category or "",
                "" if c.old_amount_yen is None else c.old_amount_yen,
                "" if c.amount_yen is None else c.amount_yen,
                c.difference,
                c.yen_delta,
            ]
        )
    return out.getvalue()
