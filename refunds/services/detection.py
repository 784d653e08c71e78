"""Detection: apply a program to the data and bring its cases in line (remediation-rules.md).

``detection_plan`` compares what the rule finds with the cases that exist and says, per
contract, what a run would do; ``detection_run`` applies that plan in one transaction (bulk
writes, an audit event per change); a dry run stops after the plan. One computation serves both.
"""

import csv
import io
import logging
from collections import Counter
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Max
from django.utils import timezone
from django.utils.translation import gettext as _

from refunds.detection.rule import (
    Finding,
    Parameters,
    contracts_in_scope,
    evidence_rows,
    findings,
    problems,
)
from refunds.models import (
    AuditEvent,
    Case,
    CaseEvidence,
    CaseStatus,
    Category,
    DataProblem,
    DetectionRun,
    RemediationProgram,
    RunStatus,
)

logger = logging.getLogger(__name__)


class DetectionLocked(Exception):
    """A live run of the same program is already going on."""


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
        counts = self.count()
        return {
            "created": counts["create"],
            "updated": counts["update"],
            "unchanged": counts["unchanged"],
            "flagged": counts["flag"],
            "no_longer_affected": counts["close"],
            "reopened": counts["reopen"],
            "problems": len(self.problems),
        }


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
    *, program: RemediationProgram, user: Any = None, dry_run: bool = False
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
    """Contiguous contract-id ranges covering every contract the run may touch, in chunks."""
    params = Parameters.of(run.program)
    ids = set(contracts_in_scope(params))
    ids.update(
        Case.objects.filter(program_code=run.program_code, contract__isnull=False).values_list(
            "contract_id", flat=True
        )
    )
    ordered = sorted(ids)
    size: int = settings.DETECTION_CHUNK_CONTRACTS
    ranges: list[ContractRange] = []
    low = 0
    for start in range(0, len(ordered), size):
        high = ordered[min(start + size, len(ordered)) - 1]
        ranges.append((low, high))
        low = high + 1
    if ranges:
        ranges[-1] = (ranges[-1][0], 2**62)
    return ranges or [(0, 2**62)]


def detection_record_problems(*, run: DetectionRun) -> int:
    """Store the run's data problems (idempotent: a retried task replaces them)."""
    found = problems(Parameters.of(run.program))
    with transaction.atomic():
        run.data_problems.all().delete()
        DataProblem.objects.bulk_create(
            [DataProblem(run=run, contract_id=cid, kind=k, detail=d) for cid, k, d in found],
            batch_size=2000,
        )
        DetectionRun.objects.filter(pk=run.pk).update(
            problems=len(found), heartbeat_at=timezone.now()
        )
    return len(found)


def detection_apply_chunk(*, run: DetectionRun, contract_range: ContractRange) -> dict[str, int]:
    """Bring the cases of one range of contracts in line, in one transaction."""
    plan = detection_plan(program=run.program, contract_range=contract_range)
    if not run.dry_run:
        with transaction.atomic():
            _apply(plan, run, contract_range)
            DetectionRun.objects.filter(pk=run.pk).update(
                chunks_done=F("chunks_done") + 1, heartbeat_at=timezone.now()
            )
    return plan.summary()


def detection_finish(*, run: DetectionRun, results: list[dict[str, int]]) -> DetectionRun:
    """Add up the chunks' counts and close the run."""
    totals: Counter[str] = Counter()
    for result in results:
        totals.update(result)
    with transaction.atomic():
        run = DetectionRun.objects.select_for_update().get(pk=run.pk)
        for name in ("created", "updated", "unchanged", "flagged", "no_longer_affected"):
            setattr(run, name, totals[name])
        run.reopened = totals["reopened"]
        run.status = RunStatus.SUCCEEDED
        run.finished_at = timezone.now()
        run.save()
    return run


def detection_fail(*, run_id: int, message: str) -> None:
    DetectionRun.objects.filter(pk=run_id, status=RunStatus.RUNNING).update(
        status=RunStatus.FAILED, message=message[:2000], finished_at=timezone.now()
    )


def detection_execute(*, run: DetectionRun) -> DetectionRun:
    """The whole run in this process, chunk after chunk (tests, scripts)."""
    try:
        detection_record_problems(run=run)
        ranges = detection_ranges(run=run)
        DetectionRun.objects.filter(pk=run.pk).update(chunks_total=len(ranges))
        results = [detection_apply_chunk(run=run, contract_range=r) for r in ranges]
    except Exception as exc:
        detection_fail(run_id=run.pk, message=str(exc))
        raise
    return detection_finish(run=run, results=results)


def _next_case_numbers(program: RemediationProgram, count: int) -> list[str]:
    prefix = f"{program.case_prefix}-"
    last = Case.objects.filter(case_no__startswith=prefix).aggregate(m=Max("case_no"))["m"]
    start = int(last.removeprefix(prefix)) if last else 0
    return [f"{prefix}{n:06d}" for n in range(start + 1, start + count + 1)]


def _apply(plan: Plan, run: DetectionRun, contract_range: ContractRange) -> None:
    program = run.program
    actor = run.started_by
    changes = [c for c in plan.changes if c.action != "unchanged"]
    creates = [c for c in changes if c.action == "create"]
    if creates:
        # Numbers are handed out under the program's row lock: chunks number one after another.
        RemediationProgram.objects.select_for_update().filter(pk=program.pk).exists()
    numbers = _next_case_numbers(program, len(creates))
    new_cases = [
        Case(
            case_no=number,
            program=program,
            program_code=program.code,
            contract_id=c.contract_id,
            member_id=c.member_id,
            category=c.category,
            computed_amount_yen=c.amount_yen,
            amount_yen=c.amount_yen,
            status=Category(c.category).starting_status,  # type: ignore[arg-type]
            tariff_mismatch=c.tariff_mismatch,
            flagged=c.tariff_mismatch,
            flag_reason=_("billed amount differs from the tariff") if c.tariff_mismatch else "",
            created_by_run=run,
            last_run=run,
        )
        for number, c in zip(numbers, creates, strict=True)
    ]
    Case.objects.bulk_create(new_cases, batch_size=2000)
    case_ids = {
        contract_id: pk
        for contract_id, pk in Case.objects.filter(
            program_code=program.code,
            created_by_run=run,
            contract__id__range=contract_range,
        ).values_list("contract_id", "id")
    }
    _lock_cases([c.case_id for c in changes if c.case_id])
    events: list[AuditEvent] = []
    refreshed_evidence: list[int] = []
    for c in changes:
        case_id = c.case_id or case_ids[c.contract_id]
        if c.action == "create":
            refreshed_evidence.append(c.contract_id)
            events.append(_event(actor, "case.created", case_id, None, c, run))
        elif c.action in ("update", "reopen"):
            category = Category(c.category)  # type: ignore[arg-type]
            Case.objects.filter(pk=case_id).update(
                category=c.category,
                amount_yen=c.amount_yen,
                computed_amount_yen=c.amount_yen,
                status=category.starting_status,
                tariff_mismatch=c.tariff_mismatch,
                flagged=c.tariff_mismatch,
                flag_reason=_("billed amount differs from the tariff") if c.tariff_mismatch else "",
                flag_difference_yen=None,
                last_run=run,
                updated_at=timezone.now(),
            )
            CaseEvidence.objects.filter(case_id=case_id).delete()
            refreshed_evidence.append(c.contract_id)
            events.append(_event(actor, _ACTION_EVENTS[c.action], case_id, c.case_id, c, run))
        elif c.action == "close":
            Case.objects.filter(pk=case_id).update(
                status=CaseStatus.NO_LONGER_AFFECTED, last_run=run, updated_at=timezone.now()
            )
            events.append(_event(actor, "case.no_longer_affected", case_id, case_id, c, run))
        elif c.action == "flag":
            Case.objects.filter(pk=case_id).update(
                flagged=c.flag_difference_yen is not None or c.tariff_mismatch,
                flag_reason=c.flag_reason,
                flag_difference_yen=c.flag_difference_yen,
                last_run=run,
                updated_at=timezone.now(),
            )
            events.append(_event(actor, "case.flagged", case_id, case_id, c, run))
    _write_evidence(plan.parameters, refreshed_evidence, program)
    AuditEvent.objects.bulk_create(events, batch_size=2000)


_ACTION_EVENTS = {"update": "case.updated", "reopen": "case.reopened"}


def _lock_cases(case_ids: list[int]) -> None:
    """Row locks on the cases this run changes, taken in pk order (no deadlocks)."""
    for start in range(0, len(case_ids), 2000):
        chunk = sorted(case_ids)[start : start + 2000]
        list(Case.objects.select_for_update().filter(pk__in=chunk).order_by("pk").values("pk"))


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


def _event(
    actor: Any, action: str, case_id: int, old_case_id: int | None, c: Change, run: DetectionRun
) -> AuditEvent:
    changes: dict[str, Any] = {"run": run.pk}
    if c.action == "create":
        changes.update(status=[None, Category(c.category).starting_status])  # type: ignore[arg-type]
        changes.update(amount_yen=[None, c.amount_yen], category=[None, c.category])
    elif c.action == "close":
        changes.update(status=[c.old_status, CaseStatus.NO_LONGER_AFFECTED])
    elif c.action == "flag":
        changes.update(flag_difference_yen=[None, c.flag_difference_yen], found=c.amount_yen)
    else:
        changes.update(
            amount_yen=[c.old_amount_yen, c.amount_yen],
            category=[c.old_category, c.category],
            status=[c.old_status, Category(c.category).starting_status],  # type: ignore[arg-type]
        )
    return AuditEvent(
        actor=actor,
        action=action,
        object_type="refunds.case",
        object_id=str(case_id),
        changes=changes,
        reason=c.flag_reason,
    )


def plan_csv(plan: Plan, *, program: RemediationProgram) -> str:
    """The difference a dry run found, one row per contract that would change."""
    from refunds.models import Contract

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
    writer = csv.writer(out)
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
