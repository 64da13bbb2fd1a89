"""What live updates need from the database: a cheap change stamp, and a viewer's open counts."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func
from sqlalchemy import select as sa_select
from sqlmodel import Session, col

from bot.workspace.access import RESTRICTED_LABELS, Viewer
from bot.workspace.triage import ACTIVE
from models import QueueItem


def change_stamp(session: Session) -> str:
    """Changes when an item arrives or leaves the open queue: two index-only reads."""
    newest = session.execute(sa_select(func.max(col(QueueItem.id)))).scalar() or 0
    active: Any = sa_select(func.count()).where(col(QueueItem.status).in_(ACTIVE))
    return f"{newest}-{session.execute(active).scalar() or 0}"


@dataclass(frozen=True, slots=True)
class OpenCounts:
    open: int
    """Open or escalated items this viewer can work on."""
    with_dsl: int
    """Safeguarding items this viewer may not read (champions)."""
    mine: int
    """Open items assigned to this viewer."""


def open_counts(session: Session, viewer: Viewer) -> OpenCounts:
    stmt: Any = sa_select(col(QueueItem.label), func.count()).where(
        col(QueueItem.status).in_(ACTIVE)
    )
    allowed = viewer.school_filter()
    if allowed is not None:
        stmt = stmt.where(col(QueueItem.school_id).in_(sorted(allowed)))
    readable = restricted = 0
    rows: list[Any] = list(session.execute(stmt.group_by(col(QueueItem.label))).all())
    for label, number in rows:
        if label in RESTRICTED_LABELS and not viewer.lists_restricted:
            restricted += int(number)
        else:
            readable += int(number)
    mine: Any = sa_select(func.count()).where(
        col(QueueItem.status).in_(ACTIVE), col(QueueItem.assigned_to_id) == viewer.id
    )
    return OpenCounts(readable, restricted, session.execute(mine).scalar() or 0)
