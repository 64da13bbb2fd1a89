"""Read-only questions about the outbox that the dashboard asks, and its errors in plain words."""

from __future__ import annotations

from sqlmodel import Session, col, select

from models import Action, ActionKind, ActionStatus

REPLIES = (ActionKind.REPLY, ActionKind.PRIVATE_REPLY)
_PLAIN = {
    "AuthError": "{platform} refused the account's token: the account needs a new one",
    "PermissionMissing": "the account is missing the permission to reply on {platform}",
    "NotFound": "the comment is no longer on {platform} (deleted, or hidden by its author)",
    "Unsupported": "{platform} does not allow this reply",
    "AlreadyDone": "{platform} takes only one private reply per comment",
    "RateLimited": "{platform} kept asking us to slow down, so Hallmonitor gave up",
    "TransientError": "{platform} kept failing, so Hallmonitor gave up",
}


def unfinished(session: Session, action_ids: list[int]) -> list[int]:
    """Those of ``action_ids`` still pending or in flight."""
    stmt = select(Action.id).where(
        col(Action.id).in_(action_ids),
        col(Action.status).in_((ActionStatus.PENDING, ActionStatus.IN_FLIGHT)),
    )
    return [action_id for action_id in session.exec(stmt).all() if action_id is not None]


def plain_reason(last_error: str | None, platform: str) -> str:
    """Why an action failed, in words a champion can act on (``last_error`` names the type)."""
    kind = (last_error or "").split(":", 1)[0]
    if kind == "ConnectorError" and "gave up" in (last_error or ""):
        kind = "TransientError"
    return _PLAIN.get(kind, "{platform} refused it").format(platform=platform)


def failed_replies(session: Session, item_ids: list[int]) -> set[int]:
    """Those of ``item_ids`` whose latest reply failed or waits: the parent is unanswered."""
    if not item_ids:
        return set()
    rows = session.exec(
        select(Action.queue_item_id, Action.status)
        .where(col(Action.queue_item_id).in_(item_ids), col(Action.kind).in_(REPLIES))
        .order_by(col(Action.id))
    ).all()
    latest = dict(rows)  # ordered by id: the last reply of each item wins
    return {
        item_id
        for item_id, status in latest.items()
        if item_id is not None and status in (ActionStatus.FAILED, ActionStatus.WAITING)
    }


def failures(session: Session, action_ids: list[int]) -> list[str]:
    """The last error of each of ``action_ids`` that failed for good."""
    stmt = select(Action.last_error).where(
        col(Action.id).in_(action_ids), Action.status == ActionStatus.FAILED
    )
    return [error or "" for error in session.exec(stmt).all()]
