"""The outbox: every hide, reply, block and alert is a row before it is a call."""

from __future__ import annotations

from typing import Any

from sqlalchemy import update
from sqlmodel import Session, col, select

from models import Action, ActionKind, ActionStatus, User
from models.types import utcnow


def enqueue(
    session: Session,
    kind: ActionKind,
    *,
    key: str,
    account_id: int | None = None,
    comment_id: int | None = None,
    queue_item_id: int | None = None,
    payload: dict[str, Any] | None = None,
    user: User | None = None,
) -> Action:
    """Add an action unless one with this idempotency ``key`` exists; return whichever is stored.

    Keys name the intent (``hide:42``, ``reply:42:<form nonce>``), so a retried request or a
    re-read comment never queues the same call twice.
    """
    existing = session.exec(select(Action).where(Action.idempotency_key == key)).first()
    if existing is not None:
        return existing
    action = Action(
        kind=kind,
        idempotency_key=key,
        account_id=account_id,
        comment_id=comment_id,
        queue_item_id=queue_item_id,
        payload=payload or {},
        requested_by=user.id if user else None,
    )
    session.add(action)
    session.flush()
    return action


def release_waiting(session: Session, account_id: int) -> int:
    """Make the account's waiting actions due now (its token or permission is fixed)."""
    result = session.execute(
        update(Action)
        .where(col(Action.account_id) == account_id, col(Action.status) == ActionStatus.WAITING)
        .values(status=ActionStatus.PENDING, next_attempt_at=utcnow())
    )
    return int(getattr(result, "rowcount", 0) or 0)
