"""Webhook changes kept before anything acts on them: one transaction per delivery."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from connectors.meta_webhooks import WebhookChange
from connectors.records import Platform
from models import EventStatus, WebhookEvent, WebhookHealth, session_scope

AccountKey = tuple[Platform, str]


@dataclass(frozen=True, slots=True)
class Stored:
    """What one delivery added: new changes, repeats of stored ones, and entries for no account."""

    added: int
    repeated: int
    unknown: frozenset[AccountKey]


def store_changes(
    engine: Engine,
    changes: list[WebhookChange],
    accounts: Mapping[AccountKey, int],
    now: datetime,
) -> Stored:
    """Keep each change not stored before, and note when each account last heard from Meta.

    A repeat (Meta's retry, a duplicate, a concurrent delivery of the same change) is
    recognised by its key; a race between two deliveries ends in one row.
    """
    try:
        return _store(engine, changes, accounts, now)
    except IntegrityError:  # the same change stored by a concurrent request: read it again
        return _store(engine, changes, accounts, now)


def _store(
    engine: Engine,
    changes: list[WebhookChange],
    accounts: Mapping[AccountKey, int],
    now: datetime,
) -> Stored:
    unknown = frozenset(
        (c.platform, c.account_id) for c in changes if (c.platform, c.account_id) not in accounts
    )
    known = [c for c in changes if (c.platform, c.account_id) in accounts]
    with session_scope(engine) as session:
        keys = {c.dedupe_key for c in known}
        seen = set(
            session.exec(
                select(WebhookEvent.dedupe_key).where(col(WebhookEvent.dedupe_key).in_(keys))
            ).all()
        )
        added = 0
        heard: set[int] = set()
        for change in known:
            account_id = accounts[(change.platform, change.account_id)]
            heard.add(account_id)
            if change.dedupe_key in seen:
                continue
            seen.add(change.dedupe_key)
            session.add(
                WebhookEvent(
                    dedupe_key=change.dedupe_key,
                    account_id=account_id,
                    field=change.field,
                    payload=change.payload,
                    received_at=now,
                )
            )
            added += 1
        for account_id in heard:
            _heard(session, account_id, now)
    return Stored(added, len(known) - added, unknown)


def _heard(session: Session, account_id: int, now: datetime) -> None:
    health = session.get(WebhookHealth, account_id)
    if health is None:
        health = WebhookHealth(account_id=account_id)
        session.add(health)
    health.last_event_at = now
    health.silent_since = None
    health.admin_notified_at = None


def pending_count(engine: Engine) -> int:
    with Session(engine) as session:
        return len(
            session.exec(
                select(WebhookEvent.id).where(WebhookEvent.status == EventStatus.PENDING.value)
            ).all()
        )
