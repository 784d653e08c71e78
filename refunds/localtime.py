"""Dates and times as the product writes them: in local time (``TIME_ZONE``, Asia/Tokyo).

Every date and time on a page, in a file or in a file's name comes from here, so that none is
written in UTC by accident. Where a time leaves the application (a file, a file name, a
report's title) it carries its zone's name (``JST``).
"""

import datetime
import functools

from django.template import defaultfilters
from django.utils import timezone, translation
from django.utils.formats import date_format, get_format


def local(value: datetime.datetime | None = None) -> datetime.datetime:
    """``value`` (now if None) in local time."""
    return timezone.localtime(value)


# Django's date format characters that mean what a ``strftime`` directive means (numbers with
# their leading zeros, whatever the language).
_STRFTIME = {"Y": "%Y", "y": "%y", "m": "%m", "d": "%d", "H": "%H", "i": "%M", "s": "%S"}
_TIME_CHARACTERS = frozenset("His")


@functools.cache
def _strftime_pattern(pattern: str) -> tuple[str, bool] | None:
    """The ``strftime`` pattern of a Django date format and whether it writes the time; None
    when the format uses a character ``strftime`` does not write the same way (month names,
    days without a leading zero…)."""
    out, escaped = [], False
    for character in pattern:
        if character == "\\" and not escaped:
            escaped = True
        elif escaped or not character.isalpha():
            out.append("%%" if character == "%" else character)
            escaped = False
        elif character in _STRFTIME:
            out.append(_STRFTIME[character])
        else:
            return None
    return "".join(out), bool(_TIME_CHARACTERS & set(pattern))


def strftime_format(format_name: str) -> tuple[str, bool] | None:
    """The ``strftime`` pattern of ``format_name`` (as ``formatted`` takes it) in the active
    language and whether it writes the time; None when only the ``date`` filter writes it."""
    return _strftime_pattern(str(get_format(format_name)))


def formatted(value: datetime.date | str | None, format_name: str) -> str:
    """``value|date:format_name`` (a setting's name such as ``SHORT_DATE_FORMAT``, or a format).

    The filter parses the format and looks up each of its characters for every value; a list
    of 50 rows wrote its dates in over a millisecond so. The project's formats (``Y-m-d H:i``)
    are ``strftime`` patterns: those are written by ``strftime``, any other by the filter.
    """
    compiled = strftime_format(format_name) if isinstance(value, datetime.date) else None
    return formatted_as(value, format_name, compiled)


def formatted_as(
    value: datetime.date | str | None, format_name: str, compiled: tuple[str, bool] | None
) -> str:
    """``formatted`` with the format's ``strftime_format`` already read (``compiled``): a table
    reads it once for all its cells."""
    if (
        compiled is not None
        and isinstance(value, datetime.date)
        and value.year >= 1000
        and (isinstance(value, datetime.datetime) or not compiled[1])
    ):
        return value.strftime(compiled[0])
    return str(defaultfilters.date(value, format_name))


def zone_name(value: datetime.datetime | None = None) -> str:
    """The local zone's abbreviation at ``value`` (``JST``)."""
    return local(value).strftime("%Z")


def stamp(
    value: datetime.datetime | None = None, *, seconds: bool = False, zone: bool = False
) -> str:
    """``2026-12-01 21:33`` (with ``:05`` seconds, with `` JST`` zone) in local time."""
    moment = local(value)
    text = moment.strftime("%Y-%m-%d %H:%M:%S" if seconds else "%Y-%m-%d %H:%M")
    return f"{text} {moment:%Z}" if zone else text


def local_date(value: datetime.datetime) -> datetime.date:
    """The local calendar day of ``value``."""
    return local(value).date()


def file_stamp(value: datetime.datetime | None = None) -> str:
    """``20261201-2133JST``: a local time for a file name, with its zone."""
    return local(value).strftime("%Y%m%d-%H%M%Z")


def japanese_date(day: datetime.date) -> str:
    """2026年12月18日 (the letters, printed in Japanese whatever the operator's language)."""
    return f"{day.year}年{day.month}月{day.day}日"


def japanese_month(day: datetime.date) -> str:
    """2009年7月: a billing month in Japanese."""
    return f"{day.year}年{day.month}月"


def _japanese() -> bool:
    language = translation.get_language()
    return bool(language) and language.startswith("ja")


def written_date(day: datetime.date) -> str:
    """A date as a member reads it: 2026年12月18日, or 18 December 2026."""
    return japanese_date(day) if _japanese() else date_format(day, "j F Y")


def written_month(day: datetime.date) -> str:
    """A billing month as a member reads it: 2009年7月, or July 2009."""
    return japanese_month(day) if _japanese() else date_format(day, "F Y")


_WEEKDAYS_JA = "月火水木金土日"


def spoken_date(day: datetime.date) -> str:
    """A date as an operator says it to a caller: 12月8日（火） in Japanese, Tuesday 8 December
    in English (the year only when it is not this year's)."""
    this_year = day.year == timezone.localdate().year
    if _japanese():
        year = "" if this_year else f"{day.year}年"
        return f"{year}{day.month}月{day.day}日（{_WEEKDAYS_JA[day.weekday()]}）"
    return day.strftime("%A %-d %B" if this_year else "%A %-d %B %Y")
