"""Detection, written from remediation-rules.md: the sample, every rule and boundary, re-runs."""

import csv
import datetime as dt
import io
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from refunds.models import (
    AuditEvent,
    Case,
    CaseStatus,
    DataProblem,
    DetectionRun,
    RemediationProgram,
)
from refunds.services.detection import DetectionLocked, detection_execute, detection_start
from tests.factories import (
    BillingLineFactory,
    CaseFactory,
    ContractFactory,
    MemberFactory,
    TariffFactory,
    set_status,
)

pytestmark = pytest.mark.django_db
CODE = "SONET-HIKARI-2010"


@pytest.fixture
def program():
    return RemediationProgram.objects.get(code=CODE)


@pytest.fixture(autouse=True)
def tariffs(db):
    TariffFactory(plan="family", area="east", monthly_fee_yen=6720)


def detect(program, user=None):
    run = detection_start(program=program, user=user)
    detection_execute(run=run)
    run.refresh_from_db()
    return run


def contract(
    *,
    status="active",
    withdrawn_on=None,
    ended_on=dt.date(2009, 7, 31),
    cancel=dt.date(2009, 7, 10),
    applied=dt.date(2006, 1, 10),
    course="HIKARI_FLETS",
    after=(("2009-08", "base_fee", 6720),),
    member=None,
):
    if member is None:
        member = MemberFactory(status=status, withdrawn_on=withdrawn_on)
    c = ContractFactory(
        member=member,
        course=course,
        applied_on=applied,
        started_on=applied,
        cancel_requested_on=cancel,
        ended_on=ended_on,
    )
    BillingLineFactory(contract=c, period=dt.date(2009, 1, 1), amount_yen=6720)
    if ended_on:
        BillingLineFactory(contract=c, period=ended_on.replace(day=1), amount_yen=6720)
    for period, item, amount in after:
        y, m = map(int, period.split("-"))
        BillingLineFactory(contract=c, period=dt.date(y, m, 1), item=item, amount_yen=amount)
    return c


def case_of(c):
    return Case.objects.filter(contract=c).first()


# -- the sample --------------------------------------------------------------------------------
@pytest.mark.parametrize("where", ["missing/cases.csv", "."])
def test_export_cases_names_a_missing_folder_or_a_folder(tmp_path, program, where):
    target = tmp_path / where
    with pytest.raises(CommandError, match=r"no such folder|is a folder"):
        call_command("export_cases", "--program", CODE, "--output", str(target))
    assert not (tmp_path / "missing").exists()


def test_sample_gives_exactly_the_expected_cases(data_dir, tmp_path, program):
    for kind in ("members", "contracts", "tariffs", "billing"):
        call_command("import_csv", kind, str(data_dir / f"{kind}.csv"), stdout=io.StringIO())
    out = io.StringIO()
    call_command("detect", "--program", CODE, stdout=out, stderr=io.StringIO())
    expected = list(csv.DictReader((data_dir / "expected_cases.csv").open()))
    summary = json.loads((data_dir / "expected_summary.json").read_text())
    assert out.getvalue().strip().splitlines()[-1].startswith(f"created={len(expected)} updated=0")
    target = tmp_path / "cases.csv"
    call_command("export_cases", "--program", CODE, "--output", str(target), stdout=io.StringIO())
    rows = list(csv.DictReader(target.open(encoding="utf-8")))
    assert list(rows[0])[:7] == [
        "case_no",
        "program",
        "member_no",
        "contract_no",
        "category",
        "amount_yen",
        "status",
    ]
    assert [r["case_no"] for r in rows] == sorted(r["case_no"] for r in rows)
    got = {(r["contract_no"], r["member_no"], r["category"], r["amount_yen"]) for r in rows}
    assert got == {
        (e["contract_no"], e["member_no"], e["category"], e["amount_yen"]) for e in expected
    }
    for category, figures in summary["by_category"].items():
        mine = [r for r in rows if r["category"] == category]
        assert len(mine) == figures["contracts"]
        assert sum(int(r["amount_yen"]) for r in mine) == figures["amount_yen"]
    assert {r["status"] for r in rows if r["category"] == "3"} == {"awaiting_claim"}
    assert {r["status"] for r in rows if r["category"] != "3"} == {"detected"}
    out = io.StringIO()
    call_command("detect", "--program", CODE, stdout=out, stderr=io.StringIO())
    assert (
        out.getvalue()
        .strip()
        .splitlines()[-1]
        .startswith(
            f"created=0 updated=0 unchanged={len(expected)} flagged=0 no_longer_affected=0 reopened=0"
        )
    )


# -- one test per rule and boundary ------------------------------------------------------------
def test_active_contract_is_not_affected(program):
    c = contract(cancel=None, ended_on=None, after=())
    detect(program)
    assert case_of(c) is None


def test_cancelled_with_nothing_billed_after_the_end(program):
    c = contract(after=())
    detect(program)
    assert case_of(c) is None


@pytest.mark.parametrize(
    ("cancel", "affected"), [(dt.date(2009, 9, 16), True), (dt.date(2009, 9, 17), False)]
)
def test_cancellation_request_date_boundary(program, cancel, affected):
    c = contract(
        cancel=cancel, ended_on=dt.date(2009, 9, 30), after=(("2009-10", "base_fee", 6720),)
    )
    detect(program)
    assert (case_of(c) is not None) is affected


@pytest.mark.parametrize(
    ("applied", "affected"), [(dt.date(2005, 3, 31), False), (dt.date(2005, 4, 1), True)]
)
def test_application_date_boundary(program, applied, affected):
    c = contract(applied=applied)
    detect(program)
    assert (case_of(c) is not None) is affected


@pytest.mark.parametrize(
    ("ended_on", "category"), [(dt.date(2009, 5, 31), 3), (dt.date(2009, 6, 1), 2)]
)
def test_recent_leaver_boundary(program, ended_on, category):
    c = contract(
        status="withdrawn",
        withdrawn_on=dt.date(2009, 9, 1),
        cancel=dt.date(2009, 5, 1),
        ended_on=ended_on,
        after=(("2009-07", "base_fee", 6720),),
    )
    detect(program)
    case = case_of(c)
    assert case.category == category
    assert case.status == ("awaiting_claim" if category == 3 else "detected")


def test_active_member_is_category_1(program):
    c = contract()
    detect(program)
    assert case_of(c).category == 1 and case_of(c).amount_yen == 6720


def test_other_course_is_out_of_scope(program):
    c = contract(course="ADSL")
    detect(program)
    assert case_of(c) is None


def test_only_option_lines_after_the_end(program):
    c = contract(after=(("2009-08", "option", 315),))
    detect(program)
    assert case_of(c) is None


def test_zero_yen_base_fee_after_the_end(program):
    c = contract(after=(("2009-08", "base_fee", 0),))
    detect(program)
    assert case_of(c) is None


def test_overcharge_refunded_in_full_gets_no_case(program):
    c = contract(after=(("2009-08", "base_fee", 6720), ("2009-09", "refund", -6720)))
    detect(program)
    assert case_of(c) is None


def test_overcharge_refunded_in_part_gets_a_case_for_the_rest(program):
    c = contract(after=(("2009-08", "base_fee", 6720), ("2009-09", "refund", -2000)))
    detect(program)
    assert case_of(c).amount_yen == 4720


def test_refund_booked_in_the_end_month_does_not_offset(program):
    c = contract(after=(("2009-08", "base_fee", 6720), ("2009-07", "refund", -6720)))
    detect(program)
    assert case_of(c).amount_yen == 6720


def test_two_months_overcharged(program):
    c = contract(after=(("2009-08", "base_fee", 6720), ("2009-09", "base_fee", 6720)))
    detect(program)
    case = case_of(c)
    assert case.amount_yen == 13440
    assert case.evidence.count() == 2


def test_the_end_month_itself_is_not_an_overcharge(program):
    c = contract(ended_on=dt.date(2009, 7, 15), after=())
    detect(program)
    assert case_of(c) is None


def test_cancel_requested_without_end_date_is_a_data_problem(program):
    c = contract(ended_on=None, after=())
    run = detect(program)
    assert case_of(c) is None
    assert DataProblem.objects.filter(run=run, contract=c, kind="no_end_date").exists()
    assert run.problems >= 1


def test_one_member_two_contracts_two_categories(program):
    member = MemberFactory(status="withdrawn", withdrawn_on=dt.date(2009, 9, 1))
    early = contract(
        member=member,
        cancel=dt.date(2009, 4, 1),
        ended_on=dt.date(2009, 4, 30),
        after=(("2009-05", "base_fee", 6720),),
    )
    late = contract(member=member)
    detect(program)
    assert (case_of(early).category, case_of(late).category) == (3, 2)


def test_billed_amount_different_from_tariff_is_kept_and_flagged(program):
    c = contract(after=(("2009-08", "base_fee", 7000),))
    detect(program)
    case = case_of(c)
    assert case.amount_yen == 7000 and case.tariff_mismatch and case.flagged
    line = case.evidence.get()
    assert (line.tariff_yen, line.difference_yen) == (6720, 280)


# -- re-runs -----------------------------------------------------------------------------------
def test_second_run_changes_nothing(program):
    contract()
    detect(program)
    events = AuditEvent.objects.count()
    run = detect(program)
    assert (run.created, run.updated, run.unchanged, run.flagged) == (0, 0, 1, 0)
    assert AuditEvent.objects.count() == events


def test_new_billing_updates_untouched_and_flags_reviewed_cases(program):
    a, b = contract(), contract()
    detect(program)
    set_status(Case.objects.filter(contract=b), CaseStatus.PREPARED)
    for c in (a, b):
        BillingLineFactory(contract=c, period=dt.date(2009, 9, 1), amount_yen=6720)
    run = detect(program)
    assert (run.updated, run.flagged) == (1, 1)
    assert case_of(a).amount_yen == 13440 and case_of(a).evidence.count() == 2
    flagged = case_of(b)
    assert flagged.amount_yen == 6720 and flagged.flagged and flagged.flag_difference_yen == 6720
    assert AuditEvent.objects.filter(action="case.updated", object_id=str(case_of(a).pk)).exists()
    assert AuditEvent.objects.filter(action="case.flagged", object_id=str(flagged.pk)).exists()
    run = detect(program)
    assert (run.updated, run.flagged, run.unchanged) == (0, 0, 2)


def test_case_no_longer_found_is_closed_then_reopened(program):
    c = contract()
    detect(program)
    refund = BillingLineFactory(
        contract=c, period=dt.date(2009, 9, 1), item="refund", amount_yen=-6720
    )
    run = detect(program)
    assert run.no_longer_affected == 1 and case_of(c).status == "no_longer_affected"
    refund.delete()
    run = detect(program)
    assert run.reopened == 1 and case_of(c).status == "detected"
    assert Case.objects.count() == 1


def test_reviewed_case_no_longer_found_is_flagged_not_closed(program):
    c = contract()
    detect(program)
    set_status(Case.objects.filter(contract=c), CaseStatus.APPROVED)
    BillingLineFactory(contract=c, period=dt.date(2009, 9, 1), item="refund", amount_yen=-6720)
    run = detect(program)
    case = case_of(c)
    assert run.flagged == 1 and case.status == "approved" and case.flag_difference_yen == -6720


def test_two_runs_never_overlap(program):
    detection_start(program=program)
    with pytest.raises(DetectionLocked):
        detection_start(program=program)
    with pytest.raises(CommandError, match="already running"):
        call_command("detect", "--program", CODE, stdout=io.StringIO())


def test_dry_run_changes_nothing_and_prints_the_diff(program):
    c = contract()
    out = io.StringIO()
    call_command("detect", "--program", CODE, "--dry-run", stdout=out)
    assert Case.objects.count() == 0 and DetectionRun.objects.count() == 0
    text = out.getvalue()
    assert f"create,{c.contract_no},,1,,6720" in text
    assert text.strip().splitlines()[-1].startswith("created=1 ")


def test_case_numbers_are_readable_and_sort_in_creation_order(program):
    contract(), contract()
    detect(program)
    contract()
    detect(program)
    numbers = list(Case.objects.order_by("created_at", "id").values_list("case_no", flat=True))
    assert numbers == ["SH10-000001", "SH10-000002", "SH10-000003"]


def test_a_created_case_has_its_evidence_lines_and_audit_event(program, admin_user):
    from refunds.detection.rule import Parameters, evidence_rows

    a = contract(
        status="withdrawn",
        withdrawn_on=dt.date(2009, 9, 1),
        ended_on=dt.date(2009, 7, 31),
        after=(
            ("2009-08", "base_fee", 7000),
            ("2009-08", "option", 315),
            ("2009-09", "base_fee", 6720),
            ("2009-09", "refund", -500),
        ),
    )
    b = contract()
    run = detect(program, user=admin_user)
    case = case_of(a)
    assert (case.category, case.amount_yen, case.computed_amount_yen) == (2, 13220, 13220)
    assert case.status == CaseStatus.DETECTED and case.program_code == CODE
    assert case.tariff_mismatch and case.flagged and case.flag_reason
    assert case.flag_difference_yen is None and case.member_id == a.member_id
    assert case.created_by_run_id == run.pk and case.last_run_id == run.pk
    assert not case_of(b).flagged and case_of(b).flag_reason == ""
    got = list(
        case.evidence.order_by("period", "item").values_list(
            "billing_line_id", "period", "item", "amount_yen", "tariff_yen"
        )
    )
    expected = [row[1:] for row in evidence_rows(Parameters.of(program), [a.pk])]
    assert got == [tuple(row) for row in expected] and len(got) == 3
    assert [(g[2], g[4]) for g in got] == [("base_fee", 6720), ("base_fee", 6720), ("refund", None)]
    event = AuditEvent.objects.get(object_id=str(case.pk))
    assert (event.action, event.object_type, event.actor_id) == (
        "case.created",
        "refunds.case",
        admin_user.pk,
    )
    assert event.changes == {
        "run": run.pk,
        "status": [None, "detected"],
        "amount_yen": [None, 13220],
        "category": [None, 2],
    }
    assert event.reason == "" and event.created_at is not None
    assert AuditEvent.objects.filter(action="case.created").count() == 2


# -- chunks, failures and the lock -------------------------------------------------------------
def test_a_run_that_dies_half_way_is_completed_by_a_rerun(program, monkeypatch, settings):
    from refunds.services import detection as service

    settings.DETECTION_CHUNK_CONTRACTS = 2
    contracts = [contract() for _ in range(6)]
    real_apply, calls = service._apply, []

    def dying(plan, run):
        calls.append(plan)
        if len(calls) == 2:
            raise RuntimeError("worker lost")
        return real_apply(plan, run)

    monkeypatch.setattr(service, "_apply", dying)
    run = detection_start(program=program)
    with pytest.raises(RuntimeError):
        detection_execute(run=run)
    run.refresh_from_db()
    assert run.status == "failed" and "worker lost" in run.message
    assert Case.objects.count() == 2  # the first chunk is whole, the second left nothing
    monkeypatch.undo()
    rerun = detect(program)
    assert (rerun.created, rerun.unchanged, rerun.chunks_total) == (4, 2, 3)
    assert sorted(Case.objects.values_list("contract_id", flat=True)) == sorted(
        c.pk for c in contracts
    )
    assert set(Case.objects.values_list("amount_yen", flat=True)) == {6720}


def test_a_run_without_sign_of_life_frees_the_lock(program, settings):
    from datetime import timedelta

    from django.utils import timezone

    settings.DETECTION_STALE_AFTER_SECONDS = 60
    dead = detection_start(program=program)
    DetectionRun.objects.filter(pk=dead.pk).update(
        heartbeat_at=timezone.now() - timedelta(minutes=5)
    )
    detect(program)
    dead.refresh_from_db()
    assert dead.status == "failed"


def test_chunked_and_whole_runs_give_the_same_cases(program, settings):
    for _ in range(5):
        contract()
    contract(status="withdrawn", withdrawn_on=dt.date(2009, 9, 1))
    settings.DETECTION_CHUNK_CONTRACTS = 1
    chunked = detect(program)
    assert chunked.chunks_total == chunked.chunks_done == 6
    first = set(Case.objects.values_list("contract_id", "category", "amount_yen"))
    Case.objects.all().delete()
    settings.DETECTION_CHUNK_CONTRACTS = 1000
    whole = detect(program)
    assert whole.chunks_total == 1
    assert set(Case.objects.values_list("contract_id", "category", "amount_yen")) == first


def test_scope_test_compares_other_parameters_with_the_live_cases(program, admin_client_role):
    from django.urls import reverse

    inside = contract()
    later = contract(
        cancel=dt.date(2009, 9, 20),
        ended_on=dt.date(2009, 9, 30),
        after=(("2009-10", "base_fee", 6720),),
    )
    with_option = contract(after=(("2009-08", "base_fee", 6720), ("2009-08", "option", 315)))
    detect(program)
    url = reverse("refunds:scope_test")
    query = {
        "program": program.pk,
        "cancel_requested_on_or_before": "2009-09-30",
        "overcharge_items": "base_fee, option",
    }
    page = admin_client_role.get(url, query)
    assert page.status_code == 200
    assert page.context["totals"] == {"added": 1, "dropped": 0, "changed": 1, "yen": 6720 + 315}
    csv_text = admin_client_role.get(url, {**query, "format": "csv"}).content.decode()
    assert f"create,{later.contract_no},,1,,6720,added,6720" in csv_text
    assert f"{with_option.contract_no},1,1,6720,7035,changed,315" in csv_text
    assert inside.contract_no not in csv_text
    assert Case.objects.count() == 2 and DetectionRun.objects.count() == 1  # nothing saved


# -- the live run's set-based comparison ---------------------------------------------------------
def _matrix(program):
    """Cases in every state detection distinguishes, against findings that stay, grow or go."""
    from django.utils import timezone

    made = []
    statuses = ("detected", "notified", "prepared", "approved", "paid", "no_longer_affected")
    for status in statuses:
        for variant in ("same", "more", "gone"):
            for flag in ("none", "matching", "other", "no_amount"):
                made.append((contract(), status, variant, flag))
    detect(program)
    for c, status, variant, flag in made:
        if variant == "more":
            BillingLineFactory(contract=c, period=dt.date(2009, 9, 1), amount_yen=6720)
        elif variant == "gone":
            BillingLineFactory(
                contract=c, period=dt.date(2009, 9, 1), item="refund", amount_yen=-6720
            )
        difference = {"same": 0, "more": 6720, "gone": -6720}[variant]
        fields = {}
        if status == "paid":
            fields.update(paid_at=timezone.now(), paid_amount_yen=6720)
        if flag == "matching":
            fields.update(flagged=True, flag_difference_yen=difference)
        elif flag == "other":
            fields.update(flagged=True, flag_difference_yen=123)
        elif flag == "no_amount" and status not in ("detected", "paid", "no_longer_affected"):
            fields.update(amount_yen=None)
        set_status(Case.objects.filter(contract=c), status, **fields)
    return made


def test_the_live_run_decides_as_the_plan_in_every_state(program, settings):
    from refunds.services.detection import detection_plan

    settings.DETECTION_CHUNK_CONTRACTS = 7
    _matrix(program)
    before = {k.pk: k for k in Case.objects.all()}
    events = AuditEvent.objects.count()
    plan = detection_plan(program=program)
    expected = plan.summary()
    assert {c.action for c in plan.changes} == {
        "unchanged",
        "update",
        "close",
        "reopen",
        "flag",
    }
    run = detect(program)
    assert {name: getattr(run, name) for name in expected if name != "problems"} == {
        name: count for name, count in expected.items() if name != "problems"
    }
    changed = [c for c in plan.changes if c.action != "unchanged"]
    assert AuditEvent.objects.count() - events == len(changed)
    for change in plan.changes:
        case = Case.objects.get(pk=change.case_id)
        old = before[change.case_id]
        if change.action == "unchanged":
            assert (case.status, case.amount_yen, case.flag_difference_yen, case.last_run_id) == (
                old.status,
                old.amount_yen,
                old.flag_difference_yen,
                old.last_run_id,
            )
        elif change.action in ("update", "reopen"):
            assert (case.amount_yen, case.status, case.last_run_id) == (
                change.amount_yen,
                "detected",
                run.pk,
            )
        elif change.action == "close":
            assert case.status == "no_longer_affected" and case.amount_yen == old.amount_yen
        else:
            assert (case.status, case.amount_yen) == (old.status, old.amount_yen)
            assert case.flag_difference_yen == change.flag_difference_yen
    again = detect(program)
    assert (again.unchanged, again.updated, again.flagged, again.no_longer_affected) == (
        len(before),
        0,
        0,
        0,
    )


def test_the_live_run_records_the_problems_and_cases_the_rule_finds(data_dir, program, settings):
    from refunds.detection.rule import Parameters, findings, problems

    for kind in ("members", "contracts", "tariffs", "billing"):
        call_command("import_csv", kind, str(data_dir / f"{kind}.csv"), stdout=io.StringIO())
    no_tariff = contract()
    no_tariff.plan = "unknown-plan"
    no_tariff.save()
    only_option = contract(after=(("2009-08", "option", 315),))
    settings.DETECTION_CHUNK_CONTRACTS = 50
    run = detect(program)
    params = Parameters.of(program)
    stored = set(DataProblem.objects.filter(run=run).values_list("contract_id", "kind", "detail"))
    assert stored == set(problems(params)) and run.problems == len(stored)
    kinds = {kind for _, kind, _ in stored}
    assert kinds == {"no_end_date", "no_tariff", "no_overcharge_item"}
    assert (no_tariff.pk, "no_tariff", "HIKARI_FLETS/unknown-plan/east") in stored
    assert (only_option.pk, "no_overcharge_item", "option") in stored
    found = {(f.contract_id, f.category, f.amount_yen, f.tariff_mismatch) for f in findings(params)}
    assert found == set(
        Case.objects.values_list("contract_id", "category", "amount_yen", "tariff_mismatch")
    )


def test_a_chunk_applied_twice_changes_nothing_the_second_time(program, settings):
    """A redelivered chunk (its worker died after the commit) finds its work done."""
    from refunds.services.detection import (
        detection_apply_chunk,
        detection_finish,
        detection_ranges,
    )

    settings.DETECTION_CHUNK_CONTRACTS = 2
    for _ in range(4):
        contract()
    contract(ended_on=None, after=())
    run = detection_start(program=program)
    ranges = detection_ranges(run=run)
    first = [detection_apply_chunk(run=run, contract_range=r) for r in ranges]
    second = [detection_apply_chunk(run=run, contract_range=r) for r in ranges]
    assert sum(r["created"] for r in first) == 4 and sum(r["created"] for r in second) == 0
    assert sum(r["unchanged"] for r in second) == 4
    run = detection_finish(run=run, results=second)
    assert run.problems == DataProblem.objects.filter(run=run).count() == 1
    assert AuditEvent.objects.filter(action="case.created").count() == Case.objects.count() == 4


def test_ranges_count_the_contracts_in_scope_and_cover_every_id(program, settings):
    from refunds.services.detection import detection_ranges

    settings.DETECTION_CHUNK_CONTRACTS = 2
    early = contract(course="ADSL")
    CaseFactory(program=program, contract=early)
    inside = [contract() for _ in range(5)]
    late = contract(course="ADSL")
    CaseFactory(program=program, contract=late)
    run = detection_start(program=program)
    ranges = detection_ranges(run=run)
    ids = [c.pk for c in inside]
    assert ranges == [(0, ids[1]), (ids[1] + 1, ids[3]), (ids[3] + 1, 2**62)]
    settings.DETECTION_CHUNK_CONTRACTS = 5
    assert detection_ranges(run=run) == [(0, 2**62)]
    settings.DETECTION_CHUNK_CONTRACTS = 3  # 3 + 2: the rest is a chunk of its own
    assert detection_ranges(run=run) == [(0, ids[2]), (ids[2] + 1, 2**62)]
    settings.DETECTION_CHUNK_CONTRACTS = 4  # 4 + 1: the rest goes with the chunk before
    assert detection_ranges(run=run) == [(0, 2**62)]
    # The cases whose contract is out of scope are closed in the chunk of their id.
    settings.DETECTION_CHUNK_CONTRACTS = 2
    detection_execute(run=run)
    run.refresh_from_db()
    assert (run.created, run.no_longer_affected, run.chunks_total) == (5, 2, 3)
    assert {case_of(c).status for c in (early, late)} == {"no_longer_affected"}


def test_case_numbers_past_999999_keep_all_their_digits_and_sort_after(program):
    from refunds.models import CaseNumberCounter

    CaseNumberCounter.objects.create(prefix="SH10", last_number=999_998)
    contract(), contract(), contract()
    detect(program)
    numbers = ["SH10-999999", "SH10-A1000000", "SH10-A1000001"]
    assert list(Case.objects.order_by("id").values_list("case_no", flat=True)) == numbers
    # The database's order of the text is the order the numbers were handed out.
    assert list(Case.objects.order_by("case_no").values_list("case_no", flat=True)) == numbers
    # The call center's own case (reserve_case_numbers) continues after them.
    from refunds.services.detection import reserve_case_numbers

    assert reserve_case_numbers(program, 1) == ["SH10-A1000002"]
    CaseNumberCounter.objects.all().delete()  # a counter lost: read back from the highest
    assert reserve_case_numbers(program, 1) == ["SH10-A1000002"]


def test_cases_created_meanwhile_are_left_alone_and_numbers_stay_unique(program, monkeypatch):
    """Between the comparison and the chunk's transaction another writer opened a case."""
    from refunds.services import detection as service

    a, b, c = contract(), contract(), contract()
    real_reserve, calls = service._reserve_block, []

    def reserve_and_interfere(program_, count):
        calls.append(count)
        if len(calls) == 1:
            CaseFactory(program=program, contract=b, case_no="SH10-000900", amount_yen=1)
        return real_reserve(program_, count)

    monkeypatch.setattr(service, "_reserve_block", reserve_and_interfere)
    run = detect(program)
    assert calls == [3, 2] and run.created == 2
    cases = dict(Case.objects.values_list("contract_id", "case_no"))
    assert set(cases) == {a.pk, b.pk, c.pk} and cases[b.pk] == "SH10-000900"
    assert len(set(cases.values())) == 3
    assert AuditEvent.objects.filter(action="case.created").count() == 2
