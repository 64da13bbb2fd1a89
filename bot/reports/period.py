"""ISO weeks as aware UTC bounds in the trust's time zone, right across the clock changes."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo

_WEEK = re.compile(r"^(\d{4})-?W(\d{1,2})$", re.IGNORECASE)


class WeekError(ValueError):
    """A week could not be understood, e.g. ``2026-W54``."""


@dataclass(frozen=True, slots=True)
class Week:
    """Monday 00:00 to the next Monday 00:00, local time; ``start`` and ``end`` are UTC."""

    year: int
    number: int
    start: datetime
    end: datetime
    tz: tzinfo

    @property
    def label(self) -> str:
        return f"{self.year}-W{self.number:02d}"

    @property
    def monday(self) -> date:
        return date.fromisocalendar(self.year, self.number, 1)

    @property
    def sunday(self) -> date:
        return date.fromisocalendar(self.year, self.number, 7)

    @property
    def hours(self) -> float:
        """167 or 169 in a week with a clock change, 168 otherwise."""
        return (self.end - self.start).total_seconds() / 3600

    def previous(self, count: int = 1) -> Week:
        return week_containing(self.monday - timedelta(weeks=count), self.tz)

    def contains(self, moment: datetime) -> bool:
        return self.start <= moment < self.end

    def __str__(self) -> str:
        return self.label


def _local_midnight_utc(day: date, tz: tzinfo) -> datetime:
    return datetime.combine(day, time(0), tzinfo=tz).astimezone(UTC)


def week_of(year: int, number: int, tz: tzinfo) -> Week:
    try:
        monday = date.fromisocalendar(year, number, 1)
    except ValueError:
        raise WeekError(f"{year}-W{number:02d} is not a week of {year}") from None
    return Week(
        year=year,
        number=number,
        start=_local_midnight_utc(monday, tz),
        end=_local_midnight_utc(monday + timedelta(days=7), tz),
        tz=tz,
    )


def week_containing(day: date, tz: tzinfo) -> Week:
    year, number, _ = day.isocalendar()
    return week_of(year, number, tz)


def parse_week(text: str, tz: tzinfo) -> Week:
    """``2026-W47`` (or ``2026W47``) as a :class:`Week`; :class:`WeekError` if it is not one."""
    match = _WEEK.match(text.strip())
    if match is None:
        raise WeekError(f"{text!r} is not an ISO week: write it like 2026-W47")
    return week_of(int(match.group(1)), int(match.group(2)), tz)


def last_complete_week(now: datetime, tz: tzinfo) -> Week:
    """The Monday-to-Sunday week that ended most recently before ``now`` (aware)."""
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    return week_containing(now.astimezone(tz).date(), tz).previous()


def trailing_weeks(week: Week, count: int) -> list[Week]:
    """``count`` weeks ending with ``week``, oldest first."""
    return [week.previous(back) for back in range(count - 1, 0, -1)] + [week]
