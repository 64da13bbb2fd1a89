"""Follower snapshots are stored as read, with the follower list when there is one."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Engine
from sqlmodel import select

from bot.snapshots import store_snapshot
from connectors.records import Follower, FollowerSnapshot, Platform
from models import Account, FollowerRow, FollowerSnapshotRow, School, session_scope

TAKEN = datetime(2026, 10, 25, 3, 0, tzinfo=UTC)


def _accounts(engine: Engine) -> tuple[int, int]:
    with session_scope(engine) as session:
        session.add(School(id="oak", name="Oak"))
        session.flush()
        fb = Account(school_id="oak", platform="facebook", platform_account_id="1")
        x = Account(school_id="oak", platform="x", platform_account_id="2")
        session.add_all([fb, x])
        session.flush()
        assert fb.id is not None
        assert x.id is not None
        return fb.id, x.id


def test_count_only_snapshot(engine: Engine) -> None:
    fb, _ = _accounts(engine)
    with session_scope(engine) as session:
        row = store_snapshot(
            session, fb, FollowerSnapshot(Platform.FACEBOOK, "1", TAKEN, 1200, fan_count=1250)
        )
        assert row.id is not None
    with session_scope(engine) as session:
        stored = session.exec(select(FollowerSnapshotRow)).one()
        assert (stored.account_id, stored.taken_at, stored.followers_count, stored.fan_count) == (
            fb,
            TAKEN,
            1200,
            1250,
        )
        assert session.exec(select(FollowerRow)).all() == []


def test_snapshot_with_follower_list(engine: Engine) -> None:
    _, x = _accounts(engine)
    followers = (
        Follower("11", "Ann Lee", "annlee", "Mum of two"),
        Follower("12", "Bob Ray", None, None),
    )
    with session_scope(engine) as session:
        row = store_snapshot(
            session, x, FollowerSnapshot(Platform.X, "2", TAKEN, 2, None, followers)
        )
        snapshot_id = row.id
    with session_scope(engine) as session:
        rows = session.exec(select(FollowerRow).order_by(FollowerRow.follower_id)).all()
        assert [
            (r.snapshot_id, r.follower_id, r.name, r.username, r.description) for r in rows
        ] == [
            (snapshot_id, "11", "Ann Lee", "annlee", "Mum of two"),
            (snapshot_id, "12", "Bob Ray", None, None),
        ]


def test_empty_follower_list_is_a_list_of_none(engine: Engine) -> None:
    _, x = _accounts(engine)
    with session_scope(engine) as session:
        store_snapshot(session, x, FollowerSnapshot(Platform.X, "2", TAKEN, 0, None, ()))
    with session_scope(engine) as session:
        assert session.exec(select(FollowerSnapshotRow)).one().followers_count == 0
        assert session.exec(select(FollowerRow)).all() == []
