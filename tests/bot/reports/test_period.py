"""ISO weeks in the trust's time zone: right across both clock changes."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from bot.reports.period import WeekError, last_complete_week, parse_week, trailing_weeks

LONDON = ZoneInfo("Europe/London")


def test_week_with_the_october_change_has_169_hours() -> None:
    week = parse_week("2026-W43", LONDON)
    assert week.start == datetime(2026, 10, 18, 23, 0, tzinfo=UTC)  # Mon 00:00 BST
    assert week.end == datetime(2026, 10, 26, 0, 0, tzinfo=UTC)  # Mon 00:00 GMT
    assert week.hours == 169
    assert week.contains(datetime(2026, 10, 25, 23, 30, tzinfo=UTC))  # Sun 23:30 GMT


def test_week_with_the_march_change_has_167_hours() -> None:
    week = parse_week("2026W13", LONDON)
    assert week.start == datetime(2026, 3, 23, 0, 0, tzinfo=UTC)
    assert week.end == datetime(2026, 3, 29, 23, 0, tzinfo=UTC)
    assert week.hours == 167


def test_ordinary_week_and_label() -> None:
    week = parse_week("2026-w47", LONDON)
    assert (week.label, week.hours, str(week.monday), str(week.sunday)) == (
        "2026-W47",
        168,
        "2026-11-16",
        "2026-11-22",
    )


@pytest.mark.parametrize("text", ["2026-W54", "2025-W53", "2026-W00", "last week", "2026-47", ""])
def test_bad_weeks_are_refused_clearly(text: str) -> None:
    with pytest.raises(WeekError) as caught:
        parse_week(text, LONDON)
    assert "week" in str(caught.value).lower()


def test_2026_has_53_weeks() -> None:
    assert parse_week("2026-W53", LONDON).sunday.isoformat() == "2027-01-03"


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (datetime(2026, 10, 26, 7, 0, tzinfo=UTC), "2026-W43"),  # Monday 07:00 GMT
        (datetime(2026, 10, 25, 23, 59, tzinfo=UTC), "2026-W42"),  # Sunday 23:59 GMT
        (datetime(2026, 10, 18, 23, 30, tzinfo=UTC), "2026-W42"),  # Monday 00:30 BST
        (datetime(2026, 1, 1, 12, 0, tzinfo=UTC), "2025-W52"),
    ],
)
def test_last_complete_week(now: datetime, expected: str) -> None:
    assert last_complete_week(now, LONDON).label == expected


def test_naive_now_is_refused() -> None:
    with pytest.raises(ValueError, match="aware"):
        last_complete_week(datetime(2026, 10, 26, 7, 0), LONDON)


def test_twelve_trailing_weeks_cross_the_new_year() -> None:
    weeks = trailing_weeks(parse_week("2026-W02", LONDON), 12)
    assert [w.label for w in weeks][:3] == ["2025-W43", "2025-W44", "2025-W45"]
    assert weeks[-1].label == "2026-W02"
    assert all(a.end == b.start for a, b in itertools.pairwise(weeks))
