"""The two ways a file goes in (straight into its table, or through the staging table) and the
two ways a batch is read (column by column, or row by row) give the same rows and the same
errors, each naming file, line, column and reason."""

import gc
import io
from pathlib import Path

import pytest
from django.core.management import call_command

from refunds.imports import direct
from refunds.imports.engine import run_import
from refunds.imports.schema import SPECS
from refunds.models import BillingLine, Member

pytestmark = pytest.mark.django_db

BILLING_HEADER = "contract_no,period,item,amount_yen\n"


@pytest.fixture
def paths(monkeypatch) -> list[bool]:
    """Whether each direct write went through (True) or handed over to the staging table.

    The files here are small next to the sample's contracts: the direct write is allowed to
    read them whole anyway.
    """
    monkeypatch.setattr(direct, "REFERENCES_PER_LINE", 1000)
    taken: list[bool] = []
    run = direct.DirectWrite.run

    def spy(self, rows):
        taken.append(run(self, rows))
        return taken[-1]

    monkeypatch.setattr(direct.DirectWrite, "run", spy)
    return taken


@pytest.fixture
def contracts(data_dir):
    for kind in ("members", "contracts"):
        call_command("import_csv", kind, str(data_dir / f"{kind}.csv"), stdout=io.StringIO())


def import_file(tmp_path: Path, text: str, *args: str, encoding: str = "utf-8", kind="billing"):
    path = tmp_path / "b.csv"
    path.write_bytes(text.encode(encoding))
    out, err = io.StringIO(), io.StringIO()
    code = 0
    try:
        call_command("import_csv", kind, str(path), *args, stdout=out, stderr=err)
    except SystemExit as exc:
        code = int(exc.code or 0)
    return code, out.getvalue().strip().splitlines()[-1], err.getvalue().replace(f"{tmp_path}/", "")


def stored() -> list[tuple[str, str, str, int]]:
    return sorted(
        (c, str(p), i, a)
        for c, p, i, a in BillingLine.objects.values_list(
            "contract__contract_no", "period", "item", "amount_yen"
        )
    )


def test_a_new_cp932_file_goes_straight_in_normalised(tmp_path, contracts, paths):
    text = BILLING_HEADER + (
        'C000000001,２００１０１,base_fee,"３,４０２"\n'
        "C000000001,2001/02,base_fee,－500\n"
        "C000000002, 2001-03 ,option,△20\n"
    )
    code, summary, err = import_file(tmp_path, text, encoding="cp932")
    assert (code, summary, err) == (0, "created=3 updated=0 unchanged=0 rejected=0", "")
    assert paths == [True]
    assert gc.isenabled()  # switched off while the rows are read, and back on
    assert stored() == [
        ("C000000001", "2001-01-01", "base_fee", 3402),
        ("C000000001", "2001-02-01", "base_fee", -500),
        ("C000000002", "2001-03-01", "option", -20),
    ]


@pytest.mark.parametrize(
    ("rows", "error"),
    [
        (
            "C000000001,2001-01,base_fee,1\nC000000002,2001-01,base_fee,2\n"
            "C000000001,200101,base_fee,3\n",
            "b.csv:4: -: duplicate key: same as line 2",
        ),
        (
            "C000000001,2001-01,base_fee,1\nC999,2001-01,base_fee,2\n",
            "b.csv:3: contract_no: C999: unknown contract (import contracts first)",
        ),
    ],
    ids=["duplicate", "unknown-reference"],
)
def test_what_the_table_cannot_take_is_worded_by_the_staging_path(
    tmp_path, contracts, paths, rows, error
):
    code, summary, err = import_file(tmp_path, BILLING_HEADER + rows)
    assert code == 1 and paths == [False]
    assert err.strip() == error
    assert summary.endswith("rejected=1")
    assert BillingLine.objects.count() == 0


def test_a_bad_cell_in_the_direct_path_names_line_column_reason_and_keeps_nothing(
    tmp_path, contracts, paths, settings
):
    settings.IMPORT_CHUNK_ROWS = 2  # the bad row's batch is read row by row, the others not
    rows = "".join(f"C000000001,2001-{m:02d},base_fee,{m}\n" for m in range(1, 7))
    rows += "C000000001,2002-01,base_fee,12.5\nC000000001,2002-02,base_fee,1\n"
    code, summary, err = import_file(tmp_path, BILLING_HEADER + rows)
    assert code == 1 and paths == [True]
    assert err.strip() == "b.csv:8: amount_yen: “12.5” is not an amount in whole yen"
    assert summary == "created=0 updated=0 unchanged=0 rejected=1"
    assert BillingLine.objects.count() == 0
    code, summary, err = import_file(tmp_path, BILLING_HEADER + rows, "--partial")
    assert code == 3 and summary == "created=7 updated=0 unchanged=0 rejected=1"
    assert BillingLine.objects.count() == 7


def test_a_file_whose_later_rows_are_stored_goes_through_the_staging_table(
    tmp_path, contracts, paths, settings
):
    settings.IMPORT_CHUNK_ROWS = 3
    old = "".join(f"C000000003,2003-{m:02d},base_fee,{m}\n" for m in range(1, 13))
    assert import_file(tmp_path, BILLING_HEADER + old)[0] == 0
    new = "".join(f"C000000004,2003-{m:02d},base_fee,{m}\n" for m in range(1, 13))
    changed = old.replace(",5\n", ",500\n")
    code, summary, err = import_file(tmp_path, BILLING_HEADER + new + changed)
    assert code == 0, err
    assert summary == "created=12 updated=1 unchanged=11 rejected=0"
    assert paths == [True, False]
    assert BillingLine.objects.get(contract__contract_no="C000000003", amount_yen=500)


@pytest.mark.parametrize("limit", ["MAX_REFERENCES", "REFERENCES_PER_LINE"])
def test_references_too_many_to_read_whole_go_through_the_staging_table(
    tmp_path, contracts, paths, monkeypatch, limit
):
    monkeypatch.setattr(direct, limit, 10 if limit == "MAX_REFERENCES" else 1)
    code, summary, err = import_file(tmp_path, BILLING_HEADER + "C000000001,2001-01,x,1\n")
    assert (code, summary) == (0, "created=1 updated=0 unchanged=0 rejected=0")
    assert paths == [False]


def test_kinds_with_cross_field_checks_always_use_the_staging_table(tmp_path, paths):
    text = "member_no,name,name_kana,status\nSN1,佐藤,ｻﾄｳ,active\n"
    code, summary, err = import_file(tmp_path, text, kind="members")
    assert (code, summary) == (0, "created=1 updated=0 unchanged=0 rejected=0")
    assert paths == []
    assert Member.objects.get().name_kana == "サトウ"


MEMBERS = (
    "member_no,name,name_kana,birth_date,phone,status,withdrawn_on\n"
    "SN1,ｻﾄｳ 花子,さとう  はなこ,1970/1/2,(03) 1234-5678,有効,\n"
    "SN2, 鈴木 ,スズキ,,０３－１１１１－２２２２,active,\n"
    "SN3,田中,タナカ,1999-02-30,,active,\n"
    "\n"
    "SN4,高橋,タカハシ,,,退会,2009-01-01\n"
    'SN5,"伊藤\n二行",イトウ,,,active,\n'
    "SN6,渡辺,ワタナベ,,,frozen,\n"
    "SN7,山本,ヤマモト,,,active\n"
    "SN8,中村,ナカムラ,2001-12-31,,withdrawn,2010-01-01\n"
)


def _members_read_with(settings, size: int) -> tuple[list[tuple], list[str]]:
    settings.IMPORT_CHUNK_ROWS = size
    outcome = run_import(
        spec=SPECS["members"],
        fh=io.BytesIO(MEMBERS.encode("utf-8")),
        file_name="m.csv",
        partial=True,
    )
    rows = list(
        Member.objects.order_by("member_no").values_list(
            "member_no", "name", "name_kana", "name_key", "kana_key", "birth_date",
            "phone", "phone_digits", "phone_rev", "status", "withdrawn_on",
        )
    )  # fmt: skip
    Member.objects.all().delete()
    return rows, [e.format("m.csv") for e in outcome.errors]


def test_column_by_column_and_row_by_row_give_the_same_rows_and_errors(settings):
    results = {size: _members_read_with(settings, size) for size in (1, 2, 3, 1000)}
    assert len({repr(r) for r in results.values()}) == 1, results
    rows, errors = results[1]
    assert [r[0] for r in rows] == ["SN1", "SN2", "SN4", "SN5", "SN8"]
    assert rows[0][1:3] == ("サトウ 花子", "サトウ\u3000ハナコ")
    assert rows[1][1] == "鈴木" and rows[1][7] == "0311112222"
    assert rows[3][1] == "伊藤\n二行"
    assert errors == [
        "m.csv:4: birth_date: 1999-02-30 is a date that does not exist",
        "m.csv:9: status: “frozen” is not a status (active/有効 or withdrawn/退会)",
        "m.csv:10: -: expected 7 fields, found 6",
    ]
