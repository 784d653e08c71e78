"""The import of data-formats.md: counts, normalisation, and every kind of bad input."""

import io
import json
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import translation

from refunds.models import BillingLine, Contract, ImportBatch, ImportStatus, Member, Tariff

pytestmark = pytest.mark.django_db


KINDS = ("members", "contracts", "tariffs", "billing")
MEMBERS_HEADER = "member_no,name,name_kana,birth_date,phone,email,postal_code,address,status,joined_on,withdrawn_on\n"
CONTRACTS_HEADER = (
    "contract_no,member_no,course,plan,area,applied_on,started_on,cancel_requested_on,ended_on\n"
)


def run_import(kind: str, path: Path, *args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = 0
    try:
        call_command("import_csv", kind, str(path), *args, stdout=out, stderr=err)
    except SystemExit as exc:
        code = int(exc.code or 0)
    except CommandError as exc:
        code = 1
        err.write(str(exc))
    return code, out.getvalue(), err.getvalue()


def write(tmp_path: Path, name: str, text: str, encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def import_sample(data_dir: Path, tmp_path: Path, *, members_utf8: bool = False) -> dict[str, str]:
    summaries = {}
    for kind in KINDS:
        path = data_dir / f"{kind}.csv"
        if kind == "members" and members_utf8:
            path = write(tmp_path, "members.csv", path.read_bytes().decode("cp932"))
        code, out, err = run_import(kind, path)
        assert code == 0, err
        summaries[kind] = out.strip().splitlines()[-1]
    return summaries


@pytest.fixture
def sample_members(data_dir):
    assert run_import("members", data_dir / "members.csv")[0] == 0


@pytest.fixture
def sample_contracts(sample_members, data_dir):
    assert run_import("contracts", data_dir / "contracts.csv")[0] == 0


@pytest.mark.parametrize("members_utf8", [False, True], ids=["cp932", "utf8"])
def test_sample_imports_with_expected_counts_and_reimport_is_unchanged(
    data_dir, tmp_path, members_utf8
):
    expected = json.loads((data_dir / "expected_summary.json").read_text())
    first = import_sample(data_dir, tmp_path, members_utf8=members_utf8)
    assert first["members"] == f"created={expected['members']} updated=0 unchanged=0 rejected=0"
    assert first["contracts"].startswith(f"created={expected['contracts']} ")
    assert first["billing"].startswith(f"created={expected['billing_lines']} ")
    assert Member.objects.count() == expected["members"]
    assert Contract.objects.count() == expected["contracts"]
    assert BillingLine.objects.count() == expected["billing_lines"]
    second = import_sample(data_dir, tmp_path, members_utf8=members_utf8)
    assert second["members"] == f"created=0 updated=0 unchanged={expected['members']} rejected=0"
    assert second["billing"] == (
        f"created=0 updated=0 unchanged={expected['billing_lines']} rejected=0"
    )
    assert ImportBatch.objects.filter(status=ImportStatus.SUCCEEDED).count() == 8


def test_cp932_members_are_detected_and_normalised(data_dir):
    run_import("members", data_dir / "members.csv")
    batch = ImportBatch.objects.get()
    assert batch.encoding == "cp932"
    member = Member.objects.get(member_no="SN00000001")
    assert member.name_kana == "イトウ\u3000タカシ"  # half-width in the file
    assert member.phone_digits == "0397792542"
    assert str(member.birth_date) == "1944-05-01"


def test_normalisation_of_kana_amounts_periods_and_status(tmp_path, sample_contracts):
    members = write(
        tmp_path,
        "m.csv",
        MEMBERS_HEADER
        + "SN1,ｻﾄｳ ﾊﾅｺ,さとう  はなこ,1970-01-02,(03) 1234-5678,,1000001,ﾄｳｷｮｳ都,有効,,\n"
        + "SN2,=HYPERLINK(1),ヤマダ,1970/1/2,,,100-0001,,退会,2001-01-01,2009-01-01\n",
    )
    assert run_import("members", members)[0] == 0
    m1, m2 = Member.objects.get(member_no="SN1"), Member.objects.get(member_no="SN2")
    assert m1.name == "サトウ ハナコ"
    assert m1.name_kana == "サトウ\u3000ハナコ"
    assert m1.address == "トウキョウ都"
    assert m1.postal_code == "100-0001" and m1.phone_digits == "0312345678"
    assert m1.status == "active" and m2.status == "withdrawn"
    assert m2.name == "=HYPERLINK(1)"  # data, stored as written
    billing = write(
        tmp_path,
        "b.csv",
        "amount_yen,period,contract_no,item,unknown_column\n"
        '"3,402",200906,C000000001,base_fee,x\n'
        "１２３,2009/07,C000000001,option,x\n"
        "−500,2009-08,C000000001,refund,x\n"
        "△20,2009-09,C000000001,refund,x\n",
    )
    code, out, err = run_import("billing", billing)
    assert code == 0, err
    amounts = dict(
        BillingLine.objects.filter(contract__contract_no="C000000001", period__year=2009)
        .filter(period__month__gte=6)
        .values_list("item", "amount_yen")
        .order_by("period")
        .values_list("period", "amount_yen")
    )
    assert sorted(amounts.values()) == [-500, -20, 123, 3402]


@pytest.mark.parametrize(
    ("kind", "text", "line", "column", "reason"),
    [
        ("members", "", 1, "-", "empty"),
        ("members", MEMBERS_HEADER, 1, "-", "no data rows"),
        ("members", "member_no,name,status\nSN1,x,active\n", 1, "name_kana", "name_kana"),
        ("members", "\x00\x01\x02binary\x00", 1, "-", "binary"),
    ],
    ids=["empty", "header-only", "missing-column", "binary"],
)
def test_file_refused_as_a_whole(tmp_path, kind, text, line, column, reason):
    path = write(tmp_path, "bad.csv", text)
    code, out, err = run_import(kind, path)
    assert code == 1
    assert f"bad.csv:{line}: {column}:" in err and reason in err
    assert Member.objects.count() == 0
    assert ImportBatch.objects.get().status == ImportStatus.REJECTED


BAD_ROWS = [
    (
        "contracts",
        "C9,SN00000001,HIKARI_FLETS,family,east,2009-02-30,,,",
        "applied_on",
        "does not exist",
    ),
    (
        "contracts",
        "C9,SN99999999,HIKARI_FLETS,family,east,2009-02-01,,,",
        "member_no",
        "unknown member",
    ),
    ("contracts", "C9,SN00000001,HIKARI_FLETS,family,north,2009-02-01,,,", "area", "area"),
    (
        "contracts",
        "C9,SN00000001,HIKARI_FLETS,family,east,2009-02-01,2009-03-01,,2009-02-15",
        "ended_on",
        "before started_on",
    ),
    (
        "contracts",
        "C9,SN00000001,HIKARI_FLETS,family,east,2009-02-01,2009-01-01,,",
        "started_on",
        "before applied_on",
    ),
    (
        "contracts",
        "C9,SN00000001,HIKARI_FLETS,family,east,2009-02-01,,2009-01-01,",
        "cancel_requested_on",
        "before applied_on",
    ),
    (
        "contracts",
        "C9,SN00000001,HIKARI_FLETS,family,east,2009-02-01,,,2009-01-31",
        "ended_on",
        "before applied_on",
    ),
    ("contracts", "C9,SN00000001,HIKARI_FLETS,family", "-", "expected 9 fields"),
    ("billing", "C000000001,200913,base_fee,100", "period", "month outside"),
    ("billing", "C000000001,2009-01,base_fee,12.5", "amount_yen", "not an amount"),
    ("billing", "C000000001,2009-01,base_fee,abc", "amount_yen", "not an amount"),
    ("billing", "C999,2009-01,base_fee,100", "contract_no", "unknown contract"),
    ("billing", "C000000001,2009-01,,100", "item", "required"),
    ("members", "SN9,x,カナ,,,,,,frozen,,", "status", "not a status"),
    ("members", "SN9,x,カナ,,,,,,active,2001-01-01,2002-01-01", "withdrawn_on", "active member"),
    (
        "members",
        "SN9,x,カナ,,,,,,withdrawn,2003-01-01,2002-01-01",
        "withdrawn_on",
        "before joined_on",
    ),
    ("members", "SN9,x,カナ,,,,1234,,active,,", "postal_code", "postal code"),
    (
        "tariffs",
        "HIKARI_FLETS,family,east,2005-04-01,2005-03-01,100",
        "valid_to",
        "before valid_from",
    ),
]
HEADERS = {
    "contracts": CONTRACTS_HEADER,
    "billing": "contract_no,period,item,amount_yen\n",
    "members": MEMBERS_HEADER,
    "tariffs": "course,plan,area,valid_from,valid_to,monthly_fee_yen\n",
}
GOOD_ROW = {
    "contracts": "C8,SN00000002,HIKARI_FLETS,family,east,2009-02-01,,,",
    "billing": "C000000002,2001-01,base_fee,100",
    "members": "SN8,x,カナ,,,,,,active,,",
    "tariffs": "X,family,east,2005-04-01,,100",
}


@pytest.mark.parametrize(("kind", "row", "column", "reason"), BAD_ROWS)
def test_bad_row_rejects_the_file_and_names_line_column_reason(
    tmp_path, sample_contracts, kind, row, column, reason
):
    before = (
        Member.objects.count(),
        Contract.objects.count(),
        BillingLine.objects.count(),
        Tariff.objects.count(),
    )
    path = write(tmp_path, "bad.csv", HEADERS[kind] + GOOD_ROW[kind] + "\n" + row + "\n")
    code, out, err = run_import(kind, path)
    assert code == 1
    assert f"bad.csv:3: {column}: " in err and reason in err, err
    assert out.strip().splitlines()[-1] == "created=0 updated=0 unchanged=0 rejected=1"
    after = (
        Member.objects.count(),
        Contract.objects.count(),
        BillingLine.objects.count(),
        Tariff.objects.count(),
    )
    assert before == after


def test_partial_imports_the_good_rows_and_exits_3(tmp_path, sample_contracts):
    path = write(
        tmp_path,
        "b.csv",
        "contract_no,period,item,amount_yen\nC000000001,2001-01,base_fee,100\n"
        "C000000001,2001-02,base_fee,x\n",
    )
    code, out, err = run_import("billing", path, "--partial")
    assert code == 3
    assert out.strip().endswith("created=1 updated=0 unchanged=0 rejected=1")
    assert "b.csv:3: amount_yen:" in err
    assert ImportBatch.objects.latest("id").status == ImportStatus.PARTIAL


def test_duplicate_key_names_the_first_line(tmp_path, sample_contracts):
    path = write(
        tmp_path,
        "b.csv",
        "contract_no,period,item,amount_yen\nC000000001,2001-01,base_fee,100\n"
        "C000000002,2001-01,base_fee,100\nC000000001,200101,base_fee,200\n",
    )
    code, out, err = run_import("billing", path)
    assert code == 1
    assert "b.csv:4: -: duplicate key: same as line 2" in err


def test_cp932_bytes_that_do_not_decode_are_rejected_with_their_line(tmp_path):
    body = (MEMBERS_HEADER + "SN1,佐藤,サトウ,,,,,,active,,\n").encode("cp932")
    body += b"SN2,\x85\x40,\x82\xa0,,,,,,active,,\n"  # 0x8540 is unassigned in CP932
    path = tmp_path / "m.csv"
    path.write_bytes(body)
    code, out, err = run_import("members", path)
    assert code == 1
    assert "m.csv:3: -: bytes that do not decode as cp932" in err
    assert Member.objects.count() == 0


def test_multiline_quoted_field_reports_the_line_where_the_record_starts(tmp_path):
    path = write(
        tmp_path,
        "m.csv",
        MEMBERS_HEADER + 'SN1,佐藤,サトウ,,,,,"東京都\n千代田区",active,,\n'
        "SN2,鈴木,スズキ,1999-02-30,,,,,active,,\n",
    )
    code, out, err = run_import("members", path)
    assert "m.csv:4: birth_date:" in err


def test_reimport_updates_changed_rows_and_leaves_absent_columns_alone(tmp_path, sample_contracts):
    member = Member.objects.get(member_no="SN00000004")
    path = write(
        tmp_path,
        "m.csv",
        "member_no,name,name_kana,status\nSN00000004,新しい名前,アタラシイ,active\n",
    )
    code, out, err = run_import("members", path)
    assert out.strip().endswith("created=0 updated=1 unchanged=0 rejected=0")
    member.refresh_from_db()
    assert member.name == "新しい名前"
    assert member.phone  # a column absent from the file keeps its stored value
    path = write(
        tmp_path,
        "m2.csv",
        "member_no,name,name_kana,status,phone\nSN00000004,新しい名前,アタラシイ,active,\n",
    )
    run_import("members", path)
    member.refresh_from_db()
    assert member.phone == "" and member.phone_digits == ""


def test_cross_check_uses_the_stored_value_of_an_absent_column(tmp_path, sample_contracts):
    contract = Contract.objects.get(contract_no="C000000001")
    path = write(
        tmp_path,
        "c.csv",
        "contract_no,member_no,course,plan,area,applied_on,ended_on\n"
        f"C000000001,SN00000001,HIKARI_FLETS,mansion,west,{contract.applied_on},"
        f"{contract.started_on.replace(day=1) if contract.started_on.day > 1 else '2000-01-01'}\n",
    )
    code, out, err = run_import("contracts", path)
    assert code == 1 and "ended_on" in err


def test_a_bad_row_at_the_end_of_a_large_file_imports_nothing(tmp_path, sample_contracts):
    rows = [
        f"C{(i % 400) + 1:09d},{1990 + i // 4800}-{(i // 400) % 12 + 1:02d},bulk,{i}\n"
        for i in range(200_000)
    ]
    rows.append("C000000001,1989-01,bulk,oops\n")
    path = write(tmp_path, "big.csv", "contract_no,period,item,amount_yen\n" + "".join(rows))
    before = BillingLine.objects.count()
    code, out, err = run_import("billing", path)
    assert code == 1
    assert err.strip().endswith("big.csv:200002: amount_yen: “oops” is not an amount in whole yen")
    assert len(err.strip().splitlines()) == 1
    assert BillingLine.objects.count() == before


def test_messages_are_japanese_by_default(tmp_path):
    path = write(tmp_path, "bad.csv", "")
    with translation.override("ja"):
        code, out, err = run_import("members", path)
    assert code == 1 and "bad.csv:1: -: ファイルが空です" in err


def test_second_import_of_the_same_kind_is_refused_while_one_is_open(tmp_path, sample_contracts):
    ImportBatch.objects.create(kind="billing", file_name="x.csv", status=ImportStatus.RUNNING)
    path = write(tmp_path, "b.csv", "contract_no,period,item,amount_yen\nC000000001,2001-01,x,1\n")
    code, out, err = run_import("billing", path)
    assert code == 1 and "another billing import is queued or running" in err


@pytest.mark.parametrize("quoted", [False, True], ids=["plain", "quoted"])
def test_a_field_over_one_mebibyte_is_refused_with_its_line_and_column(tmp_path, quoted):
    huge = "x" * (1 << 20 | 1)
    cell = f'"{huge}"' if quoted else huge
    path = write(
        tmp_path,
        "m.csv",
        MEMBERS_HEADER + "SN1,佐藤,サトウ,,,,,,active,,\n" + f"SN2,{cell},スズキ,,,,,,active,,\n",
    )
    code, out, err = run_import("members", path)
    assert code == 1 and "Traceback" not in err
    # Read by the csv reader, the field stops it (its line); split as text, its column is named.
    why = err.split("m.csv:3:")[1]
    assert "1,048,576" in why if quoted else why.startswith(" name: longer than 200")
    assert Member.objects.count() == 0


def test_a_file_of_bad_rows_is_refused_after_the_error_limit_without_reading_on(tmp_path, settings):
    settings.IMPORT_MAX_ERRORS = 50
    bad = "".join(f"SN{n},佐藤,サトウ,1999-02-30,,,,,active,,\n" for n in range(20_000))
    path = write(tmp_path, "m.csv", MEMBERS_HEADER + bad)
    code, out, err = run_import("members", path)
    assert code == 1 and Member.objects.count() == 0
    batch = ImportBatch.objects.get()
    assert batch.status == ImportStatus.REJECTED and batch.row_errors.count() == 50
    assert 50 <= batch.rejected < 20_000 and batch.rows_total < 20_000  # it stopped reading
    assert "stopped_after_line=" in out and len(err.strip().splitlines()) == 50


def test_a_partial_import_counts_every_rejected_row_and_keeps_the_first(tmp_path, settings):
    settings.IMPORT_MAX_ERRORS = 50
    rows = "".join(
        f"SN{n},佐藤,サトウ,{'1999-02-30' if n % 2 else '1999-02-01'},,,,,active,,\n"
        for n in range(2_000)
    )
    path = write(tmp_path, "m.csv", MEMBERS_HEADER + rows)
    code, out, err = run_import("members", path, "--partial")
    assert Member.objects.count() == 1_000
    batch = ImportBatch.objects.get()
    assert batch.status == ImportStatus.PARTIAL and batch.rejected == 1_000
    assert batch.row_errors.count() == 50 and "1,000" in batch.message
