"""Follower figures of one account for one week, read from the stored snapshots."""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import exists
from sqlalchemy.sql.expression import Exists
from sqlmodel import Session, col, select

from bot.reports.period import Week
from models import Account, FollowerRow, FollowerSnapshotRow

_LOGGER = logging.getLogger(__name__)

PLATFORM_NAMES = {"facebook": "Facebook", "instagram": "Instagram", "x": "X"}


@dataclass(frozen=True, slots=True)
class NewFollower:
    id: str
    name: str
    username: str | None
    description: str | None
    flags: tuple[str, ...]
    """Watchlist reasons this follower's name, username or bio matched."""


@dataclass(frozen=True, slots=True)
class AccountFigures:
    account_id: int
    school_id: str
    school_name: str
    platform: str
    name: str
    followers_now: int | None
    """The last count taken in the week; None when no snapshot was taken in it."""
    followers_before: int | None
    """The last count before the week (or, failing that, the first in it)."""
    weekly: tuple[tuple[str, int | None], ...]
    """(ISO week, last count taken in that week) for the trend, oldest first."""
    points: tuple[tuple[datetime, int], ...]
    """Every count over the trend weeks, for the chart."""
    follower_list: bool
    """Whether new followers could be listed this week."""
    new_followers: tuple[NewFollower, ...]
    lost_followers: int | None
    note: str
    """Said plainly when the list is not available, and why."""
    lost: tuple[NewFollower, ...] = ()
    """Who stopped following this week, where the follower list is known."""

    @property
    def change(self) -> int | None:
        if self.followers_now is None or self.followers_before is None:
            return None
        return self.followers_now - self.followers_before

    @property
    def flagged(self) -> tuple[NewFollower, ...]:
        return tuple(follower for follower in self.new_followers if follower.flags)

    @property
    def flagged_first(self) -> tuple[NewFollower, ...]:
        return self.flagged + tuple(
            follower for follower in self.new_followers if not follower.flags
        )

    @property
    def platform_name(self) -> str:
        return PLATFORM_NAMES.get(self.platform, self.platform)


class Watchlist:
    """The trust's follower watchlist: reason -> pattern, searched in names, usernames and bios."""

    def __init__(self, patterns: Mapping[str, str]) -> None:
        self.problems: list[str] = []
        self._patterns: list[tuple[str, re.Pattern[str]]] = []
        for reason, pattern in patterns.items():
            try:
                self._patterns.append((reason, re.compile(pattern)))
            except re.error as exc:
                _LOGGER.warning(
                    "watchlist pattern for %r is not a valid expression: %s", reason, exc
                )
                self.problems.append(f"watchlist pattern for {reason!r} was skipped: {exc}")

    def reasons(self, *texts: str | None) -> tuple[str, ...]:
        return tuple(
            reason
            for reason, pattern in self._patterns
            if any(text and pattern.search(text) for text in texts)
        )


def _has_list() -> Exists:
    return exists().where(col(FollowerRow.snapshot_id) == FollowerSnapshotRow.id)


def _snapshot_ids_with_list(
    session: Session, account_id: int, week: Week
) -> tuple[int, int] | None:
    """(baseline, latest) snapshots with a follower list: before the week, and last in it."""
    base = select(FollowerSnapshotRow.id).where(
        FollowerSnapshotRow.account_id == account_id, _has_list()
    )
    taken = col(FollowerSnapshotRow.taken_at)
    latest = session.exec(
        base.where(taken >= week.start, taken < week.end).order_by(taken.desc()).limit(1)
    ).first()
    if latest is None:
        return None
    baseline = session.exec(base.where(taken < week.start).order_by(taken.desc()).limit(1)).first()
    if baseline is None:
        baseline = session.exec(
            base.where(taken >= week.start, taken < week.end).order_by(taken).limit(1)
        ).first()
    assert baseline is not None
    return baseline, latest


def _followers(session: Session, snapshot_id: int) -> dict[str, FollowerRow]:
    rows = session.exec(select(FollowerRow).where(FollowerRow.snapshot_id == snapshot_id))
    return {row.follower_id: row for row in rows}


def _new_followers(
    session: Session, account: Account, week: Week, watchlist: Watchlist
) -> tuple[bool, tuple[NewFollower, ...], tuple[NewFollower, ...] | None, str]:
    name = PLATFORM_NAMES.get(account.platform, account.platform)
    if account.platform != "x":
        return (
            False,
            (),
            None,
            f"{name} gives the number of followers only, not who they are: "
            "this report can show the change in the count, nothing more.",
        )
    assert account.id is not None
    pair = _snapshot_ids_with_list(session, account.id, week)
    if pair is None:
        return (
            False,
            (),
            None,
            "X gave no follower list this week (the X access tier may not allow it): "
            "the change in the count only.",
        )
    baseline_id, latest_id = pair
    if baseline_id == latest_id:
        return (
            False,
            (),
            None,
            "The first follower list was taken this week: new followers are listed from next week.",
        )
    before = _followers(session, baseline_id)
    now = _followers(session, latest_id)
    new = sorted(
        (row for follower_id, row in now.items() if follower_id not in before),
        key=lambda row: (row.name.casefold(), row.follower_id),
    )
    followers = tuple(
        NewFollower(
            id=row.follower_id,
            name=row.name,
            username=row.username,
            description=row.description,
            flags=watchlist.reasons(row.name, row.username, row.description),
        )
        for row in new
    )
    gone = sorted(
        (row for follower_id, row in before.items() if follower_id not in now),
        key=lambda row: (row.name.casefold(), row.follower_id),
    )
    lost = tuple(
        NewFollower(row.follower_id, row.name, row.username, row.description, ()) for row in gone
    )
    return True, followers, lost, ""


def account_figures(
    session: Session,
    account: Account,
    school_name: str,
    weeks: Sequence[Week],
    watchlist: Watchlist,
) -> AccountFigures:
    """Figures for ``weeks[-1]``, with the trend over all of ``weeks`` (oldest first)."""
    assert account.id is not None
    week = weeks[-1]
    taken = col(FollowerSnapshotRow.taken_at)
    counts = select(FollowerSnapshotRow.taken_at, FollowerSnapshotRow.followers_count).where(
        FollowerSnapshotRow.account_id == account.id
    )
    points = [
        (when, count)
        for when, count in session.exec(
            counts.where(taken >= weeks[0].start, taken < week.end).order_by(
                taken, col(FollowerSnapshotRow.id)
            )
        )
    ]
    weekly = []
    for each in weeks:
        inside = [count for when, count in points if each.contains(when)]
        weekly.append((each.label, inside[-1] if inside else None))
    this_week = [count for when, count in points if week.contains(when)]
    before = session.exec(
        counts.where(taken < week.start).order_by(taken.desc(), col(FollowerSnapshotRow.id).desc())
    ).first()
    followers_before = before[1] if before is not None else (this_week[0] if this_week else None)
    listed, new, lost, note = _new_followers(session, account, week, watchlist)
    return AccountFigures(
        account_id=account.id,
        school_id=account.school_id,
        school_name=school_name,
        platform=account.platform,
        name=account.name or account.platform_account_id,
        followers_now=this_week[-1] if this_week else None,
        followers_before=followers_before,
        weekly=tuple(weekly),
        points=tuple(points),
        follower_list=listed,
        new_followers=new,
        lost_followers=len(lost) if lost is not None else None,
        note=note,
        lost=lost or (),
    )
