"""Moderation figures for one week: comments read, what was done, and how fast people acted."""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Collection
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import func, or_
from sqlmodel import Session, col, select

from bot.labels import Label
from bot.reports.period import Week
from models import (
    Account,
    Action,
    ActionKind,
    ActionStatus,
    Classification,
    Comment,
    QueueItem,
    QueueStatus,
)

UNCLASSIFIED = "unclassified"
_OPEN = (QueueStatus.OPEN, QueueStatus.ESCALATED)


@dataclass(frozen=True, slots=True)
class Moderation:
    """Every moderation figure of a week, for a school or the trust."""

    comments_read: int
    by_label: tuple[tuple[str, int], ...]
    """Comments read in the week per latest label, every label listed, in precedence order."""
    hidden_auto: int
    hidden_by_staff: int
    replies: int
    private_replies: int
    blocks: int
    safeguarding_escalations: int
    human_actions: int
    """Items read in the week that a person has acted on (the median's sample size)."""
    median_first_action: timedelta | None
    past_due_open: int


def _label_counts(
    session: Session, school_ids: Collection[str], week: Week
) -> tuple[int, Counter[str]]:
    in_week = (
        col(Comment.school_id).in_(school_ids),
        col(Comment.fetched_at) >= week.start,
        col(Comment.fetched_at) < week.end,
    )
    read = session.exec(select(func.count(col(Comment.id))).where(*in_week)).one()
    rows = session.exec(
        select(Classification.comment_id, Classification.label)
        .join(Comment, col(Comment.id) == Classification.comment_id)
        .where(*in_week)
        .order_by(col(Classification.created_at), col(Classification.id))
    )
    latest: dict[int, str] = {}
    for comment_id, label in rows:
        latest[comment_id] = label
    counts = Counter(latest.values())
    if read > len(latest):
        counts[UNCLASSIFIED] = read - len(latest)
    return read, counts


def _action_counts(
    session: Session, school_ids: Collection[str], week: Week
) -> Counter[tuple[ActionKind, bool]]:
    """(kind, done by staff) -> actions done in the week."""
    school = func.coalesce(Comment.school_id, Account.school_id)
    rows = session.exec(
        select(Action.kind, Action.requested_by)
        .outerjoin(Comment, col(Comment.id) == Action.comment_id)
        .outerjoin(Account, col(Account.id) == Action.account_id)
        .where(
            Action.status == ActionStatus.DONE,
            col(Action.done_at) >= week.start,
            col(Action.done_at) < week.end,
            school.in_(school_ids),
        )
    )
    return Counter((ActionKind(kind), requested_by is not None) for kind, requested_by in rows)


def _first_action_times(
    session: Session, school_ids: Collection[str], week: Week
) -> list[timedelta]:
    rows = session.exec(
        select(QueueItem.first_human_action_at, Comment.fetched_at)
        .join(Comment, col(Comment.id) == QueueItem.comment_id)
        .where(
            col(Comment.school_id).in_(school_ids),
            col(Comment.fetched_at) >= week.start,
            col(Comment.fetched_at) < week.end,
            col(QueueItem.first_human_action_at).is_not(None),
        )
    )
    return [acted - read for acted, read in rows if acted is not None]


def _median(durations: list[timedelta]) -> timedelta | None:
    if not durations:
        return None
    return timedelta(seconds=statistics.median(d.total_seconds() for d in durations))


def moderation(session: Session, school_ids: Collection[str], week: Week) -> Moderation:
    read, labels = _label_counts(session, school_ids, week)
    by_label = [(label.value, labels.get(label.value, 0)) for label in Label]
    known = {label.value for label in Label}
    by_label += sorted((name, n) for name, n in labels.items() if name not in known)
    actions = _action_counts(session, school_ids, week)
    escalations = session.exec(
        select(func.count(col(QueueItem.id))).where(
            col(QueueItem.school_id).in_(school_ids),
            col(QueueItem.created_at) >= week.start,
            col(QueueItem.created_at) < week.end,
            or_(
                col(QueueItem.label) == Label.SAFEGUARDING.value,
                col(QueueItem.status) == QueueStatus.ESCALATED,
            ),
        )
    ).one()
    past_due = session.exec(
        select(func.count(col(QueueItem.id))).where(
            col(QueueItem.school_id).in_(school_ids),
            col(QueueItem.created_at) < week.end,
            col(QueueItem.due_at) < week.end,
            or_(
                col(QueueItem.status).in_(_OPEN),
                col(QueueItem.first_human_action_at) >= week.end,
            ),
        )
    ).one()
    times = _first_action_times(session, school_ids, week)
    return Moderation(
        comments_read=read,
        by_label=tuple(by_label),
        hidden_auto=actions[(ActionKind.HIDE, False)],
        hidden_by_staff=actions[(ActionKind.HIDE, True)],
        replies=actions[(ActionKind.REPLY, False)] + actions[(ActionKind.REPLY, True)],
        private_replies=actions[(ActionKind.PRIVATE_REPLY, False)]
        + actions[(ActionKind.PRIVATE_REPLY, True)],
        blocks=actions[(ActionKind.BLOCK, False)] + actions[(ActionKind.BLOCK, True)],
        safeguarding_escalations=escalations,
        human_actions=len(times),
        median_first_action=_median(times),
        past_due_open=past_due,
    )
