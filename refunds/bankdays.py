"""Days on which a Japanese bank transfers money: the one home of that rule.

A transfer date must be a bank business day: not a Saturday or Sunday, not a national holiday
of Japan (the ``holidays`` library's calendar, kept up to date by its maintainers with each
year's equinoxes and substitute holidays), not one of the banks' year-end days (12/31–1/3).
A run is released at least ``PAYMENT_LEAD_BUSINESS_DAYS`` business days before its transfer
date (the Zengin file must reach the bank in time; 2 by default).
"""

import datetime
import functools
from collections.abc import Iterator

import holidays
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

DAY = datetime.timedelta(days=1)


@functools.lru_cache(maxsize=64)
def _national_holidays(year: int) -> frozenset[datetime.date]:
    return frozenset(holidays.country_holidays("JP", years=year))


def is_business_day(day: datetime.date) -> bool:
    if day.weekday() >= 5:
        return False
    if (day.month, day.day) in ((12, 31), (1, 1), (1, 2), (1, 3)):
        return False
    return day not in _national_holidays(day.year)


def business_days_after(day: datetime.date) -> Iterator[datetime.date]:
    """The business days after ``day``, in order."""
    while True:
        day += DAY
        if is_business_day(day):
            yield day


def on_or_after(day: datetime.date) -> datetime.date:
    """``day`` if it is a business day, else the next one."""
    return day if is_business_day(day) else next(business_days_after(day))


def earliest_transfer_date(today: datetime.date | None = None) -> datetime.date:
    """The first transfer date a run released ``today`` may carry."""
    today = today or timezone.localdate()
    days = business_days_after(today)
    for _lead in range(max(settings.PAYMENT_LEAD_BUSINESS_DAYS, 1) - 1):
        next(days)
    return next(days)


def next_transfer_dates(today: datetime.date | None = None, count: int = 10) -> list[datetime.date]:
    """The next ``count`` valid transfer dates (what the date picker offers)."""
    first = earliest_transfer_date(today)
    dates = [first]
    days = business_days_after(first)
    while len(dates) < count:
        dates.append(next(days))
    return dates


def transfer_date_problem(day: datetime.date, today: datetime.date | None = None) -> str:
    """Why a run released ``today`` may not carry ``day`` as its transfer date ('' if it may)."""
    today = today or timezone.localdate()
    if day <= today:
        return _("The transfer date %(day)s has passed.") % {"day": day.isoformat()}
    if not is_business_day(day):
        return _("%(day)s is not a bank business day (a weekend, a holiday or 12/31–1/3).") % {
            "day": day.isoformat()
        }
    earliest = earliest_transfer_date(today)
    if day < earliest:
        return _(
            "The bank needs the file %(lead)s business days ahead: the earliest transfer date "
            "is %(earliest)s."
        ) % {"lead": settings.PAYMENT_LEAD_BUSINESS_DAYS, "earliest": earliest.isoformat()}
    return ""
