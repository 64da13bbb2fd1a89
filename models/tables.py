"""The SQLModel tables: what Hallmonitor keeps, and for how long it must keep it."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Column, Index, Text, UniqueConstraint
from sqlalchemy import Enum as SAEnum
from sqlmodel import Field, SQLModel

from models.text import original
from models.types import UTCDateTime, utcnow


def _enum(kind: type[StrEnum]) -> Any:
    """Stored as its plain string value, so new members need no database type change."""
    return SAEnum(
        kind,
        native_enum=False,
        length=16,
        values_callable=lambda members: [member.value for member in members],
    )


def _optional_time() -> Any:
    return Field(default=None, sa_type=UTCDateTime)


class Role(StrEnum):
    CHAMPION = "champion"
    DSL = "dsl"
    TRUST_ADMIN = "trust_admin"


class QueueStatus(StrEnum):
    OPEN = "open"
    ESCALATED = "escalated"
    HANDLED = "handled"
    DISMISSED = "dismissed"


class ActionKind(StrEnum):
    HIDE = "hide"
    UNHIDE = "unhide"
    REPLY = "reply"
    PRIVATE_REPLY = "private_reply"
    BLOCK = "block"
    ALERT = "alert"


class ActionStatus(StrEnum):
    PENDING = "pending"
    IN_FLIGHT = "in_flight"
    DONE = "done"
    FAILED = "failed"
    WAITING = "waiting"
    """Refused for the account's token or a permission: goes again once that is fixed."""


class School(SQLModel, table=True):
    """Mirrors a school of the config, so rows elsewhere can point at it."""

    __tablename__ = "schools"

    id: str = Field(primary_key=True, max_length=64)
    name: str = Field(max_length=200)


class Account(SQLModel, table=True):
    """A platform account of a school, with its polling health."""

    __tablename__ = "accounts"
    __table_args__ = (UniqueConstraint("platform", "platform_account_id"),)

    id: int | None = Field(default=None, primary_key=True)
    school_id: str = Field(foreign_key="schools.id", index=True, max_length=64)
    platform: str = Field(max_length=16)
    platform_account_id: str = Field(max_length=128)
    name: str = Field(default="", max_length=200)
    last_poll_at: datetime | None = _optional_time()
    last_success_at: datetime | None = _optional_time()
    last_error: str | None = Field(default=None, sa_type=Text)
    paused_until: datetime | None = _optional_time()
    needs_token: bool = False
    admin_notified_at: datetime | None = _optional_time()
    action_error: str | None = Field(default=None, sa_type=Text)
    """Why hides and replies on this account wait (a token or permission problem), until a
    restart brings the fix; a working poll does not prove the permission to act."""


class Cursor(SQLModel, table=True):
    """Where the last poll of an account stopped; moves only with the comments it covers."""

    __tablename__ = "cursors"

    account_id: int = Field(foreign_key="accounts.id", primary_key=True)
    value: str | None = Field(default=None, sa_type=Text)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class User(SQLModel, table=True):
    __tablename__ = "users"

    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(unique=True, index=True, max_length=254)
    name: str = Field(default="", max_length=200)
    password_hash: str = Field(max_length=255)
    role: Role = Field(sa_type=_enum(Role))
    failed_logins: int = 0
    locked_until: datetime | None = _optional_time()
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class WebSession(SQLModel, table=True):
    """A dashboard sign-in, known to the server so that signing out ends it for every copy
    of the cookie. The row is deleted at sign-out; ``id`` is the SHA-256 of the cookie's id."""

    __tablename__ = "web_sessions"

    id: str = Field(primary_key=True, max_length=64)
    user_id: int = Field(foreign_key="users.id", index=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    seen_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class UserSchool(SQLModel, table=True):
    """Which schools a champion or DSL works for; trust admins need no rows."""

    __tablename__ = "user_schools"

    user_id: int = Field(foreign_key="users.id", primary_key=True)
    school_id: str = Field(foreign_key="schools.id", primary_key=True, max_length=64)


class Comment(SQLModel, table=True):
    """A comment as read, kept as evidence: never deleted."""

    __tablename__ = "comments"
    __table_args__ = (
        UniqueConstraint("platform", "platform_id"),
        Index("ix_comments_author", "platform", "author_id"),
        Index("ix_comments_post", "platform", "post_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    platform: str = Field(max_length=16)
    platform_id: str = Field(max_length=128)
    account_id: int = Field(foreign_key="accounts.id", index=True)
    school_id: str = Field(foreign_key="schools.id", index=True, max_length=64)
    post_id: str = Field(max_length=128)
    post_text: str | None = Field(default=None, sa_type=Text)
    parent_id: str | None = Field(default=None, max_length=128)
    author_id: str = Field(max_length=128)
    author_name: str = Field(default="", max_length=300)
    author_username: str | None = Field(default=None, max_length=300)
    text: str = Field(sa_type=Text)
    permalink: str | None = Field(default=None, sa_type=Text)
    created_at: datetime = Field(sa_type=UTCDateTime)
    fetched_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)
    hidden: bool = False
    as_read_json: str | None = Field(default=None, sa_type=Text)
    """The text fields as the platform sent them, where they had to change to be stored."""

    def as_read(self, name: str) -> str | None:
        """A text field exactly as the platform sent it (``text``, ``post_text``, ...)."""
        kept = original(self.as_read_json, name)
        return kept if kept is not None else getattr(self, name)  # type: ignore[no-any-return]


class Classification(SQLModel, table=True):
    """A label given to a comment by a model, or by a person relabelling it."""

    __tablename__ = "classifications"

    id: int | None = Field(default=None, primary_key=True)
    comment_id: int = Field(foreign_key="comments.id", index=True)
    label: str = Field(max_length=32, index=True)
    scores: dict[str, float] = Field(default_factory=dict, sa_column=Column(JSON))
    reasons: list[str] = Field(default_factory=list, sa_column=Column(JSON))
    model: str = Field(max_length=64)
    version: str = Field(default="", max_length=64)
    relabelled_by: int | None = Field(default=None, foreign_key="users.id")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class QueueItem(SQLModel, table=True):
    """A comment that needs a person, with the suggested response."""

    __tablename__ = "queue_items"
    __table_args__ = (
        Index("ix_queue_open", "status", "priority", "created_at"),
        Index("ix_queue_school_open", "school_id", "status", "priority", "created_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    comment_id: int = Field(foreign_key="comments.id", unique=True)
    school_id: str = Field(foreign_key="schools.id", index=True, max_length=64)
    label: str = Field(max_length=32, index=True)
    status: QueueStatus = Field(default=QueueStatus.OPEN, sa_type=_enum(QueueStatus))
    priority: int = Field(default=9)
    needs_review: bool = False
    suggested_reply: str | None = Field(default=None, sa_type=Text)
    reply_private: bool = False
    suggest_block: bool = False
    assignee_id: int | None = Field(default=None, foreign_key="users.id")
    claimed_at: datetime | None = _optional_time()
    due_at: datetime | None = _optional_time()
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    first_human_action_at: datetime | None = _optional_time()
    assigned_to_id: int | None = Field(default=None, foreign_key="users.id", index=True)
    """A named colleague asked to deal with it; unlike a claim, it does not run out."""


class ItemNote(SQLModel, table=True):
    """An internal note on an item: for colleagues, never sent to the platform."""

    __tablename__ = "item_notes"

    id: int | None = Field(default=None, primary_key=True)
    queue_item_id: int = Field(foreign_key="queue_items.id", index=True)
    user_id: int = Field(foreign_key="users.id")
    text: str = Field(sa_type=Text)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class Action(SQLModel, table=True):
    """The outbox: an action is a row before it is a call."""

    __tablename__ = "actions"
    __table_args__ = (Index("ix_actions_due", "status", "next_attempt_at"),)

    id: int | None = Field(default=None, primary_key=True)
    kind: ActionKind = Field(sa_type=_enum(ActionKind))
    status: ActionStatus = Field(default=ActionStatus.PENDING, sa_type=_enum(ActionStatus))
    idempotency_key: str = Field(unique=True, max_length=200)
    account_id: int | None = Field(default=None, foreign_key="accounts.id", index=True)
    comment_id: int | None = Field(default=None, foreign_key="comments.id", index=True)
    queue_item_id: int | None = Field(default=None, foreign_key="queue_items.id", index=True)
    payload: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON))
    requested_by: int | None = Field(default=None, foreign_key="users.id")
    attempts: int = 0
    next_attempt_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    last_error: str | None = Field(default=None, sa_type=Text)
    result_ref: str | None = Field(default=None, max_length=200)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    done_at: datetime | None = _optional_time()


class AuditEntry(SQLModel, table=True):
    """Who did what to which item, when. Append-only."""

    __tablename__ = "audit_log"

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)
    user_id: int | None = Field(default=None, foreign_key="users.id")
    actor: str = Field(max_length=254)
    action: str = Field(max_length=64)
    school_id: str | None = Field(default=None, max_length=64, index=True)
    queue_item_id: int | None = Field(default=None, foreign_key="queue_items.id", index=True)
    comment_id: int | None = Field(default=None, foreign_key="comments.id")
    detail: str = Field(default="", sa_type=Text)


class FollowerSnapshotRow(SQLModel, table=True):
    __tablename__ = "follower_snapshots"

    id: int | None = Field(default=None, primary_key=True)
    account_id: int = Field(foreign_key="accounts.id", index=True)
    taken_at: datetime = Field(sa_type=UTCDateTime, index=True)
    followers_count: int
    fan_count: int | None = None


class FollowerRow(SQLModel, table=True):
    """One follower in a snapshot, where the platform gives the list (X)."""

    __tablename__ = "followers"

    id: int | None = Field(default=None, primary_key=True)
    snapshot_id: int = Field(foreign_key="follower_snapshots.id", index=True)
    follower_id: str = Field(max_length=128)
    name: str = Field(default="", max_length=300)
    username: str | None = Field(default=None, max_length=300)
    description: str | None = Field(default=None, sa_type=Text)
