"""The outbox worker: executes hide, reply, block and alert rows, each exactly once.

A row is marked ``in_flight`` (and its attempt counted) in its own transaction before the
call. After a crash, ``recover`` puts in-flight rows back to pending; a reply whose earlier
attempt may have reached the platform is looked for there before it is sent again.
"""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta

import aiohttp
from sqlalchemy import Engine, update
from sqlmodel import Session, col, select

from bot import audit
from bot.alerts import UNDELIVERED, Alert, AlertError, compose
from bot.config import Config
from bot.labels import Label
from bot.notify import Mailer, NotifyError, post_webhook
from bot.outbox import enqueue
from bot.outbox_status import plain_reason
from bot.poller import action_refused
from connectors import Connector, ConnectorError, RetryPolicy
from connectors.errors import (
    AlreadyDone,
    AuthError,
    PermissionMissing,
    RateLimited,
    TransientError,
)
from models import (
    Account,
    Action,
    ActionKind,
    ActionStatus,
    Comment,
    QueueItem,
    QueueStatus,
    session_scope,
)
from models.types import utcnow

_LOGGER = logging.getLogger(__name__)
_REPLIES = frozenset({ActionKind.REPLY, ActionKind.PRIVATE_REPLY})
OUTBOX_POLICY = RetryPolicy(
    max_attempts=8, first_delay=5.0, backoff=2.0, max_delay=1800.0, max_stated_wait=6 * 3600.0
)
ALERT_BACK_OFF = RetryPolicy(first_delay=5.0, backoff=2.0, max_delay=300.0)
"""An alert is retried until it goes: every 5 minutes at most, however long SMTP is away."""


_Claimed = tuple[Action, Comment | None]


class _Retry(Exception):
    """The action failed in a way worth trying again later."""

    def __init__(self, reason: str, delay: float) -> None:
        super().__init__(reason)
        self.delay = delay


class OutboxWorker:
    def __init__(
        self,
        engine: Engine,
        config: Config,
        connectors: Mapping[int, Connector],
        mailer: Mailer,
        *,
        http: aiohttp.ClientSession | None = None,
        clock: Callable[[], datetime] = utcnow,
        policy: RetryPolicy = OUTBOX_POLICY,
        batch: int = 50,
        concurrency: int = 8,
    ) -> None:
        self._engine = engine
        self._config = config
        self._connectors = connectors
        self._mailer = mailer
        self._http = http
        self._clock = clock
        self._policy = policy
        self._batch = batch
        self._lock = asyncio.Lock()
        self._slots = asyncio.Semaphore(concurrency)

    def recover(self) -> int:
        """Put rows left in flight by a crash back in the queue; returns how many."""
        with session_scope(self._engine) as session:
            result = session.execute(
                update(Action)
                .where(col(Action.status) == ActionStatus.IN_FLIGHT)
                .values(status=ActionStatus.PENDING)
            )
            count = int(getattr(result, "rowcount", 0) or 0)
        if count:
            _LOGGER.warning("recovered %d actions left in flight by a previous run", count)
        return count

    async def drain(self) -> int:
        """Execute every action that is due now; returns how many were attempted.

        Actions on different comments run side by side (platform calls are slow); those on
        the same comment run in order, so a hide and a later unhide never cross.
        """
        async with self._lock:
            attempted = 0
            while True:
                claimed = await asyncio.to_thread(self._claim)
                if not claimed:
                    return attempted
                by_comment: dict[object, list[_Claimed]] = defaultdict(list)
                for action, comment in claimed:
                    key = action.comment_id if action.comment_id is not None else ("a", action.id)
                    by_comment[key].append((action, comment))
                await asyncio.gather(*(self._run_in_order(c) for c in by_comment.values()))
                attempted += len(claimed)

    async def _run_in_order(self, claimed: list[_Claimed]) -> None:
        async with self._slots:
            for action, comment in claimed:
                await self._run(action, comment)

    def _claim(self) -> list[_Claimed]:
        """Due actions, marked in flight, with their comments: read once for the whole batch."""
        now = self._clock()
        with session_scope(self._engine) as session:
            rows = session.exec(
                select(Action)
                .where(Action.status == ActionStatus.PENDING, Action.next_attempt_at <= now)
                .order_by(col(Action.kind) != ActionKind.ALERT, col(Action.id))
                .limit(self._batch)
            ).all()
            for action in rows:
                action.status = ActionStatus.IN_FLIGHT
                action.attempts += 1
                action.updated_at = now
            ids = {action.comment_id for action in rows if action.comment_id is not None}
            comments: dict[int | None, Comment] = {}
            if ids:
                found = session.exec(select(Comment).where(col(Comment.id).in_(ids)))
                comments = {comment.id: comment for comment in found}
            return [(action, comments.get(action.comment_id or -1)) for action in rows]

    async def _run(self, action: Action, comment: Comment | None) -> None:
        assert action.id is not None
        action_id = action.id
        try:
            result_ref = await self._execute(action, comment)
        except _Retry as retry:
            await asyncio.to_thread(
                self._finish, action_id, ActionStatus.PENDING, str(retry), delay=retry.delay
            )
        except (AuthError, PermissionMissing) as exc:
            await asyncio.to_thread(self._hold, action_id, exc)
        except (ConnectorError, NotifyError, AlertError) as exc:
            await asyncio.to_thread(self._finish, action_id, ActionStatus.FAILED, _reason(exc))
        else:
            await asyncio.to_thread(
                self._finish, action_id, ActionStatus.DONE, None, result_ref=result_ref
            )

    async def _execute(self, action: Action, comment: Comment | None) -> str | None:
        if action.kind is ActionKind.ALERT:
            try:
                return await self._alert(action)
            except NotifyError as exc:
                if exc.temporary:
                    raise _Retry(_reason(exc), ALERT_BACK_OFF.back_off(action.attempts)) from exc
                raise
        connector = self._connectors.get(action.account_id or -1)
        if connector is None:
            raise AlertError("the account is no longer configured")
        try:
            return await self._platform_call(action, comment, connector)
        except AlreadyDone:
            return "already done on the platform"
        except ConnectorError as exc:
            delay = self._policy.delay_for(exc, action.attempts)
            if delay is not None:
                raise _Retry(_reason(exc), delay) from exc
            if isinstance(exc, RateLimited | TransientError):
                raise ConnectorError(f"gave up after {action.attempts} attempts") from exc
            raise

    async def _platform_call(
        self, action: Action, comment: Comment | None, connector: Connector
    ) -> str | None:
        kind = action.kind
        if kind is ActionKind.BLOCK:
            author = str(action.payload.get("author_id") or (comment.author_id if comment else ""))
            await connector.block(author)
            return None
        if comment is None:
            raise AlertError("the action's comment is not stored")
        if kind in (ActionKind.HIDE, ActionKind.UNHIDE):
            await connector.hide(comment.platform_id, hidden=kind is ActionKind.HIDE)
            await asyncio.to_thread(self._set_hidden, comment.id, kind is ActionKind.HIDE)
            return None
        text = str(action.payload["text"])
        private = kind is ActionKind.PRIVATE_REPLY
        if action.attempts > 1:
            earlier = await connector.find_reply(comment.platform_id, text, private=private)
            if earlier is not None:
                _LOGGER.info(
                    "reply found on the platform; not sending again",
                    extra={"action": action.id, "comment": comment.id},
                )
                return earlier.id
        return await connector.reply(comment.platform_id, text, private=private)

    async def _alert(self, action: Action) -> str | None:
        alert = await asyncio.to_thread(self._compose, action)
        if action.attempts > 1 and self._mailer.already_sent(alert.message_id):
            return "already sent"
        if action.payload.get("reason") == UNDELIVERED:
            return await self._tell_admin(alert)
        await self._mailer.send(alert.email)
        if alert.webhook_url and alert.webhook_text and self._http is not None:
            try:
                await post_webhook(self._http, alert.webhook_url, alert.webhook_text)
            except NotifyError as exc:
                _LOGGER.warning("webhook failed: %s", exc, extra={"action": action.id})
        return alert.message_id

    async def _tell_admin(self, alert: Alert) -> str:
        """The notice of an undelivered alert: by the admin's webhook and by email; one will do."""
        routes: list[str] = []
        errors: list[NotifyError] = []
        if alert.webhook_url and alert.webhook_text and self._http is not None:
            try:
                await post_webhook(self._http, alert.webhook_url, alert.webhook_text)
                routes.append("webhook")
            except NotifyError as exc:
                errors.append(exc)
        if alert.email.to:
            try:
                await self._mailer.send(alert.email)
                routes.append("email")
            except NotifyError as exc:
                errors.append(exc)
        if routes:
            return "trust admin told by " + " and ".join(routes)
        raise NotifyError(
            "; ".join(str(exc) for exc in errors) or "no route to the trust admin",
            temporary=any(exc.temporary for exc in errors),
        )

    def _compose(self, action: Action) -> Alert:
        with Session(self._engine) as session:
            return compose(session, action, self._config)

    def _set_hidden(self, comment_id: int | None, hidden: bool) -> None:
        with session_scope(self._engine) as session:
            comment = session.get(Comment, comment_id)
            if comment is not None:
                comment.hidden = hidden

    def _hold(self, action_id: int, exc: AuthError | PermissionMissing) -> None:
        """Keep the action until the account works again, and mark the account."""
        now = self._clock()
        with session_scope(self._engine) as session:
            action = session.get(Action, action_id)
            assert action is not None
            action.status = ActionStatus.WAITING
            action.last_error = _reason(exc)
            action.updated_at = now
            # Locked: two hides refused side by side must tell the admin once, not twice.
            account = session.get(Account, action.account_id, with_for_update=True)
            if account is not None:
                action_refused(session, account, exc, now)
            _reopen(session, action, now)
        _LOGGER.warning(
            "%s waits for the account: %s",
            action.kind.value,
            action.last_error,
            extra={"action": action_id, "comment": action.comment_id},
        )

    def _finish(
        self,
        action_id: int,
        status: ActionStatus,
        error: str | None,
        *,
        delay: float = 0.0,
        result_ref: str | None = None,
    ) -> None:
        now = self._clock()
        with session_scope(self._engine) as session:
            action = session.get(Action, action_id)
            assert action is not None
            action.status = status
            action.last_error = error
            action.updated_at = now
            if status is ActionStatus.PENDING:
                action.next_attempt_at = now + timedelta(seconds=delay)
            if status is ActionStatus.DONE:
                action.done_at = now
                action.result_ref = result_ref
            if status is ActionStatus.FAILED or status is ActionStatus.DONE:
                _record(session, action)
            if status is ActionStatus.FAILED:
                _reopen(session, action, now)
            if status is not ActionStatus.DONE and self._undelivered_too_long(action, now):
                _tell_admin_later(session, action, now)
        log = _LOGGER.warning if status is ActionStatus.FAILED else _LOGGER.info
        log(
            "%s %s: %s",
            action.kind.value,
            status.value,
            error or "ok",
            extra={"action": action_id, "comment": action.comment_id},
        )

    def _undelivered_too_long(self, action: Action, now: datetime) -> bool:
        if action.kind is not ActionKind.ALERT or action.payload.get("reason") == UNDELIVERED:
            return False
        waited = now - action.created_at
        limit = timedelta(minutes=self._config.email.undelivered_alert_minutes)
        return action.status is ActionStatus.FAILED or waited >= limit


def _tell_admin_later(session: Session, action: Action, now: datetime) -> None:
    """Queue the notice to the trust admin, once per alert (its key says which)."""
    notice = enqueue(
        session,
        ActionKind.ALERT,
        key=f"alert:undelivered:{action.id}",
        account_id=action.account_id,
        payload={"reason": UNDELIVERED, "alert_id": action.id},
    )
    if notice.attempts == 0:  # due now by the worker's clock, not by the wall's
        notice.next_attempt_at = min(notice.next_attempt_at, now)


def _reopen(session: Session, action: Action, now: datetime) -> None:
    """A reply that did not go leaves the parent unanswered: the item is not handled."""
    if action.kind not in _REPLIES or action.queue_item_id is None:
        return
    item = session.get(QueueItem, action.queue_item_id)
    if item is None or item.status is not QueueStatus.HANDLED:
        return
    safeguarding = item.label == Label.SAFEGUARDING.value
    item.status = QueueStatus.ESCALATED if safeguarding else QueueStatus.OPEN
    item.updated_at = now
    comment = session.get(Comment, action.comment_id) if action.comment_id else None
    reason = plain_reason(action.last_error, comment.platform if comment else "the platform")
    audit.record(
        session,
        "reopened",
        school_id=item.school_id,
        queue_item_id=item.id,
        comment_id=action.comment_id,
        detail=f"the reply was not sent: {reason}",
    )


def _record(session: Session, action: Action) -> None:
    item = session.get(QueueItem, action.queue_item_id) if action.queue_item_id else None
    outcome = "done" if action.status is ActionStatus.DONE else f"failed: {action.last_error}"
    audit.record(
        session,
        f"{action.kind.value}_{'done' if action.status is ActionStatus.DONE else 'failed'}",
        school_id=item.school_id if item else None,
        queue_item_id=action.queue_item_id,
        comment_id=action.comment_id,
        detail=outcome,
    )


def _reason(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"
