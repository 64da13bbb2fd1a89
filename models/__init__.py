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
    QueueItem,
    QueueStatus,
    Role,
    School,
    User,
    UserSchool,
    WebSession,
)
from models.webhooks import EventStatus, WebhookEvent, WebhookHealth

__all__ = [
    "Account",
    "Action",
    "ActionKind",
    "ActionStatus",
    "AuditEntry",
    "Classification",
    "Comment",
    "Cursor",
    "EventStatus",
    "FollowerRow",
    "FollowerSnapshotRow",
    "QueueItem",
    "QueueStatus",
    "Role",
    "School",
    "User",
    "UserSchool",
    "WebSession",
    "WebhookEvent",
    "WebhookHealth",
    "make_engine",
    "session_scope",
]
