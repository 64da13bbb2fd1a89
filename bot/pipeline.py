"""From a poll's comments to stored rows, verdicts, queue items and outbox actions.

Two steps, each one transaction, so a crash between them loses nothing:
``store`` keeps the comments with the cursor that covers them; ``process`` classifies every
stored comment that has no verdict yet and writes what the policy decided.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine, func
from sqlmodel import Session, col, select

from bot import audit
from bot.classifier import Classifier, Verdict
from bot.config import Config, SchoolConfig
from bot.labels import Label
from bot.outbox import enqueue
from bot.policy import Decision, decide, due_at
from bot.responses import suggest
from connectors.records import Capability, FetchResult
from models import (
    Account,
    ActionKind,
    Classification,
    Comment,
    Cursor,
    QueueItem,
    session_scope,
)
from models.text import originals, storable
from models.types import utcnow

_LOGGER = logging.getLogger(__name__)
_CHUNK = 500


@dataclass(frozen=True, slots=True)
class Outcome:
    """What processing one comment led to, for logs and tests."""

    comment_id: int
    label: Label
    hidden: bool
    alerted: bool
    queued: bool


def _storable(text: str | None) -> str | None:
    return storable(text) if text else text


def store(
    engine: Engine,
    account_id: int,
    result: FetchResult,
    also: Callable[[Account], None] | None = None,
) -> int:
    """Keep new comments and move the cursor, together; a re-read comment changes nothing.

    ``also`` updates the account row in the same transaction (the poller records its health).
    """
    with session_scope(engine) as session:
        account = session.get(Account, account_id)
        assert account is not None
        assert account.id is not None
        if also is not None:
            also(account)
        ids = [comment.id for comment in result.comments]
        known: set[str] = set()
        for start in range(0, len(ids), _CHUNK):
            chunk = ids[start : start + _CHUNK]
            known.update(
                session.exec(
                    select(Comment.platform_id).where(
                        Comment.platform == account.platform,
                        col(Comment.platform_id).in_(chunk),
                    )
                ).all()
            )
        added = 0
        for comment in result.comments:
            if comment.id in known:
                continue
            known.add(comment.id)
            session.add(
                Comment(
                    platform=account.platform,
                    platform_id=comment.id,
                    account_id=account.id,
                    school_id=account.school_id,
                    post_id=comment.post_id,
                    post_text=_storable(comment.post_text),
                    parent_id=comment.parent_id,
                    author_id=comment.author.id,
                    author_name=(_storable(comment.author.name) or "")[:300],
                    author_username=(_storable(comment.author.username) or "")[:300] or None,
                    text=_storable(comment.text) or "",
                    as_read_json=originals(
                        {
                            "text": comment.text,
                            "post_text": comment.post_text,
                            "author_name": comment.author.name,
                            "author_username": comment.author.username,
                        }
                    ),
                    permalink=comment.permalink,
                    created_at=comment.created_at,
                    hidden=comment.hidden,
                )
            )
            added += 1
        cursor = session.get(Cursor, account.id)
        if cursor is None:
            session.add(Cursor(account_id=account.id, value=result.cursor))
        elif result.cursor is not None:
            cursor.value = result.cursor
            cursor.updated_at = utcnow()
        return added


def load_cursor(engine: Engine, account_id: int) -> tuple[str | None, datetime | None]:
    """The account's cursor and how long it is paused for, in one read before a poll."""
    with Session(engine) as session:
        cursor = session.get(Cursor, account_id)
        account = session.get(Account, account_id)
        return (cursor.value if cursor else None, account.paused_until if account else None)


def _unclassified(session: Session, account_id: int, limit: int) -> list[tuple[int, str]]:
    """Id and text of the oldest comments with no verdict.

    Correlated NOT EXISTS: one index probe per comment, not a scan of every verdict.
    """
    classified = select(Classification.id).where(Classification.comment_id == Comment.id)
    rows = session.exec(
        select(Comment.id, Comment.text)
        .where(Comment.account_id == account_id, ~classified.exists())
        .order_by(col(Comment.id))
        .limit(limit)
    ).all()
    return [(comment_id, text) for comment_id, text in rows if comment_id is not None]


def _abusive_recently(session: Session, comment: Comment, window: timedelta, now: datetime) -> int:
    return session.exec(
        select(func.count(func.distinct(Comment.id)))
        .join(Classification, col(Classification.comment_id) == col(Comment.id))
        .where(
            Comment.platform == comment.platform,
            Comment.author_id == comment.author_id,
            Classification.label == Label.ABUSE.value,
            Comment.created_at >= now - window,
        )
    ).one()


class Pipeline:
    """Classifies stored comments and writes the policy's decisions."""

    def __init__(
        self,
        engine: Engine,
        config: Config,
        classifier: Classifier,
        *,
        clock: Callable[[], datetime] = utcnow,
        batch_size: int = 64,
    ) -> None:
        self._engine = engine
        self._config = config
        self._classifier = classifier
        self._clock = clock
        self._batch_size = batch_size
        self._locks: dict[int, asyncio.Lock] = {}

    async def store(
        self,
        account_id: int,
        result: FetchResult,
        also: Callable[[Account], None] | None = None,
    ) -> int:
        return await asyncio.to_thread(store, self._engine, account_id, result, also)

    async def process(
        self,
        account_id: int,
        capabilities: frozenset[Capability],
        *,
        on_actions: Callable[[], None] = lambda: None,
    ) -> list[Outcome]:
        """Classify and act on every stored comment of the account that has no verdict yet.

        ``on_actions`` is called after each batch that queued a hide or an alert, so in a
        large backlog (a post gone viral) the first hides go out while the rest is classified.
        """
        outcomes: list[Outcome] = []
        # One at a time per account: a poll and a webhook must not classify the same comment.
        async with self._locks.setdefault(account_id, asyncio.Lock()):
            while True:
                batch = await asyncio.to_thread(self._pending, account_id)
                if not batch:
                    return outcomes
                verdicts = await self._classify([text for _, text in batch])
                done = await asyncio.to_thread(
                    self._apply, account_id, capabilities, batch, verdicts
                )
                outcomes += done
                if any(outcome.hidden or outcome.alerted for outcome in done):
                    on_actions()
                if len(batch) < self._batch_size:
                    return outcomes

    def _pending(self, account_id: int) -> list[tuple[int, str]]:
        with Session(self._engine) as session:
            return _unclassified(session, account_id, self._batch_size)

    async def _classify(self, texts: list[str]) -> list[Verdict | None]:
        try:
            verdicts = await self._classifier.classify(texts)
        except Exception:  # the classifier is a boundary: its failure must not drop comments
            _LOGGER.exception("classifier failed on a batch of %d; queued for review", len(texts))
            return [None] * len(texts)
        return list(verdicts)

    def _apply(
        self,
        account_id: int,
        capabilities: frozenset[Capability],
        batch: list[tuple[int, str]],
        verdicts: list[Verdict | None],
    ) -> list[Outcome]:
        outcomes = []
        now = self._clock()
        with session_scope(self._engine) as session:
            account = session.get(Account, account_id)
            assert account is not None
            school = self._config.school(account.school_id)
            ids = [comment_id for comment_id, _ in batch]
            comments = {
                row.id: row for row in session.exec(select(Comment).where(col(Comment.id).in_(ids)))
            }
            for (comment_id, _), verdict in zip(batch, verdicts, strict=True):
                comment = comments[comment_id]
                outcomes.append(
                    self._apply_one(session, account, school, comment, verdict, capabilities, now)
                )
        for outcome in outcomes:
            _LOGGER.info(
                "comment %s: %s hidden=%s alerted=%s queued=%s",
                outcome.comment_id,
                outcome.label.value,
                outcome.hidden,
                outcome.alerted,
                outcome.queued,
                extra={"account": account_id, "comment": outcome.comment_id},
            )
        return outcomes

    def _apply_one(
        self,
        session: Session,
        account: Account,
        school: SchoolConfig,
        comment: Comment,
        verdict: Verdict | None,
        capabilities: frozenset[Capability],
        now: datetime,
    ) -> Outcome:
        assert comment.id is not None
        session.add(
            Classification(
                comment_id=comment.id,
                label=(verdict.label if verdict else Label.OTHER).value,
                scores={label.value: score for label, score in verdict.scores.items()}
                if verdict
                else {},
                reasons=list(verdict.reasons) if verdict else ["the classifier failed"],
                model=verdict.model if verdict else "none",
                version=verdict.version if verdict else "",
            )
        )
        session.flush()
        abusive = 0
        if verdict is not None and verdict.label is Label.ABUSE:
            window = timedelta(days=school.policy.block_window_days)
            abusive = _abusive_recently(session, comment, window, now)
        thresholds = self._config.classifier.thresholds[verdict.label if verdict else Label.OTHER]
        decision = decide(verdict, school, thresholds, abusive_recently=abusive)
        if Capability.BLOCK not in capabilities:
            decision = _without_block(decision)
        item = self._queue(session, school, comment, decision, capabilities, now)
        if decision.hide:
            detail = f"{decision.label.value}: hidden automatically"
            self._act(
                session,
                ActionKind.HIDE,
                "hide:auto",
                item,
                comment,
                account,
                {},
                audit_as=("auto_hide", detail),
            )
        if decision.alert_dsl:
            self._act(
                session,
                ActionKind.ALERT,
                "alert:safeguarding",
                item,
                comment,
                account,
                {"reason": "safeguarding"},
                audit_as=("escalated", "safeguarding: DSL alerted"),
            )
        return Outcome(
            comment.id, decision.label, decision.hide, decision.alert_dsl, decision.queue
        )

    @staticmethod
    def _act(
        session: Session,
        kind: ActionKind,
        key: str,
        item: QueueItem | None,
        comment: Comment,
        account: Account,
        payload: dict[str, Any],
        *,
        audit_as: tuple[str, str],
    ) -> None:
        """An outbox row the bot decided on, and its line in the audit log."""
        item_id = item.id if item else None
        enqueue(
            session,
            kind,
            key=f"{key}:{comment.id}",
            account_id=account.id,
            comment_id=comment.id,
            queue_item_id=item_id,
            payload=payload,
        )
        action, detail = audit_as
        audit.record(
            session,
            action,
            school_id=account.school_id,
            comment_id=comment.id,
            queue_item_id=item_id,
            detail=detail,
        )

    def _queue(
        self,
        session: Session,
        school: SchoolConfig,
        comment: Comment,
        decision: Decision,
        capabilities: frozenset[Capability],
        now: datetime,
    ) -> QueueItem | None:
        if not decision.queue:
            return None
        assert comment.id is not None
        suggestion = (
            None
            if decision.needs_review
            else suggest(
                decision.label,
                school,
                author_name=comment.author_name,
                can_private=Capability.PRIVATE_REPLY in capabilities,
            )
        )
        item = QueueItem(
            comment_id=comment.id,
            school_id=school.id,
            label=decision.label.value,
            status=decision.status,
            priority=decision.priority,
            needs_review=decision.needs_review,
            suggested_reply=suggestion.text if suggestion else None,
            reply_private=suggestion.private if suggestion else False,
            suggest_block=decision.suggest_block,
            due_at=due_at(decision.label, now, self._config.queue, self._config.trust.tz),
            created_at=now,
            updated_at=now,
        )
        session.add(item)
        session.flush()
        return item


def _without_block(decision: Decision) -> Decision:
    return replace(decision, suggest_block=False)
