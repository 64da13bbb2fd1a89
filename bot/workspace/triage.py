"""The triage queue: listing with access filters, and one item in detail."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Any

from sqlalchemy import and_, case, func, or_
from sqlalchemy import select as sa_select
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select

from bot.labels import Label
from bot.outbox_status import failed_replies
from bot.workspace.access import RESTRICTED_LABELS, Viewer, can_see_text
from models import Comment, QueueItem, QueueStatus, School, User

PAGE_SIZE = 50
EXCERPT = 160
CLAIM_STALE = timedelta(minutes=30)
"""A claim older than this no longer holds: anyone opening the item takes it."""

ACTIVE = (QueueStatus.OPEN, QueueStatus.ESCALATED)
STATUS_CHOICES = ("active", "open", "escalated", "handled", "dismissed", "all")
AGE_CHOICES: dict[str, tuple[str, timedelta | None, bool]] = {
    "": ("any age", None, False),
    "1h": ("last hour", timedelta(hours=1), False),
    "24h": ("last 24 hours", timedelta(hours=24), False),
    "7d": ("last 7 days", timedelta(days=7), False),
    "older7d": ("older than 7 days", timedelta(days=7), True),
}
PLATFORMS = ("facebook", "instagram", "x")
QUEUE_LABELS = tuple(label.value for label in Label)
"""Urgency order: the order of precedence in ``LABELS.md``."""


@dataclass(frozen=True, slots=True)
class QueueFilters:
    school: str = ""
    platform: str = ""
    label: str = ""
    status: str = "active"
    age: str = ""
    overdue: bool = False
    page: int = 1
    q: str = ""
    """Words in the comment's text."""
    author: str = ""
    """Part of the author's name or handle."""
    on: date | None = None
    """The day it was posted (the trust's time zone)."""
    mine: bool = False
    """Only items assigned to the viewer."""

    @property
    def searching(self) -> bool:
        return bool(self.q or self.author or self.on)

    @classmethod
    def parse(cls, query: Any) -> QueueFilters:
        """From a query string mapping; unknown values fall back to the default."""

        def pick(name: str, choices: tuple[str, ...] | dict[str, Any], default: str = "") -> str:
            value = str(query.get(name, default))
            return value if value in choices else default

        page = page_number(query)
        try:
            on: date | None = date.fromisoformat(str(query.get("on", "")))
        except ValueError:
            on = None
        return cls(
            q=str(query.get("q", "")).strip()[:200],
            author=str(query.get("author", "")).strip()[:100],
            on=on,
            mine=query.get("assigned", "") == "me",
            school=str(query.get("school", ""))[:64],
            platform=pick("platform", PLATFORMS),
            label=pick("label", QUEUE_LABELS),
            status=pick("status", STATUS_CHOICES, "active"),
            age=pick("age", AGE_CHOICES),
            overdue=query.get("overdue", "") in ("1", "on", "true"),
            page=page,
        )

    def query(self, **changes: Any) -> dict[str, str]:
        values = {
            "school": self.school,
            "platform": self.platform,
            "label": self.label,
            "status": self.status,
            "age": self.age,
            "overdue": "1" if self.overdue else "",
            "page": str(self.page),
            "q": self.q,
            "author": self.author,
            "on": self.on.isoformat() if self.on else "",
            "assigned": "me" if self.mine else "",
        }
        values.update({key: str(value) for key, value in changes.items()})
        return {k: v for k, v in values.items() if v and not (k == "page" and v == "1")}


@dataclass(frozen=True, slots=True)
class QueueRow:
    id: int
    school_id: str
    platform: str
    label: str
    status: str
    posted_at: datetime
    """When the author posted it: the one time the queue shows."""
    due_at: datetime | None
    overdue: bool
    needs_review: bool
    hidden: bool
    excerpt: str | None
    """``None`` when the viewer may not read it (safeguarding, for a champion)."""
    author: str | None
    claimed_by: str | None
    reply_failed: bool = False
    """The latest reply did not go out: the parent is unanswered."""
    assigned_to: str | None = None


@dataclass(frozen=True, slots=True)
class QueuePage:
    rows: list[QueueRow]
    total: int
    counts: dict[str, int]
    page: int
    pages: int
    schools: list[tuple[str, str]] = field(default_factory=list)
    with_dsl: int = 0
    """Safeguarding items this viewer may not read: one line in the queue, not rows."""


def visible_schools(session: Session, viewer: Viewer) -> list[tuple[str, str]]:
    """(id, name) of the schools this viewer may list, by name."""
    stmt = select(School.id, School.name).order_by(School.name)
    allowed = viewer.school_filter()
    if allowed is not None:
        stmt = stmt.where(col(School.id).in_(sorted(allowed)))
    return [(school_id, name) for school_id, name in session.exec(stmt).all()]


def is_overdue(due_at: datetime | None, status: str, now: datetime) -> bool:
    return due_at is not None and due_at <= now and status in ACTIVE


def _filtered(
    stmt: Any,
    viewer: Viewer,
    filters: QueueFilters,
    now: datetime,
    *,
    label: bool,
    tz: tzinfo | None = None,
) -> Any:
    """``label``: apply the label filter and leave out rows this viewer may not read."""
    allowed = viewer.school_filter()
    if allowed is not None:
        stmt = stmt.where(col(QueueItem.school_id).in_(sorted(allowed)))
    if filters.school:
        stmt = stmt.where(QueueItem.school_id == filters.school)
    if (label or filters.searching) and not viewer.lists_restricted:
        # While searching, not even a count: "1 with the DSL" would say that unreadable text
        # matched.
        stmt = stmt.where(col(QueueItem.label).not_in(sorted(RESTRICTED_LABELS)))
    if filters.q:
        stmt = stmt.where(col(Comment.text).ilike(f"%{_like(filters.q)}%", escape="\\"))
    if filters.author:
        pattern = f"%{_like(filters.author)}%"
        stmt = stmt.where(
            or_(
                col(Comment.author_name).ilike(pattern, escape="\\"),
                col(Comment.author_username).ilike(pattern, escape="\\"),
            )
        )
    if filters.on is not None:
        start = datetime.combine(filters.on, time(), tz or UTC)
        stmt = stmt.where(
            col(Comment.created_at) >= start, col(Comment.created_at) < start + timedelta(days=1)
        )
    if filters.mine:
        stmt = stmt.where(QueueItem.assigned_to_id == viewer.id)
    if filters.platform:
        stmt = stmt.where(Comment.platform == filters.platform)
    if label and filters.label:
        stmt = stmt.where(QueueItem.label == filters.label)
    if filters.status == "active":
        stmt = stmt.where(col(QueueItem.status).in_(ACTIVE))
    elif filters.status != "all":
        stmt = stmt.where(QueueItem.status == QueueStatus(filters.status))
    _, age, older = AGE_CHOICES[filters.age]
    if age is not None:
        cutoff = now - age
        stmt = stmt.where(
            col(QueueItem.created_at) < cutoff if older else col(QueueItem.created_at) >= cutoff
        )
    if filters.overdue:
        stmt = stmt.where(col(QueueItem.due_at) <= now, col(QueueItem.status).in_(ACTIVE))
    return stmt


def _like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _ordered(stmt: Any, status: str) -> Any:
    """Open items by urgency, then oldest first; closed ones most recently changed first."""
    if status == "active":
        return stmt.order_by(col(QueueItem.priority), col(QueueItem.created_at), col(QueueItem.id))
    if status == "all":
        active_first = case((col(QueueItem.status).in_(ACTIVE), 0), else_=1)
        return stmt.order_by(
            active_first, col(QueueItem.priority), col(QueueItem.created_at), col(QueueItem.id)
        )
    return stmt.order_by(col(QueueItem.updated_at).desc(), col(QueueItem.id).desc())


def _rows(session: Session, stmt: Any) -> list[Any]:
    return list(session.execute(stmt).all())


def list_queue(
    session: Session,
    viewer: Viewer,
    filters: QueueFilters,
    *,
    now: datetime,
    tz: tzinfo | None = None,
) -> QueuePage:
    """The items this viewer may see, most urgent first, then oldest first."""
    claimer = aliased(User)
    assignee = aliased(User)
    joins_comment = bool(filters.platform or filters.searching)
    columns: list[Any] = [
        QueueItem.id,
        QueueItem.school_id,
        Comment.platform,
        QueueItem.label,
        QueueItem.status,
        Comment.created_at,
        QueueItem.due_at,
        QueueItem.needs_review,
        Comment.hidden,
        func.substr(Comment.text, 1, EXCERPT + 1),
        Comment.author_name,
        Comment.author_username,
        claimer.name,
        claimer.email,
        QueueItem.claimed_at,
        assignee.name,
        assignee.email,
    ]
    # Page through queue_items alone (its indexes), then fetch the comments of 50 rows only.
    page_ids: Any = sa_select(col(QueueItem.id))
    if joins_comment:
        page_ids = page_ids.join(Comment, col(Comment.id) == QueueItem.comment_id)
    page_ids = _filtered(page_ids, viewer, filters, now, label=True, tz=tz)
    page_ids = _ordered(page_ids, filters.status)
    page_ids = page_ids.limit(PAGE_SIZE).offset((filters.page - 1) * PAGE_SIZE)
    ids = [row[0] for row in _rows(session, page_ids)]
    stmt: Any = (
        sa_select(*columns)
        .join(Comment, col(Comment.id) == QueueItem.comment_id)
        .outerjoin(claimer, col(claimer.id) == QueueItem.assignee_id)
        .outerjoin(assignee, col(assignee.id) == QueueItem.assigned_to_id)
        .where(col(QueueItem.id).in_(ids))
    )
    position = {item_id: n for n, item_id in enumerate(ids)}
    found = sorted(_rows(session, stmt) if ids else [], key=lambda row: position[row[0]])
    unanswered = failed_replies(session, ids)

    rows = []
    for (
        item_id,
        school_id,
        platform,
        label,
        status,
        posted_at,
        due_at,
        needs_review,
        hidden,
        text,
        author_name,
        author_username,
        claimer_name,
        claimer_email,
        claimed_at,
        assignee_name,
        assignee_email,
    ) in found:
        readable = can_see_text(viewer, school_id, label)
        excerpt = None
        if readable:
            excerpt = text if len(text) <= EXCERPT else text[:EXCERPT] + "…"
        claim_live = claimed_at is not None and claimed_at > now - CLAIM_STALE
        rows.append(
            QueueRow(
                id=item_id,
                school_id=school_id,
                platform=platform,
                label=label,
                status=QueueStatus(status).value,
                posted_at=posted_at,
                due_at=due_at,
                overdue=is_overdue(due_at, status, now),
                needs_review=needs_review,
                hidden=hidden,
                excerpt=excerpt,
                author=(author_name or author_username or "") if readable else None,
                claimed_by=(claimer_name or claimer_email) if claim_live else None,
                reply_failed=item_id in unanswered,
                assigned_to=assignee_name or assignee_email,
            )
        )

    counting: Any = select(QueueItem.label, func.count())
    if joins_comment:
        counting = counting.join(Comment, col(Comment.id) == QueueItem.comment_id)
    counted = _filtered(counting, viewer, filters, now, label=False, tz=tz)
    counted = counted.group_by(QueueItem.label)
    counts = dict.fromkeys(QUEUE_LABELS, 0)
    with_dsl = 0
    for label, number in session.exec(counted).all():
        if label in RESTRICTED_LABELS and not viewer.lists_restricted:
            with_dsl += number
        else:
            counts[label] = number
    total = counts.get(filters.label, 0) if filters.label else sum(counts.values())
    pages = max(1, -(-total // PAGE_SIZE))
    return QueuePage(
        rows=rows,
        total=total,
        counts=counts,
        page=filters.page,
        pages=pages,
        schools=visible_schools(session, viewer),
        with_dsl=with_dsl,
    )


def neighbours(
    session: Session, viewer: Viewer, item_id: int, *, now: datetime
) -> tuple[int | None, int | None]:
    """The previous and next open items around this one, in the queue's own order.

    Works whatever this item's status is now, so after "handled" the next one is still next."""
    item = session.get(QueueItem, item_id)
    if item is None:
        return None, None
    key = (col(QueueItem.priority), col(QueueItem.created_at), col(QueueItem.id))
    here = (item.priority, item.created_at, item_id)

    def after(forward: bool) -> Any:
        def cmp(column: Any, value: Any) -> Any:
            return column > value if forward else column < value

        return or_(
            cmp(key[0], here[0]),
            and_(key[0] == here[0], cmp(key[1], here[1])),
            and_(key[0] == here[0], key[1] == here[1], cmp(key[2], here[2])),
        )

    found = []
    for forward in (False, True):
        stmt: Any = sa_select(col(QueueItem.id))
        stmt = _filtered(stmt, viewer, QueueFilters(), now, label=True).where(after(forward))
        order = key if forward else tuple(column.desc() for column in key)
        found.append(session.execute(stmt.order_by(*order).limit(1)).scalar())
    return found[0], found[1]


def page_number(query: Mapping[str, Any]) -> int:
    """The ``page`` parameter, clamped to 1..10,000; anything unreadable is page 1."""
    try:
        return max(1, min(10_000, int(query.get("page", 1))))
    except (TypeError, ValueError):
        return 1
