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


def failures(session: Session, action_ids: list[int]) -> list[str]:
    """The last error of each of ``action_ids`` that failed for good."""
    stmt = select(Action.last_error).where(
        col(Action.id).in_(action_ids), Action.status == ActionStatus.FAILED
    )
    return [error or "" for error in session.exec(stmt).all()]
