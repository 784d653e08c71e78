"""Case numbers: ``<prefix>-<number>``, in an order that text comparison keeps at any width.

Numbers below 1,000,000 are written with six digits (``SH10-000082``). A wider number carries
a capital letter before its digits saying how many there are (``A`` for seven, ``B`` for eight,
and so on): ``SH10-A1000000`` sorts after ``SH10-999999`` as text, and ``SH10-B10000000`` after
``SH10-A9999999``. Every index and ``ORDER BY case_no`` therefore lists cases in the order their
numbers were handed out, whatever their count. Letters come after digits in ASCII and in every
collation the product runs on (C on PostgreSQL, binary on SQLite).

People may type a number without its zeros or its letter: ``normalise`` reads ``SH10-82`` and
``SH10-1000000`` as the case numbers ``SH10-000082`` and ``SH10-A1000000``.
"""

from __future__ import annotations

import re
import unicodedata

WIDTH = 6  # digits of the numbers written without a width letter
_WIDEST = 26  # ``Z``: 32 digits, far beyond any program
_TYPED = re.compile(r"^([A-Z0-9]+)-([A-Z]?)(\d+)$")


def format_case_no(prefix: str, number: int) -> str:
    """The case number ``number`` of ``prefix``."""
    if number < 0:
        raise ValueError("a case number is not negative")
    digits = str(number)
    if len(digits) <= WIDTH:
        return f"{prefix}-{digits.zfill(WIDTH)}"
    extra = len(digits) - WIDTH - 1
    if extra >= _WIDEST:
        raise ValueError("case number too wide")
    return f"{prefix}-{chr(ord('A') + extra)}{digits}"


def parse_case_no(case_no: str) -> tuple[str, int] | None:
    """``(prefix, number)`` of a case number as typed (letter and zeros optional), or None."""
    match = _TYPED.match(case_no)
    if match is None:
        return None
    prefix, letter, digits = match.groups()
    return prefix, int(digits)


def fold(typed: str) -> str:
    """What a person typed, as case numbers are written: NFKC (full-width digits and letters
    to ASCII), upper case, no surrounding spaces."""
    return unicodedata.normalize("NFKC", typed).strip().upper()


def normalise(typed: str) -> str | None:
    """The case number a person meant by ``typed`` (folded by ``fold``), or None."""
    parsed = parse_case_no(fold(typed))
    if parsed is None:
        return None
    return format_case_no(*parsed)


def case_no_sql(number: str) -> str:
    """SQL for ``format_case_no``: the prefix with its dash is the one parameter (``%s``);
    ``number`` an SQL expression without parameters (it is repeated).

    Portable (SQLite and PostgreSQL): padding by adding a power of ten, a width letter per
    width up to 18 digits (BIGINT's range).
    """
    widths = " ".join(
        f"WHEN {number} < {10 ** (WIDTH + extra + 1)} THEN '{chr(ord('A') + extra)}' || "
        f"CAST({number} AS VARCHAR(20))"
        for extra in range(18 - WIDTH)
    )
    return (
        f"%s || CASE WHEN {number} < {10**WIDTH} "
        f"THEN SUBSTR(CAST({number} + {10**WIDTH} AS VARCHAR(20)), 2) "
        f"{widths} END"
    )
