"""The audit log: who did what to which item, when. Rows are only ever added."""

from __future__ import annotations

from sqlmodel import Session

from models import AuditEntry, User

BOT_ACTOR = "hallmonitor"


def record(
    session: Session,
    action: str,
    *,
    user: User | None = None,
    school_id: str | None = None,
    queue_item_id: int | None = None,
    comment_id: int | None = None,
    detail: str = "",
) -> AuditEntry:
    entry = AuditEntry(
        user_id=user.id if user else None,
        actor=user.email if user else BOT_ACTOR,
        action=action,
        school_id=school_id,
        queue_item_id=queue_item_id,
        comment_id=comment_id,
        detail=detail,
    )
    session.add(entry)
    return entry
