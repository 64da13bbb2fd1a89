"""Polling as the safety net: slowed to reconciling while an account's webhooks arrive.

An account whose webhooks are healthy (an event within ``silent_after_hours``) is polled
every ``reconcile_minutes`` with the connector's :meth:`~connectors.Connector.reconcile`,
which finds comments on posts of any age. When its webhooks fall silent it is polled at its
normal interval again and the trust admin is told, once per silent spell.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import Engine
from sqlmodel import Session

from bot.alerts import account_label
from bot.outbox import enqueue
from bot.pipeline import Pipeline, load_cursor
from bot.poller import PollReport
from bot.webhooks.settings import WebhooksConfig
from connectors import Connector, ConnectorError
from models import Account, ActionKind, WebhookHealth, session_scope
from models.types import utcnow

_LOGGER = logging.getLogger(__name__)


class Mode(StrEnum):
    POLL = "poll"
    RECONCILE = "reconcile"
    WAIT = "wait"


@dataclass(frozen=True, slots=True)
class Plan:
    mode: Mode
    state: str | None = None


class Reconciler:
    """Decides, per poll, whether to poll, reconcile or wait; runs the reconcile."""

    def __init__(
        self,
        engine: Engine,
        pipeline: Pipeline,
        connectors: Mapping[int, Connector],
        settings: WebhooksConfig,
        *,
        wake_outbox: Callable[[], None] = lambda: None,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self._engine = engine
        self._pipeline = pipeline
        self._connectors = connectors
        self._settings = settings
        self._wake_outbox = wake_outbox
        self._clock = clock

    async def poll(
        self, account_id: int, poll: Callable[[int], Awaitable[PollReport]]
    ) -> PollReport:
        """``poll`` (the normal one) when webhooks are silent; otherwise reconcile or wait."""
        plan = await asyncio.to_thread(self.plan, account_id)
        if plan.mode is Mode.WAIT:
            return PollReport(account_id, skipped="webhooks healthy: reconciling less often")
        if plan.mode is Mode.POLL:
            return await poll(account_id)
        connector = self._connectors.get(account_id)
        if connector is None:
            return await poll(account_id)
        cursor, paused = await asyncio.to_thread(load_cursor, self._engine, account_id)
        if paused is not None and paused > self._clock():
            return PollReport(account_id, skipped=f"paused until {paused.isoformat()}")
        try:
            result, state = await connector.reconcile(cursor, plan.state)
        except ConnectorError:
            return await poll(account_id)  # the poll records the failure as it always does
        stored = await self._pipeline.store(account_id, result, also=self._reconciled)
        await asyncio.to_thread(self._save_state, account_id, state)
        outcomes = await self._pipeline.process(
            account_id, connector.capabilities, on_actions=self._wake_outbox
        )
        return PollReport(account_id, len(result.comments), stored, tuple(outcomes))

    def plan(self, account_id: int) -> Plan:
        now = self._clock()
        with session_scope(self._engine) as session:
            health = session.get(WebhookHealth, account_id)
            if health is None or health.last_event_at is None:
                return Plan(Mode.POLL)
            if now - health.last_event_at > timedelta(hours=self._settings.silent_after_hours):
                if health.silent_since is None:
                    health.silent_since = now
                    self._tell_admin(session, account_id, health, now)
                return Plan(Mode.POLL)
            every = timedelta(minutes=self._settings.reconcile_minutes)
            if health.last_reconcile_at is not None and now - health.last_reconcile_at < every:
                return Plan(Mode.WAIT)
            health.last_reconcile_at = now
            return Plan(Mode.RECONCILE, health.reconcile_cursor)

    def _tell_admin(
        self, session: Session, account_id: int, health: WebhookHealth, now: datetime
    ) -> None:
        account = session.get(Account, account_id)
        if account is None or health.admin_notified_at is not None:
            return
        label = account_label(account)
        _LOGGER.warning("webhooks silent: polling at the normal interval", extra={"account": label})
        enqueue(
            session,
            ActionKind.ALERT,
            key=f"alert:webhooks:{account_id}:{now.isoformat()}",
            account_id=account_id,
            payload={"reason": "webhooks_silent", "account": label},
        )
        health.admin_notified_at = now
        self._wake_outbox()

    def _reconciled(self, account: Account) -> None:
        """Recorded with the comments the reconcile read, as a successful poll is."""
        account.last_poll_at = account.last_success_at = self._clock()

    def _save_state(self, account_id: int, state: str | None) -> None:
        with session_scope(self._engine) as session:
            health = session.get(WebhookHealth, account_id)
            if health is not None:
                health.reconcile_cursor = state
