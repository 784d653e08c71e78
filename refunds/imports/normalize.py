"""Parsing and normalisation of CSV cells (data-formats.md, "Validation and normalisation").

Each parser takes the stripped, non-empty text of a cell and returns the value to store, or
raises ``CellError`` with a reason a person can act on.
"""

import datetime
import re
import unicodedata
from functools import lru_cache

import jaconv
from django.utils.translation import gettext as _


class CellError(ValueError):
    """A cell that cannot be read; the message is the reason shown to the user."""


_DATE_RE = re.compile(r"^(\d{4})([-/])(\d{1,2})\2(\d{1,2})$")
_PERIOD_RE = re.compile(r"^(\d{4})(?:[-/](\d{1,2})|(\d{2}))$")
_AMOUNT_RE = re.compile(r"^(?:\d{1,3}(?:,\d{3})+|\d+)$")
_POSTAL_RE = re.compile(r"^(\d{3})-?(\d{4})$")
_SPACES_RE = re.compile(r"[ \u3000\t]+")
_NEGATIVE_SIGNS = {"-", "−", "△", "▲", "－", "‐"}
_POSITIVE_SIGNS = {"+", "＋"}


@lru_cache(maxsize=65536)
def parse_date(text: str) -> datetime.date:
    match = _DATE_RE.match(unicodedata.normalize("NFKC", text))
    if not match:
        raise CellError(_("“%(value)s” is not a date (YYYY-MM-DD or YYYY/MM/DD)") % {"value": text})
    year, _sep, month, day = match.groups()
    try:
        return datetime.date(int(year), int(month), int(day))
    except ValueError:
        raise CellError(_("%(value)s is a date that does not exist") % {"value": text}) from None


@lru_cache(maxsize=4096)
def parse_period(text: str) -> datetime.date:
    match = _PERIOD_RE.match(unicodedata.normalize("NFKC", text))
    if not match:
        raise CellError(
            _("“%(value)s” is not a billing period (YYYY-MM, YYYYMM or YYYY/MM)") % {"value": text}
        )
    year, month_sep, month_compact = match.groups()
    month = int(month_sep or month_compact)
    if not 1 <= month <= 12:
        raise CellError(_("%(value)s has a month outside 01–12") % {"value": text})
    return datetime.date(int(year), month, 1)


def parse_amount(text: str) -> int:
    """Integer yen; thousands separators, full-width digits and a leading sign are normalised."""
    if text.isascii() and text.isdigit():
        return _in_range(int(text), text)
    value = unicodedata.normalize("NFKC", text).replace(" ", "")
    sign = 1
    if value and (value[0] in _NEGATIVE_SIGNS or value[0] in _POSITIVE_SIGNS):
        sign = -1 if value[0] in _NEGATIVE_SIGNS else 1
        value = value[1:]
    if not _AMOUNT_RE.match(value):
        raise CellError(_("“%(value)s” is not an amount in whole yen") % {"value": text})
    return _in_range(sign * int(value.replace(",", "")), text)


# The amount columns are 32-bit integers in the database.
AMOUNT_LIMIT = 2**31 - 1


def _in_range(amount: int, text: str) -> int:
    if not -AMOUNT_LIMIT <= amount <= AMOUNT_LIMIT:
        raise CellError(
            _("“%(value)s” is beyond the largest amount the data can hold") % {"value": text}
        )
    return amount


def parse_kana(text: str) -> str:
    """Full-width katakana; hiragana converted; any run of spaces becomes one full-width space."""
    value = jaconv.hira2kata(jaconv.h2z(text, kana=True, ascii=False, digit=False))
    return _SPACES_RE.sub("\u3000", value).strip("\u3000")


def widen_kana(text: str) -> str:
    """Half-width katakana become full-width; everything else stays as written."""
    if text.isascii():
        return text
    return jaconv.h2z(text, kana=True, ascii=False, digit=False)


def parse_postal_code(text: str) -> str:
    match = _POSTAL_RE.match(unicodedata.normalize("NFKC", text).replace("ー", "-"))
    if not match:
        raise CellError(_("“%(value)s” is not a postal code (NNN-NNNN)") % {"value": text})
    return f"{match.group(1)}-{match.group(2)}"


_STATUS_LABELS = {
    "active": "active",
    "有効": "active",
    "withdrawn": "withdrawn",
    "退会": "withdrawn",
}


def parse_member_status(text: str) -> str:
    try:
        return _STATUS_LABELS[text.lower()]
    except KeyError:
        raise CellError(
            _("“%(value)s” is not a status (active/有効 or withdrawn/退会)") % {"value": text}
        ) from None


def parse_area(text: str) -> str:
    value = text.lower()
    if value not in ("east", "west"):
        raise CellError(_("“%(value)s” is not an area (east or west)") % {"value": text})
    return value


def parse_code(text: str) -> str:
    """An identifier (member, contract, course, plan, item): as written, at most 64 characters."""
    if len(text) > 64:
        raise CellError(_("longer than 64 characters"))
    return text


def parse_text(text: str) -> str:
    return widen_kana(text)


def parse_plain(text: str) -> str:
    return text
