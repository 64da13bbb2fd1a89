"""Daily follower snapshots: stored as read, so the weekly report needs no live calls."""

from __future__ import annotations

import logging

from sqlmodel import Session

from connectors.records import FollowerSnapshot
from models import FollowerRow, FollowerSnapshotRow

_LOGGER = logging.getLogger(__name__)


def store_snapshot(
    session: Session, account_id: int, snapshot: FollowerSnapshot
) -> FollowerSnapshotRow:
    """Add one snapshot, with its follower list when the platform gave one (X).

    The caller owns the transaction; the rows are flushed so ``row.id`` is set.
    """
    row = FollowerSnapshotRow(
        account_id=account_id,
        taken_at=snapshot.taken_at,
        followers_count=snapshot.followers_count,
        fan_count=snapshot.fan_count,
    )
    session.add(row)
    session.flush()
    assert row.id is not None
    if snapshot.followers is not None:
        session.add_all(
            FollowerRow(
                snapshot_id=row.id,
                follower_id=follower.id,
                name=follower.name[:300],
                username=follower.username[:300] if follower.username else None,
                description=follower.description,
            )
            for follower in snapshot.followers
        )
        session.flush()
    _LOGGER.debug(
        "snapshot of account %s: %s followers, list of %s",
        account_id,
        snapshot.followers_count,
        "none" if snapshot.followers is None else len(snapshot.followers),
    )
    return row
