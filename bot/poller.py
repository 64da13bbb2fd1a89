"""The poll job of one account: fetch, store, process, and keep the account's health.

Like a Home Assistant coordinator it logs a failure once and the recovery once. A dead token
or a missing permission pauses the account with growing back-off and tells the trust admin
once; a rate limit moves the next poll to after the stated wait.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Engine
from sqlmodel import Session

from bot.alerts import account_label
from bot.outbox import enqueue
from bot.pipeline import Outcome, Pipeline, load_cursor
from connectors import AuthError, Connector, ConnectorError, PermissionMissing, RateLimited
from models import Account, ActionKind, session_scope
from models.types import utcnow

_LOGGER = logging.getLogger(__name__)
FIRST_PAUSE = timedelta(minutes=15)
LONGEST_PAUSE = timedelta(hours=6)

_ADVICE = {
    AuthError: (
        "the access token has expired or been revoked",
        "Make a new token (README: Connecting real accounts), put it in the account's token "
        "environment variable and restart Hallmonitor; polling resumes by itself.",
    ),
    PermissionMissing: (
        "the token is missing a permission",
        "Grant the permissions listed in the README (Connecting real accounts) to the app, "
        "make a new token and restart Hallmonitor.",
    ),
}


@dataclass(frozen=True, slots=True)
class PollReport:
    account_id: int
    fetched: int = 0
    stored: int = 0
    outcomes: tuple[Outcome, ...] = ()
    skipped: str | None = None
    error: str | None = None
    retry_after: float | None = None


class Poller:
    def __init__(
        self,
        engine: Engine,
        pipeline: Pipeline,
        connectors: Mapping[int, Connector],
        *,
        wake_outbox: Callable[[], None] = lambda: None,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self._engine = engine
        self._pipeline = pipeline
        self._connectors = connectors
        self._wake_outbox = wake_outbox
        self._clock = clock

    async def poll(self, account_id: int) -> PollReport:
        connector = self._connectors.get(account_id)
        if connector is None:
            return PollReport(account_id, skipped="no connector (token variable not set?)")
        cursor, paused = await asyncio.to_thread(load_cursor, self._engine, account_id)
        if paused is not None and paused > self._clock():
            return PollReport(account_id, skipped=f"paused until {paused.isoformat()}")
        try:
            result = await connector.fetch_comments(cursor)
        except ConnectorError as exc:
            return await asyncio.to_thread(self._failed, account_id, exc)
        stored = await self._pipeline.store(account_id, result, also=self._succeeded)
        outcomes = await self._pipeline.process(
            account_id, connector.capabilities, on_actions=self._wake_outbox
        )
        return PollReport(account_id, len(result.comments), stored, tuple(outcomes))

    async def process_backlog(self, account_id: int) -> None:
        """Finish comments a crash left stored but unprocessed, before the first poll."""
        connector = self._connectors.get(account_id)
        if connector is not None:
            await self._pipeline.process(
                account_id, connector.capabilities, on_actions=self._wake_outbox
            )

    def _succeeded(self, account: Account) -> None:
        """Recorded in the same transaction as the comments the poll read."""
        now = self._clock()
        if account.last_error is not None:
            _LOGGER.info("polling works again", extra={"account": account_label(account)})
        account.last_poll_at = account.last_success_at = now
        account.last_error = None
        account.paused_until = None
        account.needs_token = False
        account.admin_notified_at = None

    def _failed(self, account_id: int, exc: ConnectorError) -> PollReport:
        now = self._clock()
        with session_scope(self._engine) as session:
            account = session.get(Account, account_id, with_for_update=True)  # see worker._hold
            assert account is not None
            label = account_label(account)
            message = f"{type(exc).__name__}: {exc}"
            if account.last_error != message:
                _LOGGER.warning("poll failed: %s", message, extra={"account": label})
            pause = _next_pause(account)
            account.last_poll_at = now
            account.last_error = message
            retry_after: float | None = None
            if isinstance(exc, RateLimited):
                retry_after = exc.retry_after
                account.paused_until = now + timedelta(seconds=exc.retry_after)
            elif isinstance(exc, AuthError | PermissionMissing):
                account.needs_token = isinstance(exc, AuthError)
                account.paused_until = now + pause
                retry_after = pause.total_seconds()
                if account.admin_notified_at is None:
                    notify_admin(session, account, exc, now)
                    self._wake_outbox()
            return PollReport(account_id, error=message, retry_after=retry_after)


def notify_admin(
    session: Session, account: Account, exc: ConnectorError, now: datetime, *, acting: bool = False
) -> None:
    """Queue the trust admin's email about the account; ``acting``: hides and replies wait."""
    problem, advice = _ADVICE[AuthError if isinstance(exc, AuthError) else PermissionMissing]
    enqueue(
        session,
        ActionKind.ALERT,
        key=f"alert:health:{account.id}:{'act:' if acting else ''}{now.isoformat()}",
        account_id=account.id,
        payload={
            "reason": "account_health",
            "account": account_label(account),
            "problem": problem,
            "advice": advice,
            "acting": acting,
        },
    )
    account.admin_notified_at = now


def action_refused(session: Session, account: Account, exc: ConnectorError, now: datetime) -> None:
    """A hide or reply refused for the token or a permission: mark the account, tell the admin
    once. A dead token pauses polling too; a missing permission to act does not (reading
    still works, and safeguarding alerts depend on it)."""
    message = f"{type(exc).__name__}: {exc}"
    first = account.action_error is None
    account.action_error = message
    if isinstance(exc, AuthError) and not account.needs_token:
        account.paused_until = now + _next_pause(account)
        account.needs_token = True
        account.last_error = message
    if first and account.admin_notified_at is None:
        notify_admin(session, account, exc, now, acting=True)


def _next_pause(account: Account) -> timedelta:
    """Double the last pause, from 15 minutes up to 6 hours."""
    if account.paused_until is None or account.last_poll_at is None:
        return FIRST_PAUSE
    previous = account.paused_until - account.last_poll_at
    return min(max(previous * 2, FIRST_PAUSE), LONGEST_PAUSE)
