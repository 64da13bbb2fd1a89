"""Read-only questions about the outbox that the dashboard asks."""

from __future__ import annotations

from sqlmodel import Session, col, select

from models import Action, ActionStatus


def unfinished(session: Session, action_ids: list[int]) -> list[int]:
    """Those of ``action_ids`` still pending or in flight."""
    stmt = select(Action.id).where(
        col(Action.id).in_(action_ids),
        col(Action.status).in_((ActionStatus.PENDING, ActionStatus.IN_FLIGHT)),
    )
    return [action_id for action_id in session.exec(stmt).all() if action_id is not None]
