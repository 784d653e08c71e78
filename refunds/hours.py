"""The free-dial line's opening hours: is it open now, and when does it next open.

Hours are local (``TIME_ZONE``) times, every day of the week, as the line was run in 2010. A
program may set its own; otherwise ``FREE_DIAL_HOURS`` ("09:00-18:00") applies.
"""

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone


@dataclass(frozen=True)
class OpeningHours:
    opens: datetime.time
    closes: datetime.time

    @classmethod
    def parse(cls, text: str) -> "OpeningHours":
        try:
            start, end = (datetime.time.fromisoformat(part.strip()) for part in text.split("-"))
        except ValueError:
            raise ImproperlyConfigured(
                f"opening hours must look like 09:00-18:00: {text!r}"
            ) from None
        if end <= start:
            raise ImproperlyConfigured(f"opening hours must close after they open: {text!r}")
        return cls(start, end)

    @classmethod
    def for_program(cls, program: object | None = None) -> "OpeningHours":
        opens = getattr(program, "opens_at", None)
        closes = getattr(program, "closes_at", None)
        if opens and closes and closes > opens:
            return cls(opens, closes)
        return cls.parse(settings.FREE_DIAL_HOURS)

    def __str__(self) -> str:
        return f"{self.opens:%H:%M}–{self.closes:%H:%M}"

    def is_open(self, at: datetime.datetime) -> bool:
        local = timezone.localtime(at).time()
        return self.opens <= local < self.closes

    def next_opening(self, at: datetime.datetime) -> datetime.datetime:
        """The first opening time strictly after ``at`` (today's if it is still to come)."""
        local = timezone.localtime(at)
        day = local.date()
        if local.time() >= self.opens:
            day += datetime.timedelta(days=1)
        naive = datetime.datetime.combine(day, self.opens)
        return timezone.make_aware(naive, timezone.get_current_timezone())

    def callback_due(self, at: datetime.datetime) -> datetime.datetime:
        """When a callback promised (or a message left) at ``at`` falls due.

        Outside the hours: the next opening. Within them: ``CALLBACK_DELAY_MINUTES`` later if
        the line is still open then, else the next opening.
        """
        if not self.is_open(at):
            return self.next_opening(at)
        due = at + datetime.timedelta(minutes=settings.CALLBACK_DELAY_MINUTES)
        if self.is_open(due) and timezone.localtime(due).date() == timezone.localtime(at).date():
            return due
        return self.next_opening(at)

    def slots(
        self, after: datetime.datetime, *, days: int = 3, minutes: int = 30
    ) -> list[datetime.datetime]:
        """Callback times on the ``minutes`` grid within the hours, after ``after``, for the
        line's next ``days`` days (today's included when it is still open)."""
        zone = timezone.get_current_timezone()
        local = timezone.localtime(after)
        out: list[datetime.datetime] = []
        for offset in range(days + 1):
            day = local.date() + datetime.timedelta(days=offset)
            moment = timezone.make_aware(datetime.datetime.combine(day, self.opens), zone)
            closing = timezone.make_aware(datetime.datetime.combine(day, self.closes), zone)
            while moment < closing:
                if moment > after:
                    out.append(moment)
                moment += datetime.timedelta(minutes=minutes)
        return out

    def end_of_day_after(self, at: datetime.datetime, days: int) -> datetime.datetime:
        """The line's closing time ``days`` days after ``at``'s day (a complaint's due time);
        after closing time the count starts from the next day."""
        local = timezone.localtime(at)
        day = local.date() + datetime.timedelta(days=days)
        if local.time() >= self.closes:
            day += datetime.timedelta(days=1)
        naive = datetime.datetime.combine(day, self.closes)
        return timezone.make_aware(naive, timezone.get_current_timezone())
