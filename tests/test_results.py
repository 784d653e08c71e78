"""The bank's result: applied whole or refused whole, kept with its hash, dated by the transfer."""

import datetime

import pytest
from django.utils import timezone

from refunds.models import AuditEvent, Case, ResultFile
from refunds.models.audit import AuditAction
from refunds.services import payments
from tests.test_review import DAY, approved_case

pytestmark = pytest.mark.django_db


def released_run(people, cases=2):
    for _ in range(cases):
        approved_case(people)
    run = payments.batch_create(method="bank_transfer", user=people["a"], transfer_date=DAY)
    return payments.batch_export(batch=run, user=people["b"])


def result_file(lines: list[tuple[str, str, str]]) -> bytes:
    rows = ["reference,result,amount_yen,reason"] + [",".join(line) + "," for line in lines]
    return ("\n".join(rows) + "\n").encode()


def test_a_paid_line_without_an_amount_refuses_the_file_and_the_refusal_is_kept(people):
    run = released_run(people)
    first, second = run.items.order_by("pk")
    data = result_file(
        [(f"{first.pk:010d}", "paid", ""), (f"{second.pk:010d}", "paid", str(second.amount_yen))]
    )
    kept, outcome = payments.batch_apply_result_file(
        batch=run, user=people["a"], data=data, file_name="result.csv"
    )
    assert outcome.errors == [f"result.csv line 2: {first.pk:010d} is paid without an amount"]
    assert not Case.objects.filter(status="paid").exists()
    assert (kept.applied, len(kept.sha256), kept.uploaded_by) == (False, 64, people["a"])
    assert kept.file.read() == data
    refusal = AuditEvent.objects.get(action=AuditAction.ATTEMPT_REFUSED, object_id=str(run.pk))
    assert "without an amount" in refusal.reason and refusal.changes["sha256"] == kept.sha256


def test_a_partial_file_leaves_the_run_partly_reconciled_and_the_rest_closes_it(people):
    run = released_run(people)
    first, second = run.items.order_by("pk")
    _kept, outcome = payments.batch_apply_result_file(
        batch=run,
        user=people["a"],
        data=result_file([(f"{first.pk:010d}", "paid", str(first.amount_yen))]),
        file_name="part-1.csv",
    )
    run.refresh_from_db()
    assert (outcome.paid, outcome.still_open, run.status) == (1, 1, "partly_reconciled")
    _kept, outcome = payments.batch_apply_result_file(
        batch=run,
        user=people["a"],
        data=result_file([(f"{second.pk:010d}", "failed", "")]),
        file_name="part-2.csv",
    )
    run.refresh_from_db()
    assert (outcome.failed, outcome.still_open, run.status) == (1, 0, "reconciled")
    assert ResultFile.objects.filter(batch=run, applied=True).count() == 2


def test_money_is_paid_on_the_transfer_date_and_the_events_say_what_an_auditor_reads(people):
    run = released_run(people, cases=1)
    item = run.items.get()
    payments.batch_apply_result_file(
        batch=run,
        user=people["a"],
        data=result_file([(f"{item.pk:010d}", "paid", str(item.amount_yen))]),
        file_name="r.csv",
    )
    case = Case.objects.get(pk=item.case_id)
    assert timezone.localtime(case.paid_at).date() == DAY
    paid = AuditEvent.objects.get(action=AuditAction.CASE_PAID, object_id=str(case.pk))
    assert paid.changes["paid_yen"] == item.amount_yen
    assert paid.changes["paid_on"] == DAY.isoformat()
    exported = AuditEvent.objects.get(action=AuditAction.BATCH_EXPORTED, object_id=str(run.pk))
    assert exported.changes["count"] == 1 and exported.changes["total_yen"] == item.amount_yen
    assert len(exported.changes["sha256"]) == 64
    assert datetime.date.fromisoformat(exported.changes["transfer_date"]) == DAY


def test_a_failed_payment_event_carries_its_reason(people):
    run = released_run(people, cases=1)
    item = run.items.get()
    data = f"reference,result,amount_yen,reason\n{item.pk:010d},不能,,口座なし\n".encode("cp932")
    payments.batch_apply_result_file(batch=run, user=people["a"], data=data, file_name="r.csv")
    failed = AuditEvent.objects.get(
        action=AuditAction.CASE_PAYMENT_FAILED, object_id=str(item.case_id)
    )
    assert failed.changes["failure_reason"] == "口座なし"


def test_a_reconciled_run_takes_no_more_results(people):
    run = released_run(people, cases=1)
    item = run.items.get()
    line = [(f"{item.pk:010d}", "paid", str(item.amount_yen))]
    payments.batch_apply_result_file(
        batch=run, user=people["a"], data=result_file(line), file_name="r.csv"
    )
    _kept, outcome = payments.batch_apply_result_file(
        batch=run, user=people["a"], data=result_file(line), file_name="again.csv"
    )
    assert outcome.errors and "waiting for results" in outcome.errors[0]


# -- the bank's own result file (Zengin 総合振込 records with a 振込結果コード) ------------------


def bank_result(run, codes: list[str], *, amounts=None, date=None, repeat_first=False) -> bytes:
    """The run's own file as the bank returns it: each data record with its result code."""
    run.file.open("rb")
    records = [line for line in run.file.read().split(b"\r\n") if line]
    run.file.close()
    header, data, trailer, end = records[0], records[1:-2], records[-2], records[-1]
    if date:
        header = header[:54] + date.encode() + header[58:]
    out = []
    for index, (record, code) in enumerate(zip(data, codes, strict=True)):
        if amounts and amounts[index] is not None:
            record = record[:80] + b"%010d" % amounts[index] + record[90:]
        out.append(record[:112] + code.encode() + record[113:])
    if repeat_first:
        out.append(out[0])
    total = sum(int(r[80:90]) for r in out)
    trailer = b"8%06d%012d" % (len(out), total) + trailer[19:]
    return b"\r\n".join([header, *out, trailer, end]) + b"\r\n"


def test_the_banks_result_file_pays_code_0_and_fails_the_others_with_their_meaning(people):
    run = released_run(people)
    first, second = run.items.order_by("pk")
    kept, outcome = payments.batch_apply_result_file(
        batch=run, user=people["a"], data=bank_result(run, ["0", "2"]), file_name="kekka.txt"
    )
    assert (outcome.errors, outcome.paid, outcome.failed) == ([], 1, 1)
    assert kept.applied and kept.file.name.endswith(".txt")
    second.refresh_from_db()
    assert second.failure_reason == "2: The account holder's name does not match"
    case = Case.objects.get(pk=first.case_id)
    assert case.status == "paid" and timezone.localtime(case.paid_at).date() == DAY
    run.refresh_from_db()
    assert run.status == "reconciled"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"codes": ["0", "6"]}, "record 3, byte 113: “6” is not a result code"),
        ({"codes": ["0", "0"], "amounts": [None, 1]}, "paid 1 yen, the batch says"),
        ({"codes": ["0", "0"], "date": "0101"}, "bytes 55-58: transfer date 0101 is not"),
        ({"codes": ["0", "1"], "repeat_first": True}, "is listed twice"),
    ],
    ids=["unknown code", "another amount", "another date", "a line twice"],
)
def test_a_wrong_bank_result_file_is_refused_whole(people, change, message):
    run = released_run(people)
    codes = change.pop("codes")
    kept, outcome = payments.batch_apply_result_file(
        batch=run, user=people["a"], data=bank_result(run, codes, **change), file_name="k.txt"
    )
    assert any(message in error for error in outcome.errors), outcome.errors
    assert not kept.applied and not Case.objects.filter(status__in=["paid", "payment_failed"])
    run.refresh_from_db()
    assert run.status == "exported"
    assert AuditEvent.objects.filter(action=AuditAction.ATTEMPT_REFUSED).count() == 1


def test_a_broken_bank_result_file_names_its_record(people):
    run = released_run(people)
    data = bank_result(run, ["0", "0"]).replace(b"\r\n8", b"\r\n2", 1)
    _kept, outcome = payments.batch_apply_result_file(
        batch=run, user=people["a"], data=data, file_name="k.txt"
    )
    assert outcome.errors and outcome.errors[0].startswith("k.txt: record 4")


def test_every_result_code_has_a_meaning_and_only_0_is_paid():
    from refunds import zengin
    from refunds.models import TransferResult

    assert zengin.RESULT_PAID == TransferResult.PAID
    assert set(TransferResult.values) == {"0", "1", "2", "3", "4", "5", "8", "9"}


def test_a_refused_file_shows_a_few_reasons_and_lists_them_all_with_the_file(people):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.test import Client
    from django.urls import reverse

    run = released_run(people, cases=7)
    client = Client()
    client.force_login(people["a"])
    upload = SimpleUploadedFile("k.txt", bank_result(run, ["6"] * 7))
    response = client.post(
        reverse("refunds:batch_reconcile", args=[run.pk]), {"file": upload}, follow=True
    )
    page = response.content.decode()
    shown = [m.message for m in response.context["messages"]]
    assert len(shown) == 1 + 5 + 1 and "ほか 2 件" in shown[-1]
    assert page.count("は結果コード") == 5 + 7  # the messages, then every reason


def test_a_draft_shows_no_result_columns(people):
    from django.test import Client

    approved_case(people)
    run = payments.batch_create(method="bank_transfer", user=people["a"], transfer_date=DAY)
    client = Client()
    client.force_login(people["b"])
    table = client.get(run.get_absolute_url()).context["table"]
    assert not {"status", "failure_reason", "result_at"} & {c.name for c in table.columns}
