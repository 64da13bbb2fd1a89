"""Hallmonitor's tables and database session."""

from models.db import make_engine, session_scope
from models.tables import (
    Account,
    Action,
    ActionKind,
    ActionStatus,
    AuditEntry,
    Classification,
    Comment,
    Cursor,
    FollowerRow,
    FollowerSnapshotRow,
    ItemNote,
    QueueItem,
    QueueStatus,
    Role,
    School,
    User,
    UserSchool,
)

__all__ = [
    "Account",
    "Action",
    "ActionKind",
    "ActionStatus",
    "AuditEntry",
    "Classification",
    "Comment",
    "Cursor",
    "FollowerRow",
    "FollowerSnapshotRow",
    "ItemNote",
    "QueueItem",
    "QueueStatus",
    "Role",
    "School",
    "User",
    "UserSchool",
    "make_engine",
    "session_scope",
]
