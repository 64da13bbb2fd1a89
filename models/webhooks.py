"""Tables for pushed events: each webhook change as received, and each account's webhook health."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Index, Text
from sqlmodel import Field, SQLModel

from models.types import UTCDateTime, utcnow


class EventStatus(StrEnum):
    PENDING = "pending"
    DONE = "done"
    FAILED = "failed"


class WebhookEvent(SQLModel, table=True):
    """One change of a webhook delivery, stored before it is answered 200 and before any work.

    ``dedupe_key`` is a hash of the change and its entry's time, so a delivery Meta retries or
    duplicates is stored once.
    """

    __tablename__ = "webhook_events"
    __table_args__ = (Index("ix_webhook_events_pending", "status", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    dedupe_key: str = Field(unique=True, max_length=64)
    account_id: int = Field(foreign_key="accounts.id", index=True)
    field: str = Field(max_length=32)
    payload: str = Field(sa_type=Text)
    received_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    status: str = Field(default=EventStatus.PENDING.value, max_length=16)
    attempts: int = 0
    processed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_error: str | None = Field(default=None, sa_type=Text)


class WebhookHealth(SQLModel, table=True):
    """Whether an account's webhooks arrive: while they do, its polls slow to reconciling."""

    __tablename__ = "webhook_health"

    account_id: int = Field(foreign_key="accounts.id", primary_key=True)
    last_event_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_reconcile_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    reconcile_cursor: str | None = Field(default=None, sa_type=Text)
    silent_since: datetime | None = Field(default=None, sa_type=UTCDateTime)
    admin_notified_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
