"""The Zengin 総合振込 file: writer, parser and field conversions.

No database: the module is pure Python. Byte positions below are written out from the layout
(1-based, inclusive) rather than taken from ``refunds.zengin``, so that a shifted field fails.
"""

import datetime

import pytest

from refunds import zengin
from refunds.zengin import (
    Consignor,
    ParsedFile,
    Transfer,
    iter_records,
    iter_transfer_file,
    kana_field,
    numeric_field,
    parse_transfer_file,
    write_transfer_file,
)

DATE = datetime.date(2026, 4, 15)
RECORD = 120

CONSIGNOR = Consignor(
    code="0123456789",
    name_kana="カ）リフアンドデスク",
    bank_code="0005",
    bank_kana="ミツビシユ－エフジエイ",
    branch_code="001",
    branch_kana="ホンテン",
    account_type="1",
    account_number="1234567",
)
LONG_NAME = "ＡＢＣ　ホールディングス　インターナショナル　リミテッド"  # 38 bytes in Zengin form
TRANSFERS = [
    Transfer(
        bank_code="0009",
        bank_kana="ミツイスミトモ",
        branch_code="010",
        branch_kana="トウキヨウ",
        account_type="1",
        account_number="0000123",
        holder_kana="ヤマダ　タロウ",
        amount_yen=12_345,
        customer_code1="C000000001",
        customer_code2="REF-1",
    ),
    Transfer(
        bank_code="0001",
        bank_kana="ミズホ",
        branch_code="100",
        branch_kana="ギンザ",
        account_type="2",
        account_number="7654321",
        holder_kana=LONG_NAME,
        amount_yen=9_999_999_999,
    ),
    Transfer(
        bank_code="9900",
        bank_kana="ユウチヨ",
        branch_code="019",
        branch_kana="ゼロイチキユウ",
        account_type="4",
        account_number="1000001",
        holder_kana="ｶﾞｸｾｲ ｼﾞﾛｳ",
        amount_yen=1,
    ),
]
TOTAL = 12_345 + 9_999_999_999 + 1


def build(line_ending: str = "crlf", transfers: list[Transfer] = TRANSFERS, **kwargs) -> bytes:
    return write_transfer_file(
        consignor=CONSIGNOR,
        transfer_date=DATE,
        transfers=transfers,
        line_ending=line_ending,
        **kwargs,
    )


def field(record: bytes, first: int, last: int) -> bytes:
    """Bytes ``first`` to ``last`` of a record, 1-based and inclusive as in the layout."""
    return record[first - 1 : last]


@pytest.fixture(scope="module")
def crlf_file() -> bytes:
    return build("crlf")


@pytest.fixture(scope="module")
def records(crlf_file) -> list[bytes]:
    return list(iter_records(crlf_file))


# --- Record framing ----------------------------------------------------------------------------


def test_crlf_layout_has_a_crlf_after_every_120_byte_record(crlf_file):
    assert len(crlf_file) == 6 * (RECORD + 2)
    for index in range(6):
        chunk = crlf_file[index * 122 : (index + 1) * 122]
        assert chunk.endswith(b"\r\n")
        assert b"\r" not in chunk[:RECORD] and b"\n" not in chunk[:RECORD]


def test_no_separator_layout_is_the_records_back_to_back(crlf_file):
    plain = build("none")
    assert len(plain) == 6 * RECORD
    assert b"\r" not in plain and b"\n" not in plain
    assert plain == crlf_file.replace(b"\r\n", b"")


def test_every_record_is_120_single_byte_cp932_characters(records):
    assert [rec[0:1] for rec in records] == [b"1", b"2", b"2", b"2", b"8", b"9"]
    for rec in records:
        assert len(rec) == RECORD
        assert len(rec.decode("cp932")) == RECORD


def test_both_layouts_parse_to_the_same_values(crlf_file):
    parsed_crlf = parse_transfer_file(crlf_file)
    parsed_plain = parse_transfer_file(build("none"))
    assert parsed_crlf == parsed_plain
    assert parsed_crlf.end is True
    assert len(parsed_crlf.records) == 3


def test_a_missing_crlf_after_the_last_record_is_accepted(crlf_file):
    assert parse_transfer_file(crlf_file[:-2]) == parse_transfer_file(crlf_file)


# --- Field positions ---------------------------------------------------------------------------


def test_header_fields_sit_at_their_positions(records):
    header = records[0]
    assert field(header, 1, 1) == b"1"
    assert field(header, 2, 3) == b"21"
    assert field(header, 4, 4) == b"0"
    assert field(header, 5, 14) == b"0123456789"
    assert field(header, 15, 54) == "ｶ)ﾘﾌｱﾝﾄﾞﾃﾞｽｸ".encode("cp932").ljust(40)
    assert field(header, 55, 58) == b"0415"
    assert field(header, 59, 62) == b"0005"
    assert field(header, 63, 77) == "ﾐﾂﾋﾞｼﾕ-ｴﾌｼﾞｴｲ".encode("cp932").ljust(15)
    assert field(header, 78, 80) == b"001"
    assert field(header, 81, 95) == "ﾎﾝﾃﾝ".encode("cp932").ljust(15)
    assert field(header, 96, 96) == b"1"
    assert field(header, 97, 103) == b"1234567"
    assert field(header, 104, 120) == b" " * 17


def test_data_fields_sit_at_their_positions(records):
    first = records[1]
    assert field(first, 1, 1) == b"2"
    assert field(first, 2, 5) == b"0009"
    assert field(first, 6, 20) == "ﾐﾂｲｽﾐﾄﾓ".encode("cp932").ljust(15)
    assert field(first, 21, 23) == b"010"
    assert field(first, 24, 38) == "ﾄｳｷﾖｳ".encode("cp932").ljust(15)
    assert field(first, 39, 42) == b"    "
    assert field(first, 43, 43) == b"1"
    assert field(first, 44, 50) == b"0000123"
    assert field(first, 51, 80) == "ﾔﾏﾀﾞ ﾀﾛｳ".encode("cp932").ljust(30)
    assert field(first, 81, 90) == b"0000012345"
    assert field(first, 91, 91) == b"0"
    assert field(first, 92, 101) == b"C000000001"
    assert field(first, 102, 111) == b"REF-1     "
    assert field(first, 112, 112) == b"7"
    assert field(first, 113, 113) == b" "
    assert field(first, 114, 120) == b" " * 7

    second = records[2]
    assert field(second, 43, 43) == b"2"
    assert field(second, 81, 90) == b"9999999999"
    assert field(second, 92, 111) == b" " * 20

    third = records[3]
    assert field(third, 2, 5) == b"9900"
    assert field(third, 24, 38) == "ｾﾞﾛｲﾁｷﾕｳ".encode("cp932").ljust(15)
    assert field(third, 43, 43) == b"4"
    assert field(third, 81, 90) == b"0000000001"


def test_trailer_carries_count_and_total_and_end_record_is_blank(records):
    trailer, end = records[4], records[5]
    assert field(trailer, 1, 1) == b"8"
    assert field(trailer, 2, 7) == b"000003"
    assert field(trailer, 8, 19) == b"%012d" % TOTAL == b"010000012345"
    assert field(trailer, 20, 120) == b" " * 101
    assert end == b"9" + b" " * 119


def test_a_long_holder_name_is_cut_to_30_bytes(records):
    full = "ABC ﾎ-ﾙﾃﾞｨﾝｸﾞｽ ｲﾝﾀ-ﾅｼｮﾅﾙ ﾘﾐﾃｯﾄﾞ".translate(str.maketrans("ｨｮｯ", "ｲﾖﾂ"))
    assert len(full) > 30
    assert field(records[2], 51, 80) == full.encode("cp932")[:30]
    assert field(records[2], 81, 90) == b"9999999999"  # the amount is not pushed along


def test_a_voiced_kana_takes_two_bytes(records):
    name = field(records[3], 51, 80)
    assert name.startswith(b"\xb6\xde\xb8\xbe\xb2 \xbc\xde\xdb\xb3 ")  # ｶ ﾞ ｸ ｾ ｲ   ｼ ﾞ ﾛ ｳ
    assert name.rstrip(b" ") == "ｶﾞｸｾｲ ｼﾞﾛｳ".encode("cp932")
    assert len("ガクセイ ジロウ") == 8
    assert len(name.rstrip(b" ")) == 10  # ﾞ is a byte of its own, twice
    assert kana_field("ガ" * 16, 30) == "ｶﾞ".encode("cp932") * 15


def test_designation_is_a_parameter():
    records = list(iter_records(build(designation="8")))
    assert [field(rec, 112, 112) for rec in records[1:4]] == [b"8"] * 3
    with pytest.raises(ValueError, match="designation"):
        build(designation="9")


# --- Round trip --------------------------------------------------------------------------------


def test_write_then_parse_gives_the_values_back(crlf_file):
    parsed = parse_transfer_file(crlf_file)
    assert isinstance(parsed, ParsedFile)
    assert parsed.header == {
        "data_type": "1",
        "type_code": "21",
        "code_division": "0",
        "consignor_code": "0123456789",
        "consignor_kana": "ｶ)ﾘﾌｱﾝﾄﾞﾃﾞｽｸ",
        "transfer_date": "0415",
        "bank_code": "0005",
        "bank_kana": "ﾐﾂﾋﾞｼﾕ-ｴﾌｼﾞｴｲ",
        "branch_code": "001",
        "branch_kana": "ﾎﾝﾃﾝ",
        "account_type": "1",
        "account_number": "1234567",
    }
    for record, transfer in zip(parsed.records, TRANSFERS, strict=True):
        assert record["data_type"] == "2"
        for name in ("bank_code", "branch_code", "account_type", "account_number", "amount_yen"):
            assert record[name] == getattr(transfer, name)
        for name in ("bank_kana", "branch_kana", "customer_code1", "customer_code2"):
            assert record[name] == kana_field(getattr(transfer, name), 99).decode("cp932").rstrip()
        assert (
            record["holder_kana"] == kana_field(transfer.holder_kana, 30).decode("cp932").rstrip()
        )
        assert record["clearing_house"] == ""
        assert record["new_code"] == "0"
        assert record["designation"] == "7"
        assert record["identification"] == ""
    assert parsed.records[0]["holder_kana"] == "ﾔﾏﾀﾞ ﾀﾛｳ"
    assert parsed.records[2]["holder_kana"] == "ｶﾞｸｾｲ ｼﾞﾛｳ"
    assert parsed.trailer == {"data_type": "8", "count": 3, "total_yen": TOTAL}
    assert parsed.end is True


def test_an_empty_transfer_list_gives_a_count_of_zero():
    data = build(transfers=[])
    assert len(data) == 3 * 122
    parsed = parse_transfer_file(data)
    assert parsed.records == []
    assert parsed.trailer == {"data_type": "8", "count": 0, "total_yen": 0}


def test_the_file_can_be_streamed_record_by_record(crlf_file):
    chunks = list(
        iter_transfer_file(consignor=CONSIGNOR, transfer_date=DATE, transfers=iter(TRANSFERS))
    )
    assert len(chunks) == 6
    assert b"".join(chunks) == crlf_file


def test_100k_transfers_build():
    transfers = [
        Transfer(
            bank_code="0005",
            bank_kana="ミツビシユ－エフジエイ",
            branch_code=f"{i % 1000:03d}",
            branch_kana="ホンテン",
            account_type="1",
            account_number=f"{i:07d}",
            holder_kana=f"ヤマダ　タロウ{i % 97}",
            amount_yen=1 + i,
        )
        for i in range(100_000)
    ]
    data = build(transfers=transfers)
    assert len(data) == (100_000 + 3) * 122
    trailer = data[-244:-122]
    assert field(trailer, 2, 7) == b"100000"
    assert int(field(trailer, 8, 19)) == 100_000 * 100_001 // 2


# --- Fields ------------------------------------------------------------------------------------


def test_numeric_field_pads_and_refuses_what_does_not_fit():
    assert numeric_field(42, 6) == b"000042"
    assert numeric_field("0005", 4) == b"0005"
    assert numeric_field("5", 4) == b"0005"
    for value, width in [(12345, 4), ("12345", 4), (-1, 4), ("12a", 4), ("", 4), ("１２", 4)]:
        with pytest.raises(ValueError):
            numeric_field(value, width)
    with pytest.raises(ValueError):
        numeric_field(True, 1)


def test_kana_field_converts_folds_and_pads():
    assert kana_field("ﾔﾏﾀﾞ", 6) == "ﾔﾏﾀﾞ  ".encode("cp932")
    assert kana_field("ヤマダ　タロウ", 9) == "ﾔﾏﾀﾞ ﾀﾛｳ ".encode("cp932")
    assert kana_field("キッシャ", 5) == "ｷﾂｼﾔ ".encode("cp932")  # small kana folded
    assert kana_field("ｷｯｼｬ", 4) == "ｷﾂｼﾔ".encode("cp932")
    assert kana_field("スーパー", 5) == "ｽ-ﾊﾟ-".encode("cp932")
    assert kana_field("エー・ビー", 6) == "ｴ-.ﾋﾞ-".encode("cp932")
    assert kana_field("カ）ＡＢＣ", 6) == b"\xb6)ABC "
    assert kana_field("", 3) == b"   "


@pytest.mark.parametrize("text", ["山田　タロウ", "やまだ", "ﾔﾏﾀﾞ\r\n", "ヤマダ｢", "¥"])
def test_kana_field_refuses_characters_without_a_single_byte_form(text):
    with pytest.raises(ValueError, match="single-byte"):
        kana_field(text, 30)


def test_kana_field_names_the_offending_character():
    with pytest.raises(ValueError, match="'山'"):
        kana_field("山田　タロウ", 30)


def test_every_zengin_code_bank_and_branch_kana_is_single_byte():
    from zengin_code import Bank

    for bank in Bank.banks.values():
        for kana in [bank.kana, *(branch.kana for branch in bank.branches.values())]:
            assert len(kana_field(kana, 15)) == 15


# --- Refused input -----------------------------------------------------------------------------


def _transfer(**changes) -> Transfer:
    values = {
        "bank_code": "0005",
        "bank_kana": "ミツビシユ－エフジエイ",
        "branch_code": "001",
        "branch_kana": "ホンテン",
        "account_type": "1",
        "account_number": "1234567",
        "holder_kana": "ヤマダ　タロウ",
        "amount_yen": 1000,
    } | changes
    return Transfer(**values)


@pytest.mark.parametrize("amount", [0, -5, 10_000_000_000, 12_345_678_901])
def test_an_amount_of_zero_or_more_than_10_digits_is_refused(amount):
    with pytest.raises(ValueError, match="amount"):
        _transfer(amount_yen=amount)


@pytest.mark.parametrize(
    "changes",
    [
        {"bank_code": "005"},
        {"branch_code": "01a"},
        {"account_number": "123456"},
        {"account_type": "3"},
        {"holder_kana": "  "},
        {"amount_yen": 10.0},
    ],
)
def test_bad_codes_are_refused(changes):
    with pytest.raises(ValueError):
        _transfer(**changes)


def test_a_kanji_holder_name_is_refused_when_writing():
    transfers = [_transfer(), _transfer(holder_kana="山田　太郎")]
    with pytest.raises(ValueError, match=r"transfer 2 \(record 3\): .*'山' \(U\+5C71\)"):
        build(transfers=transfers)


def test_a_consignor_name_without_a_single_byte_form_is_refused():
    consignor = Consignor(**(vars(CONSIGNOR) | {"name_kana": "株式会社リファンド"}))
    with pytest.raises(ValueError, match=r"header \(record 1\): .*'株'"):
        write_transfer_file(consignor=consignor, transfer_date=DATE, transfers=TRANSFERS)


def test_a_total_of_more_than_12_digits_is_refused():
    transfers = [_transfer(amount_yen=9_999_999_999)] * 101
    with pytest.raises(ValueError, match="12 digits"):
        build(transfers=transfers)


def test_more_than_the_6_digit_count_is_refused(monkeypatch):
    monkeypatch.setattr(zengin, "MAX_COUNT", 2)
    with pytest.raises(ValueError, match="6 digits"):
        build()


def test_an_unknown_line_ending_is_refused():
    with pytest.raises(ValueError, match="line_ending"):
        build("lf")


# --- Refused files -----------------------------------------------------------------------------


def test_a_wrong_length_record_is_reported_with_its_number(crlf_file):
    short = crlf_file[: 2 * 122 + 50] + crlf_file[2 * 122 + 51 :]  # record 3 loses a byte
    with pytest.raises(ValueError, match="record 3: 119 bytes"):
        parse_transfer_file(short)
    with pytest.raises(ValueError, match="record 3"):
        list(iter_records(short))

    plain = build("none")
    with pytest.raises(ValueError, match="record 6: 119 bytes"):
        parse_transfer_file(plain[:-1])


def test_a_wrong_length_first_record_in_a_crlf_file(crlf_file):
    with pytest.raises(ValueError, match="record 1: 121 bytes"):
        parse_transfer_file(b" " + crlf_file)


def test_a_trailer_with_a_wrong_total_is_refused(crlf_file):
    at = 4 * 122 + 18  # the last digit of the trailer's total (byte 19)
    assert crlf_file[at : at + 1] == b"5"
    tampered = crlf_file[:at] + b"6" + crlf_file[at + 1 :]
    with pytest.raises(ValueError, match="record 5: the trailer's total is 10000012346"):
        parse_transfer_file(tampered)


def test_a_trailer_with_a_wrong_count_is_refused(crlf_file):
    at = 4 * 122 + 6  # the last digit of the trailer's count (byte 7)
    tampered = crlf_file[:at] + b"4" + crlf_file[at + 1 :]
    with pytest.raises(ValueError, match="count is 4"):
        parse_transfer_file(tampered)


def test_an_amount_that_is_not_digits_is_refused(crlf_file):
    at = 122 + 85
    tampered = crlf_file[:at] + b"X" + crlf_file[at + 1 :]
    with pytest.raises(ValueError, match=r"record 2: amount_yen \(bytes 81-90\)"):
        parse_transfer_file(tampered)


@pytest.mark.parametrize(
    ("order", "message"),
    [
        ([], "empty file"),
        ([0, 1, 2, 3, 4], "without an end record"),
        ([0, 1, 2, 3], "without a trailer"),
        ([2, 0, 4, 5], "record 1: expected a header"),
        ([0, 1, 0, 4, 5], "record 3: expected a data record"),
        ([0, 1, 2, 3, 4, 4, 5], "record 6: expected the end record"),
        ([0, 1, 2, 3, 4, 5, 5], "record 7: an end record after the end record"),
    ],
)
def test_records_out_of_order_are_refused(records, order, message):
    data = b"".join(records[i] + b"\r\n" for i in order)
    with pytest.raises(ValueError, match=message):
        parse_transfer_file(data)


def test_multi_byte_characters_are_refused(records):
    header = records[0][:14] + "山".encode("cp932") + records[0][16:]
    data = b"".join(rec + b"\r\n" for rec in [header, *records[1:]])
    with pytest.raises(ValueError, match="record 1: holds multi-byte characters"):
        parse_transfer_file(data)


def test_a_result_file_gives_each_data_record_its_code_and_number():
    records = build().split(b"\r\n")
    codes = iter(b"029")
    returned = [r[:112] + bytes([next(codes)]) + r[113:] if r[:1] == b"2" else r for r in records]
    parsed = zengin.parse_result_file(b"\r\n".join(returned))
    assert [(r["record"], r["result_code"]) for r in parsed.records] == [
        (2, "0"),
        (3, "2"),
        (4, "9"),
    ]
    # The request itself: the result byte is the blank 識別表示.
    assert {r["result_code"] for r in zengin.parse_result_file(build()).records} == {" "}
    at_112 = zengin.parse_result_file(build(), code_byte=112).records
    assert {r["result_code"] for r in at_112} == {"7"}
    with pytest.raises(ValueError, match="92 to 120"):
        zengin.parse_result_file(build(), code_byte=81)
