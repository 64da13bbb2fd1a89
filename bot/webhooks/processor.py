"""Stored webhook changes into comments, through the same pipeline the poll uses.

Comments are stored idempotently by platform id, so a change processed twice (a crash
between storing its comment and marking it done) adds nothing. Accounts are processed
concurrently, so one busy account does not hold up the others' hides and alerts.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine
from sqlmodel import Session, col, select

from bot import audit
from bot.pipeline import Pipeline
from connectors import Connector, ConnectorError, FetchResult, Platform
from connectors.graph_connector import GraphConnector
from connectors.instagram import InstagramConnector
from connectors.meta_webhooks import ChangeKind, CommentChange, MalformedDelivery, read_change
from connectors.records import Comment as CommentRecord
from models import Account, Comment, EventStatus, WebhookEvent, session_scope
from models.types import utcnow

_LOGGER = logging.getLogger(__name__)
MAX_ATTEMPTS = 5


@dataclass(frozen=True, slots=True)
class _Pending:
    id: int
    account_id: int
    platform: Platform
    platform_account_id: str
    field: str
    payload: str


@dataclass
class _Work:
    """One account's share of a batch of changes."""

    account_id: int
    comments: dict[str, CommentRecord]
    updates: list[CommentChange]
    done: list[int]
    fetch: dict[int, CommentChange]
    retry: dict[int, str]


class WebhookProcessor:
    """Drains stored changes: store their comments, apply hides and edits, classify, act."""

    def __init__(
        self,
        engine: Engine,
        pipeline: Pipeline,
        connectors: Mapping[int, Connector],
        *,
        wake_outbox: Callable[[], None] = lambda: None,
        clock: Callable[[], datetime] = utcnow,
        batch_size: int = 500,
        concurrency: int = 8,
    ) -> None:
        self._engine = engine
        self._pipeline = pipeline
        self._connectors = connectors
        self._wake_outbox = wake_outbox
        self._clock = clock
        self._batch_size = batch_size
        self._slots = asyncio.Semaphore(concurrency)
        self._wake = asyncio.Event()
        self._lock = asyncio.Lock()
        self._again: set[int] = set()
        """Accounts whose classification failed: classified again on the next drain."""

    def wake(self) -> None:
        self._wake.set()

    async def run(self, retry_every: float = 30.0) -> None:
        """Drain whenever woken, and every ``retry_every`` seconds for the changes whose comment
        could not be read yet, until cancelled; a failing drain is logged and retried."""
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=retry_every)
            self._wake.clear()
            try:
                await self.drain()
            except Exception:  # the task's edge: the receiver keeps storing, the next wake retries
                _LOGGER.exception("processing webhook events failed")

    async def drain(self) -> int:
        """Process pending changes until none is left; returns how many were handled.

        Accounts run side by side, and an account that finishes picks up what arrived for it
        meanwhile at once, without waiting for the slowest account of its batch.
        """
        handled = 0
        tried: set[int] = set()  # changes whose comment could not be read: next drain
        running: dict[int, asyncio.Task[_Work]] = {}
        again = True  # accounts whose classification failed last time: one more try per drain
        async with self._lock:
            try:
                while True:
                    pending = await asyncio.to_thread(self._load, set(running), tried)
                    for account_id, work in self._sort(pending).items():
                        running[account_id] = asyncio.create_task(self._account(work))
                    if not running and self._again and again:
                        again = False
                        for account_id in self._again:
                            work = _Work(account_id, {}, [], [], {}, {})
                            running[account_id] = asyncio.create_task(self._account(work))
                        self._again = set()
                    if not running:
                        return handled
                    finished, _ = await asyncio.wait(
                        running.values(), return_when=asyncio.FIRST_COMPLETED
                    )
                    for account_id, task in list(running.items()):
                        if task in finished:
                            del running[account_id]
                            work = task.result()
                            handled += len(work.done)
                            tried.update(work.retry)
            finally:
                for task in running.values():
                    task.cancel()

    def _load(self, busy: set[int], tried: set[int]) -> list[_Pending]:
        """The oldest pending changes, but none of accounts being processed or tried already."""
        with Session(self._engine) as session:
            rows = session.exec(
                select(WebhookEvent, Account)
                .join(Account, col(Account.id) == col(WebhookEvent.account_id))
                .where(
                    WebhookEvent.status == EventStatus.PENDING.value,
                    col(WebhookEvent.account_id).not_in(busy),
                    col(WebhookEvent.id).not_in(tried),
                )
                .order_by(col(WebhookEvent.id))
                .limit(self._batch_size)
            ).all()
            return [
                _Pending(
                    event.id or 0,
                    event.account_id,
                    Platform(account.platform),
                    account.platform_account_id,
                    event.field,
                    event.payload,
                )
                for event, account in rows
            ]

    def _sort(self, pending: list[_Pending]) -> dict[int, _Work]:
        work: dict[int, _Work] = {}
        for event in pending:
            share = work.setdefault(event.account_id, _Work(event.account_id, {}, [], [], {}, {}))
            try:
                change = read_change(
                    event.platform, event.platform_account_id, event.field, event.payload
                )
            except MalformedDelivery as exc:
                _LOGGER.warning("skipping a webhook change: %s", exc, extra={"event": event.id})
                share.done.append(event.id)
                continue
            if change is None:
                share.done.append(event.id)
                continue
            share.updates.append(change)
            if change.comment is None and change.kind in (ChangeKind.ADD, ChangeKind.EDIT):
                share.fetch[event.id] = change
                continue
            if change.comment is not None and (
                change.kind is ChangeKind.EDIT or change.comment_id not in share.comments
            ):
                share.comments[change.comment_id] = change.comment  # an edit's text wins
            share.done.append(event.id)
        return work

    async def _account(self, work: _Work) -> _Work:
        """Store (a few accounts at a time), then classify: every account waiting for the
        model at once, so the classifier process can batch their texts together."""
        async with self._slots:
            try:
                await self._fetch_missing(work)
                if work.comments:
                    result = FetchResult(tuple(work.comments.values()), None)
                    await self._pipeline.store(work.account_id, result)
                await asyncio.to_thread(self._finish, work)
            except Exception:  # the task's edge: its changes stay pending for the next drain
                _LOGGER.exception(
                    "processing webhook changes failed", extra={"account": work.account_id}
                )
                work.retry.update(dict.fromkeys(work.done, "failed"))
                work.done.clear()
                return work
        connector = self._connectors.get(work.account_id)
        if connector is None:
            return work
        try:
            await self._pipeline.process(
                work.account_id, connector.capabilities, on_actions=self._wake_outbox
            )
        except Exception:  # the task's edge: the comments are stored; the next pass classifies
            _LOGGER.exception(
                "classifying webhook comments failed", extra={"account": work.account_id}
            )
            self._again.add(work.account_id)
        return work

    async def _fetch_missing(self, work: _Work) -> None:
        """Read by id the comments whose change carried too little."""
        connector = self._connectors.get(work.account_id)
        for event_id, change in work.fetch.items():
            try:
                if change.mention and isinstance(connector, InstagramConnector):
                    comment = await connector.fetch_mention(change.comment_id)
                elif isinstance(connector, GraphConnector):
                    comment = await connector.fetch_comment(change.comment_id, change.post_id)
                else:
                    raise ConnectorError("no connector for this account")
            except ConnectorError as exc:
                work.retry[event_id] = f"{type(exc).__name__}: {exc}"
                continue
            if comment.author.id != connector.account_id:
                work.comments.setdefault(comment.id, comment)
            work.done.append(event_id)

    def _finish(self, work: _Work) -> None:
        """Hides, unhides, edits and removals, and the changes marked done, in one transaction."""
        now = self._clock()
        with session_scope(self._engine) as session:
            ids = {c.comment_id for c in work.updates}
            stored = {
                row.platform_id: row
                for row in session.exec(
                    select(Comment).where(
                        Comment.account_id == work.account_id, col(Comment.platform_id).in_(ids)
                    )
                )
            }
            for change in work.updates:
                row = stored.get(change.comment_id)
                if row is not None:
                    _apply(session, row, change)
            events = {
                row.id: row
                for row in session.exec(
                    select(WebhookEvent).where(col(WebhookEvent.id).in_([*work.done, *work.retry]))
                )
            }
            for event_id in work.done:
                events[event_id].status = EventStatus.DONE.value
                events[event_id].processed_at = now
            for event_id, error in work.retry.items():
                event = events[event_id]
                event.attempts += 1
                event.last_error = error
                if event.attempts >= MAX_ATTEMPTS:
                    event.status = EventStatus.FAILED.value
                    _LOGGER.warning(
                        "gave up reading a webhook's comment: %s (the next poll reads it)",
                        error,
                        extra={"account": work.account_id},
                    )


def _apply(session: Session, row: Comment, change: CommentChange) -> None:
    """What a change says happened to a stored comment on the platform; evidence is kept."""
    if change.kind is ChangeKind.EDIT and change.comment and change.comment.text != row.text:
        audit.record(
            session,
            "edited_on_platform",
            school_id=row.school_id,
            comment_id=row.id,
            detail=f"was: {row.text}",
        )
        row.text = change.comment.text.replace("\x00", "\ufffd")
    elif change.kind in (ChangeKind.HIDE, ChangeKind.UNHIDE):
        row.hidden = change.kind is ChangeKind.HIDE
    elif change.kind is ChangeKind.REMOVE:
        audit.record(
            session,
            "removed_on_platform",
            school_id=row.school_id,
            comment_id=row.id,
            detail="the comment was removed on the platform; the stored copy is kept",
        )
