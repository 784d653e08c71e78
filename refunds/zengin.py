"""The Zengin 総合振込 (bulk transfer) file: a writer and a parser, in plain Python.

A file is a sequence of 120-byte records: one header (データ区分 1), the data records (2), one
trailer (8) and one end record (9). Every character is a single CP932 byte, i.e. JIS X 0201:
half-width katakana (ﾞ and ﾟ are characters of their own), A-Z, 0-9, space and a few symbols.
Records are followed by CRLF or by nothing at all, as the bank asks (``line_ending``).
N = digits, right-justified, zero-padded; C = characters, left-justified, space-padded.

Header (1)                  Data (2)                                   Trailer (8)
1       データ区分 N1 "1"   1       データ区分 N1 "2"                  1      データ区分 N1 "8"
2-3     種別コード N2 "21"  2-5     被仕向銀行番号 N4                  2-7    合計件数 N6
4       コード区分 N1 "0"   6-20    被仕向銀行名 C15                   8-19   合計金額 N12
5-14    委託者コード N10    21-23   被仕向支店番号 N3                  20-120 ダミー C101
15-54   委託者名 C40        24-38   被仕向支店名 C15
55-58   取組日 N4 (MMDD)    39-42   手形交換所番号 C4 (spaces)         End (9)
59-62   仕向銀行番号 N4     43      預金種目 N1                        1      データ区分 N1 "9"
63-77   仕向銀行名 C15      44-50   口座番号 N7                        2-120  ダミー C119
78-80   仕向支店番号 N3     51-80   受取人名 C30
81-95   仕向支店名 C15      81-90   振込金額 N10
96      預金種目 N1         91      新規コード N1 "0"
97-103  口座番号 N7         92-101  顧客コード1 C10
104-120 ダミー C17          102-111 顧客コード2 C10
                            112     振込指定区分 C1 (7 = telegraphic)
                            113     識別表示 C1 (space)
                            114-120 ダミー C7

Characters
    ``kana_field`` writes a C field. Text that is already half-width (printable ASCII and
    half-width katakana) is written as it is; any other text goes through
    ``refunds.payee.zengin_kana``, the conversion the holder names were validated with, which
    takes the canonical full-width holder names and the ``zengin_code`` bank and branch kana
    (all 30,090 of those are in its set: full-width katakana, Ａ-Ｚ, ０-９, －, ．, the
    ideographic space; the ``zengin_code`` *names* hold kanji, ・ and （ ）, but only the kana
    are written). Before either, small kana are folded to large ones (ｯ → ﾂ, ャ → ヤ), as banks
    record them, ヰ ヱ become イ エ, the prolonged-sound mark (ー or ｰ) becomes ``-``, as in the
    Zengin bank names, and the middle dot ・ (or ･, which banks refuse) becomes ``.``. Anything
    else that has no single-byte form (kanji, hiragana, ｢ ｣ ¥, control characters ...) is
    refused with a ``ValueError`` naming the characters: nothing is guessed or dropped. A text
    longer than its field is cut at the field's width in bytes, as banks do, which can separate
    a voiced mark from its kana.

Parsing
    ``parse_transfer_file`` decodes every field by position. C fields are strings without
    their trailing spaces. The amounts and counts (振込金額, 合計件数, 合計金額) are ints; the
    other N fields are codes (bank 0005, account 0123456, MMDD 0415) and are kept as strings of
    digits, leading zeros included, so that they compare equal to what was written. Dummy
    fields are not returned.
"""

import datetime
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import Final

from refunds.payee import zengin_kana

RECORD_LENGTH: Final = 120
CRLF: Final = b"\r\n"
TYPE_CODE: Final = "21"  # 種別コード: 総合振込
CODE_DIVISION: Final = "0"  # コード区分: SJIS (JIS X 0201)
ACCOUNT_TYPES: Final = frozenset({"1", "2", "4"})  # 普通, 当座, 貯蓄
DESIGNATIONS: Final = frozenset({"7", "8"})  # 振込指定区分: テレ振込, 文書振込
MAX_AMOUNT: Final = 9_999_999_999  # 振込金額 N10
MAX_COUNT: Final = 999_999  # 合計件数 N6
MAX_TOTAL: Final = 999_999_999_999  # 合計金額 N12

# The bank's result file (振込結果): the request's records, each data record with a one-digit
# 振込結果コード. 0 is paid; every other code is a transfer the bank could not make, for the
# reason the code names (the receiving bank's 不能事由; their meanings are
# ``refunds.models.TransferResult``).
RESULT_CODE_BYTE: Final = 113
RESULT_PAID: Final = "0"


# --- Fields ------------------------------------------------------------------------------------

# Applied before anything else: small kana (full and half width), ヰ ヱ, the prolonged-sound mark
# and the middle dot (see the module docstring).
_FOLD = str.maketrans(
    dict(zip("ァィゥェォッャュョヮヵヶヰヱ", "アイウエオツヤユヨワカケイエ", strict=True))
    | dict(zip("ｧｨｩｪｫｯｬｭｮ", "ｱｲｳｴｵﾂﾔﾕﾖ", strict=True))
    | {"ー": "-", "ｰ": "-", "・": ".", "･": "."}
)


_HALF_WIDTH = re.compile("[ -~\uff61-\uff9f]*")  # printable ASCII and half-width katakana


def _describe(ch: str) -> str:
    return f"{ch!r} (U+{ord(ch):04X})"


def _single_byte(text: str) -> bytes:
    """``text`` as JIS X 0201 bytes (see the module docstring), or ``ValueError``."""
    if text.isascii() and text.isprintable():
        return text.encode("ascii")
    folded = text.translate(_FOLD)
    if not _HALF_WIDTH.fullmatch(folded):
        try:
            folded = zengin_kana(folded)
        except ValueError:
            bad: list[str] = []
            for ch in folded:
                if ch in bad or _HALF_WIDTH.fullmatch(ch):
                    continue
                try:
                    zengin_kana(ch)
                except ValueError:
                    bad.append(ch)
            names = ", ".join(_describe(ch) for ch in bad) or "?"
            raise ValueError(f"{text!r}: no single-byte (JIS X 0201) form for {names}") from None
    data = folded.encode("cp932")
    if len(data) != len(folded):  # pragma: no cover - guaranteed by the two paths above
        raise ValueError(f"{text!r}: not single-byte in CP932")
    return data


_cached_single_byte = lru_cache(maxsize=4096)(_single_byte)


def kana_field(text: str, width: int) -> bytes:
    """A C field: ``text`` in single-byte form, cut to ``width`` bytes, padded with spaces.

    Raises ``ValueError`` naming the characters that have no single-byte form.
    """
    return _cached_single_byte(text)[:width].ljust(width, b" ")


def numeric_field(value: int | str, width: int) -> bytes:
    """An N field: the digits of ``value`` right-justified and zero-padded to ``width``.

    ``value`` is a non-negative int or a string of ASCII digits; ``ValueError`` otherwise or
    when it has more than ``width`` digits.
    """
    if isinstance(value, bool):
        raise ValueError(f"not a number: {value!r}")
    if isinstance(value, int):
        if value < 0:
            raise ValueError(f"negative number: {value}")
        digits = str(value)
    elif isinstance(value, str) and value.isascii() and value.isdigit():
        digits = value
    else:
        raise ValueError(f"not digits: {value!r}")
    if len(digits) > width:
        raise ValueError(f"{digits} does not fit in {width} digits")
    return digits.zfill(width).encode("ascii")


def _check_digits(label: str, value: str, length: int) -> None:
    if not (isinstance(value, str) and len(value) == length and value.isascii()):
        raise ValueError(f"{label} must be {length} digits: {value!r}")
    if not value.isdigit():
        raise ValueError(f"{label} must be {length} digits: {value!r}")


def _check_account_type(value: str) -> None:
    if value not in ACCOUNT_TYPES:
        raise ValueError(f"account type must be one of 1, 2, 4: {value!r}")


# --- Input -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Consignor:
    """The company that pays (委託者) and the account the money leaves from."""

    code: str  # 委託者コード, 10 digits, given by the bank
    name_kana: str
    bank_code: str
    bank_kana: str
    branch_code: str
    branch_kana: str
    account_type: str  # "1" 普通, "2" 当座, "4" 貯蓄
    account_number: str

    def __post_init__(self) -> None:
        _check_digits("consignor code", self.code, 10)
        _check_digits("bank code", self.bank_code, 4)
        _check_digits("branch code", self.branch_code, 3)
        _check_account_type(self.account_type)
        _check_digits("account number", self.account_number, 7)


@dataclass(frozen=True)
class Transfer:
    """One payment: the payee's account, name and the amount in yen."""

    bank_code: str
    bank_kana: str
    branch_code: str
    branch_kana: str
    account_type: str
    account_number: str
    holder_kana: str
    amount_yen: int
    customer_code1: str = ""
    customer_code2: str = ""

    def __post_init__(self) -> None:
        _check_digits("bank code", self.bank_code, 4)
        _check_digits("branch code", self.branch_code, 3)
        _check_account_type(self.account_type)
        _check_digits("account number", self.account_number, 7)
        if not self.holder_kana.strip():
            raise ValueError("the holder name is empty")
        amount = self.amount_yen
        if isinstance(amount, bool) or not isinstance(amount, int):
            raise ValueError(f"amount must be an int: {amount!r}")
        if not 0 < amount <= MAX_AMOUNT:
            raise ValueError(f"amount must be 1 to {MAX_AMOUNT:,} yen (10 digits): {amount:,}")


# --- Writing -----------------------------------------------------------------------------------


def _header(consignor: Consignor, transfer_date: datetime.date) -> bytes:
    return b"".join(
        (
            b"1",
            TYPE_CODE.encode(),
            CODE_DIVISION.encode(),
            numeric_field(consignor.code, 10),
            kana_field(consignor.name_kana, 40),
            numeric_field(transfer_date.strftime("%m%d"), 4),
            numeric_field(consignor.bank_code, 4),
            kana_field(consignor.bank_kana, 15),
            numeric_field(consignor.branch_code, 3),
            kana_field(consignor.branch_kana, 15),
            numeric_field(consignor.account_type, 1),
            numeric_field(consignor.account_number, 7),
            b" " * 17,
        )
    )


def iter_transfer_file(
    *,
    consignor: Consignor,
    transfer_date: datetime.date,
    transfers: Iterable[Transfer],
    line_ending: str = "crlf",
    designation: str = "7",
) -> Iterator[bytes]:
    """The records of the file one by one, each with its line ending (see ``write_transfer_file``).

    For writing straight to a file or a response; the trailer's checks (count, total) can only
    fail at the end, after the data records were handed out.
    """
    if line_ending == "crlf":
        eol = CRLF
    elif line_ending == "none":
        eol = b""
    else:
        raise ValueError(f"line_ending must be 'crlf' or 'none': {line_ending!r}")
    if designation not in DESIGNATIONS:
        raise ValueError(
            f"designation must be '7' (telegraphic) or '8' (document): {designation!r}"
        )
    clearing = b"    "  # 手形交換所番号: spaces
    # 振込指定区分, 識別表示 (space), ダミー and the line ending; 新規コード goes with the amount.
    tail = designation.encode("ascii") + b" " + b" " * 7 + eol
    try:
        header = _header(consignor, transfer_date)
    except ValueError as exc:
        raise ValueError(f"header (record 1): {exc}") from None
    yield header + eol
    # Bank and branch names repeat from one record to the next: converted once per file.
    names: dict[str, bytes] = {}

    def name15(text: str) -> bytes:
        field = names.get(text)
        if field is None:
            field = names[text] = _single_byte(text)[:15].ljust(15, b" ")
        return field

    count = 0
    total = 0
    for t in transfers:
        count += 1
        if count > MAX_COUNT:
            raise ValueError(f"more than {MAX_COUNT:,} transfers: the count has 6 digits")
        amount = t.amount_yen
        total += amount
        try:
            record = b"".join(
                (
                    b"2",
                    t.bank_code.encode("ascii"),
                    name15(t.bank_kana),
                    t.branch_code.encode("ascii"),
                    name15(t.branch_kana),
                    clearing,
                    t.account_type.encode("ascii"),
                    t.account_number.encode("ascii"),
                    _single_byte(t.holder_kana)[:30].ljust(30, b" "),
                    b"%010d0" % amount,  # 振込金額 N10 and 新規コード "0"
                    _single_byte(t.customer_code1)[:10].ljust(10, b" "),
                    _single_byte(t.customer_code2)[:10].ljust(10, b" "),
                    tail,
                )
            )
        except ValueError as exc:
            raise ValueError(f"transfer {count} (record {count + 1}): {exc}") from None
        yield record
    if total > MAX_TOTAL:
        raise ValueError(f"the total {total:,} yen does not fit in the trailer's 12 digits")
    yield b"8%06d%012d" % (count, total) + b" " * 101 + eol
    yield b"9" + b" " * 119 + eol


def write_transfer_file(
    *,
    consignor: Consignor,
    transfer_date: datetime.date,
    transfers: Iterable[Transfer],
    line_ending: str = "crlf",
    designation: str = "7",
) -> bytes:
    """The whole 総合振込 file: header, one data record per transfer, trailer and end record.

    ``line_ending`` is ``"crlf"`` (after every record, the last one included) or ``"none"``;
    ``designation`` is the 振込指定区分 of every data record, ``"7"`` (telegraphic, default) or
    ``"8"`` (document). The transfer date is written as MMDD. ``ValueError`` for a name with no
    single-byte form, more than 999,999 transfers or a total of more than 12 digits. No
    transfers at all give a header, a trailer with count 0 and the end record.
    """
    return b"".join(
        iter_transfer_file(
            consignor=consignor,
            transfer_date=transfer_date,
            transfers=transfers,
            line_ending=line_ending,
            designation=designation,
        )
    )


# --- Reading -----------------------------------------------------------------------------------


def iter_records(data: bytes) -> Iterator[bytes]:
    """The 120-byte records of ``data``, with or without CRLF after each.

    CRLF is assumed when bytes 121-122 are CRLF (or when the data holds a CRLF anywhere, so
    that a wrong-length first record is reported as such); a missing CRLF after the last
    record is accepted. ``ValueError`` with the record number for a record of another length.
    """
    if data[RECORD_LENGTH : RECORD_LENGTH + 2] == CRLF or CRLF in data:
        lines = data.split(CRLF)
        if lines and lines[-1] == b"":
            lines.pop()
        for number, line in enumerate(lines, start=1):
            if len(line) != RECORD_LENGTH:
                raise ValueError(
                    f"record {number}: {len(line)} bytes before CRLF, expected {RECORD_LENGTH}"
                )
            yield line
        return
    full, rest = divmod(len(data), RECORD_LENGTH)
    for index in range(full):
        yield data[index * RECORD_LENGTH : (index + 1) * RECORD_LENGTH]
    if rest:
        raise ValueError(
            f"record {full + 1}: {rest} bytes at the end of the file, expected {RECORD_LENGTH} "
            f"(the file is {len(data)} bytes, not a multiple of {RECORD_LENGTH})"
        )


# (name, width, kind): "code" = N kept as a string of digits, "int" = N as an int,
# "text" = C without trailing spaces, "skip" = dummy, not returned.
_Layout = tuple[tuple[str, int, str], ...]

HEADER_LAYOUT: Final[_Layout] = (
    ("data_type", 1, "code"),
    ("type_code", 2, "code"),
    ("code_division", 1, "code"),
    ("consignor_code", 10, "code"),
    ("consignor_kana", 40, "text"),
    ("transfer_date", 4, "code"),
    ("bank_code", 4, "code"),
    ("bank_kana", 15, "text"),
    ("branch_code", 3, "code"),
    ("branch_kana", 15, "text"),
    ("account_type", 1, "code"),
    ("account_number", 7, "code"),
    ("dummy", 17, "skip"),
)
DATA_LAYOUT: Final[_Layout] = (
    ("data_type", 1, "code"),
    ("bank_code", 4, "code"),
    ("bank_kana", 15, "text"),
    ("branch_code", 3, "code"),
    ("branch_kana", 15, "text"),
    ("clearing_house", 4, "text"),
    ("account_type", 1, "code"),
    ("account_number", 7, "code"),
    ("holder_kana", 30, "text"),
    ("amount_yen", 10, "int"),
    ("new_code", 1, "code"),
    ("customer_code1", 10, "text"),
    ("customer_code2", 10, "text"),
    ("designation", 1, "text"),
    ("identification", 1, "text"),
    ("dummy", 7, "skip"),
)
TRAILER_LAYOUT: Final[_Layout] = (
    ("data_type", 1, "code"),
    ("count", 6, "int"),
    ("total_yen", 12, "int"),
    ("dummy", 101, "skip"),
)


def _slices(layout: _Layout) -> tuple[tuple[str, int, int, str], ...]:
    out: list[tuple[str, int, int, str]] = []
    start = 0
    for name, width, kind in layout:
        if kind != "skip":
            out.append((name, start, start + width, kind))
        start += width
    if start != RECORD_LENGTH:  # pragma: no cover - a layout typo
        raise AssertionError(f"layout is {start} bytes")
    return tuple(out)


_HEADER = _slices(HEADER_LAYOUT)
_DATA = _slices(DATA_LAYOUT)
_TRAILER = _slices(TRAILER_LAYOUT)


@dataclass
class ParsedFile:
    header: dict[str, str | int]
    records: list[dict[str, str | int]]
    trailer: dict[str, str | int]
    end: bool


def _decode(number: int, record: bytes) -> str:
    try:
        text = record.decode("cp932")
    except UnicodeDecodeError as exc:
        raise ValueError(f"record {number}: byte {exc.start + 1} is not CP932") from None
    if len(text) != RECORD_LENGTH:
        raise ValueError(f"record {number}: holds multi-byte characters")
    return text


def _fields(
    number: int, text: str, slices: tuple[tuple[str, int, int, str], ...]
) -> dict[str, str | int]:
    out: dict[str, str | int] = {}
    for name, start, end, kind in slices:
        value = text[start:end]
        if kind == "text":
            out[name] = value.rstrip(" ")
        elif value.isascii() and value.isdigit():
            out[name] = int(value) if kind == "int" else value
        else:
            raise ValueError(
                f"record {number}: {name} (bytes {start + 1}-{end}) is not digits: {value!r}"
            )
    return out


_KINDS = {"1": "a header", "2": "a data record", "8": "a trailer", "9": "an end record"}


def _kind(text: str) -> str:
    return _KINDS.get(text[0], f"data type {text[0]!r}")


def parse_transfer_file(data: bytes) -> ParsedFile:
    """Decode a 総合振込 file and check its structure.

    The first record must be a header, then data records, one trailer whose count and total
    are those of the data records, and an end record, last. ``ValueError`` describing the first
    problem (with the record number) otherwise.
    """
    return _parse([_decode(n, rec) for n, rec in enumerate(iter_records(data), start=1)])


def parse_result_file(data: bytes, *, code_byte: int = RESULT_CODE_BYTE) -> ParsedFile:
    """Decode the bank's result file for a 総合振込 file (see ``RESULT_CODE_BYTE``).

    The bank returns the records it was sent, each data record with its 振込結果コード, one
    digit at ``code_byte`` (1-based; 113, the 識別表示 the request leaves blank, unless the
    bank's own layout says otherwise). The structure is checked as ``parse_transfer_file``
    does; each data record gets ``result_code`` (the character found there, as it is) and
    ``record`` (its number in the file, the header being 1).
    """
    if not 92 <= code_byte <= RECORD_LENGTH:  # past the amount and the customer codes
        raise ValueError(f"the result code's byte must be 92 to {RECORD_LENGTH}: {code_byte}")
    texts = [_decode(n, rec) for n, rec in enumerate(iter_records(data), start=1)]
    parsed = _parse(texts)
    for number, record in enumerate(parsed.records, start=2):
        record["result_code"] = texts[number - 1][code_byte - 1]
        record["record"] = number
    return parsed


def _parse(texts: list[str]) -> ParsedFile:
    if not texts:
        raise ValueError("empty file: no header record")
    if texts[0][0] != "1":
        raise ValueError(f"record 1: expected a header (データ区分 1), found {_kind(texts[0])}")
    header = _fields(1, texts[0], _HEADER)
    records: list[dict[str, str | int]] = []
    index = 1
    while index < len(texts) and texts[index][0] == "2":
        records.append(_fields(index + 1, texts[index], _DATA))
        index += 1
    if index == len(texts):
        raise ValueError(f"record {index}: the file ends without a trailer (データ区分 8)")
    if texts[index][0] != "8":
        raise ValueError(
            f"record {index + 1}: expected a data record (2) or the trailer (8), "
            f"found {_kind(texts[index])}"
        )
    trailer = _fields(index + 1, texts[index], _TRAILER)
    count = len(records)
    total = sum(int(r["amount_yen"]) for r in records)
    if trailer["count"] != count:
        raise ValueError(
            f"record {index + 1}: the trailer's count is {trailer['count']}, "
            f"but the file has {count} data records"
        )
    if trailer["total_yen"] != total:
        raise ValueError(
            f"record {index + 1}: the trailer's total is {trailer['total_yen']} yen, "
            f"but the data records add up to {total} yen"
        )
    index += 1
    if index == len(texts):
        raise ValueError(f"record {index}: the file ends without an end record (データ区分 9)")
    if texts[index][0] != "9":
        raise ValueError(
            f"record {index + 1}: expected the end record (9), found {_kind(texts[index])}"
        )
    if index + 1 < len(texts):
        raise ValueError(f"record {index + 2}: {_kind(texts[index + 1])} after the end record")
    return ParsedFile(header=header, records=records, trailer=trailer, end=True)
