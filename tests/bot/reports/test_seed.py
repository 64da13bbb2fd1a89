"""The demo's seeded history gives a real-looking report: twelve weeks, hits, moderation."""

from __future__ import annotations

import random
from datetime import UTC, datetime

from sqlalchemy import Engine, func
from sqlmodel import col, select

from bot.config import Config
from bot.reports import build_reports
from bot.reports.seed import seed_history
from models import Account, Comment, FollowerSnapshotRow, QueueItem, QueueStatus, session_scope

NOW = datetime(2026, 11, 25, 9, 30, tzinfo=UTC)  # Wednesday of 2026-W48


def test_seeded_history_makes_a_full_report(engine: Engine, config: Config) -> None:
    with session_scope(engine) as session:
        summary = seed_history(session, config, NOW, random.Random(7))
    assert summary.snapshots > 4 * 7 * 12
    assert summary.comments > 100
    assert summary.actions > 50

    with session_scope(engine) as session:
        first, last = session.exec(
            select(func.min(FollowerSnapshotRow.taken_at), func.max(FollowerSnapshotRow.taken_at))
        ).one()
        assert first is not None
        assert last is not None
        assert first <= datetime(2026, 8, 31, tzinfo=UTC)  # before 2026-W36, the 12th week back
        assert last <= NOW
        latest_comment = session.exec(select(func.max(Comment.fetched_at))).one()
        assert latest_comment is not None
        assert latest_comment < NOW

    reports = {r.scope: r for r in build_reports(engine, config, None, now=NOW)}
    trust = reports["trust"].figures
    assert trust.week.label == "2026-W47"
    assert all(count is not None for a in trust.accounts for _, count in a.weekly)
    [x] = [a for a in trust.accounts if a.platform == "x"]
    assert x.follower_list
    assert {reason for f in x.flagged for reason in f.flags} == {
        "looks like a pupil",
        "adult content",
    }
    assert trust.moderation.comments_read > 10
    assert trust.moderation.median_first_action is not None
    assert trust.moderation.hidden_auto > 0


def test_seeding_twice_adds_nothing(engine: Engine, config: Config) -> None:
    with session_scope(engine) as session:
        seed_history(session, config, NOW, random.Random(1))
    with session_scope(engine) as session:
        again = seed_history(session, config, NOW, random.Random(2))
        assert again.snapshots == again.comments == 0
        accounts = session.exec(select(func.count(col(Account.id)))).one()
    assert accounts == 4


def test_seeded_history_leaves_nothing_open_to_act_on(engine: Engine, config: Config) -> None:
    """The seeded comments are not in the simulator: an open one would fail every action."""
    with session_scope(engine) as session:
        seed_history(session, config, NOW, random.Random(7))
    with session_scope(engine) as session:
        statuses = session.exec(select(QueueItem.status).distinct()).all()
        late = session.exec(
            select(func.count(col(QueueItem.id))).where(
                col(QueueItem.first_human_action_at) > col(QueueItem.due_at)
            )
        ).one()
    assert set(statuses) <= {QueueStatus.HANDLED, QueueStatus.DISMISSED}
    assert late > 0  # the history still shows items handled past their due time
