import datetime
import zoneinfo

import pytest
from django.core.exceptions import ImproperlyConfigured

from refunds.hours import OpeningHours

TOKYO = zoneinfo.ZoneInfo("Asia/Tokyo")
HOURS = OpeningHours.parse("09:00-18:00")


def at(day: int, hour: int, minute: int = 0) -> datetime.datetime:
    return datetime.datetime(2010, 11, day, hour, minute, tzinfo=TOKYO)


@pytest.mark.parametrize(
    ("moment", "due"),
    [
        (at(5, 20, 15), at(6, 9)),  # evening message: next morning
        (at(5, 2, 0), at(5, 9)),  # after midnight: this morning
        (at(5, 8, 59), at(5, 9)),
        (at(5, 18, 0), at(6, 9)),  # closing time is closed
        (at(5, 10, 30), at(5, 11, 30)),  # promised during the day: an hour later
        (at(5, 17, 30), at(6, 9)),  # an hour later the line is closed
    ],
)
def test_callback_due(moment, due):
    assert HOURS.callback_due(moment) == due


def test_due_times_are_in_local_time_whatever_the_input_zone():
    utc_evening = datetime.datetime(2010, 11, 5, 12, 0, tzinfo=datetime.UTC)  # 21:00 in Tokyo
    assert HOURS.callback_due(utc_evening) == at(6, 9)


def test_is_open():
    assert HOURS.is_open(at(5, 9)) and not HOURS.is_open(at(5, 18)) and not HOURS.is_open(at(5, 8))


def test_program_hours_override_the_setting():
    class Program:
        opens_at = datetime.time(10)
        closes_at = datetime.time(20)

    hours = OpeningHours.for_program(Program())
    assert hours.next_opening(at(5, 21)) == at(6, 10)
    assert OpeningHours.for_program(None) == HOURS


@pytest.mark.parametrize("text", ["9-18", "18:00-09:00", "nonsense"])
def test_bad_hours_setting(text):
    with pytest.raises(ImproperlyConfigured):
        OpeningHours.parse(text)
