"""The conversation around a comment: its parent, the other replies, the replies to it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, or_, select

from bot.labels import Label
from bot.workspace.access import Viewer, can_see_text
from models import Classification, Comment, QueueItem

THREAD_LIMIT = 30


@dataclass(frozen=True, slots=True)
class ThreadComment:
    item_id: int | None
    author: str | None
    text: str | None
    """``None`` when the viewer may not read it (safeguarding, for a champion)."""
    created_at: datetime
    hidden: bool
    role: str
    """``parent``, ``this``, ``reply`` (to this comment) or ``sibling`` (beside it)."""


def thread(session: Session, viewer: Viewer, comment: Comment) -> list[ThreadComment]:
    """Oldest first, as the post shows them: only comments we have read ourselves."""
    related = [Comment.parent_id == comment.platform_id]
    if comment.parent_id:
        related += [
            Comment.platform_id == comment.parent_id,
            Comment.parent_id == comment.parent_id,
        ]
    stmt = (
        select(Comment, QueueItem.id, QueueItem.label)
        .outerjoin(QueueItem, col(QueueItem.comment_id) == Comment.id)
        .where(Comment.platform == comment.platform, Comment.post_id == comment.post_id)
        .where(or_(Comment.id == comment.id, *related))
        .order_by(col(Comment.created_at), col(Comment.id))
        .limit(THREAD_LIMIT)
    )
    out = []
    for other, item_id, item_label in session.exec(stmt).all():
        label = item_label or latest_label(session, other.id) or Label.OTHER.value
        readable = can_see_text(viewer, other.school_id, label)
        if other.id == comment.id:
            role = "this"
        elif comment.parent_id and other.platform_id == comment.parent_id:
            role = "parent"
        elif other.parent_id == comment.platform_id:
            role = "reply"
        else:
            role = "sibling"
        out.append(
            ThreadComment(
                item_id=item_id,
                author=(other.author_name or other.author_username or "") if readable else None,
                text=other.text if readable else None,
                created_at=other.created_at,
                hidden=other.hidden,
                role=role,
            )
        )
    return out if len(out) > 1 else []


def latest_label(session: Session, comment_id: int | None) -> str | None:
    return session.exec(
        select(Classification.label)
        .where(Classification.comment_id == comment_id)
        .order_by(col(Classification.created_at).desc(), col(Classification.id).desc())
        .limit(1)
    ).first()
