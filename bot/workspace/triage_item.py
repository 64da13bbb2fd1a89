"""One queue item in detail, as the item page and the evidence export show it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlmodel import Session, col, or_, select

from bot.outbox_status import plain_reason
from bot.workspace.access import Viewer, can_see_text
from bot.workspace.audit_groups import AuditEvent, group_events
from bot.workspace.colleagues import NoteView, colleagues, notes
from bot.workspace.thread import ThreadComment, latest_label, thread
from bot.workspace.triage import CLAIM_STALE, is_overdue
from connectors.facebook import FacebookConnector
from connectors.instagram import InstagramConnector
from connectors.records import Capability
from connectors.x import TIER_CAPABILITIES
from models import (
    Account,
    Action,
    ActionKind,
    ActionStatus,
    AuditEntry,
    Classification,
    Comment,
    QueueItem,
    QueueStatus,
    School,
    User,
)

AUTHOR_HISTORY = 20
CLAIM_REFRESH = timedelta(minutes=5)


def platform_capabilities(platform: str, x_tier: str = "basic") -> frozenset[Capability]:
    if platform == "facebook":
        return FacebookConnector.capabilities
    if platform == "instagram":
        return InstagramConnector.capabilities
    if platform == "x":
        return TIER_CAPABILITIES.get(x_tier, frozenset())
    return frozenset()


def safe_link(url: str | None) -> str | None:
    """Only http(s) links become links; anything else (``javascript:``, ``data:``) stays text."""
    if url and url.strip().lower().startswith(("https://", "http://")):
        return url.strip()
    return None


@dataclass(frozen=True, slots=True)
class ActionView:
    id: int
    kind: str
    status: str
    text: str | None
    requested_by: str
    created_at: datetime
    done_at: datetime | None
    last_error: str | None
    result_ref: str | None
    attempts: int


@dataclass(frozen=True, slots=True)
class AuditView:
    at: datetime
    actor: str
    action: str
    detail: str
    school_id: str | None = None
    item_id: int | None = None
    platform: str | None = None


@dataclass(frozen=True, slots=True)
class LabelView:
    label: str
    model: str
    reasons: list[str]
    scores: dict[str, float]
    relabelled_by: str | None
    created_at: datetime


@dataclass(frozen=True, slots=True)
class OtherComment:
    item_id: int | None
    school_id: str
    label: str | None
    text: str | None
    created_at: datetime
    hidden: bool


@dataclass(frozen=True, slots=True)
class ItemView:
    id: int
    comment_id: int
    school_id: str
    school_name: str
    label: str
    status: str
    needs_review: bool
    due_at: datetime | None
    overdue: bool
    created_at: datetime
    claimed_by: str | None
    claimed_by_me: bool
    readable: bool
    """False for a champion looking at a safeguarding item: everything below is withheld."""
    platform: str
    account_name: str
    commented_at: datetime
    text: str | None
    author_name: str | None
    author_username: str | None
    author_id: str | None
    post_id: str | None
    post_text: str | None
    link: str | None
    raw_link: str | None
    hidden: bool
    suggested_reply: str | None
    reply_private: bool
    suggest_block: bool
    labels: list[LabelView]
    actions: list[ActionView]
    audit: list[AuditView]
    author_comments: list[OtherComment]
    capabilities: frozenset[str]
    alerted: bool
    assigned_to: str | None = None
    assigned_to_id: int | None = None
    notes: list[NoteView] = field(default_factory=list)
    thread: list[ThreadComment] = field(default_factory=list)
    colleagues: list[tuple[int, str]] = field(default_factory=list)

    @property
    def read_late(self) -> str:
        """How long after posting Hallmonitor read it, when that matters (a minute or more)."""
        minutes = int((self.created_at - self.commented_at).total_seconds() // 60)
        if minutes < 1:
            return ""
        if minutes < 120:
            return f"{minutes} min"
        if minutes < 48 * 60:
            return f"{minutes // 60} h"
        return f"{minutes // 1440} days"

    @property
    def history(self) -> list[AuditEvent]:
        """The audit rows in plain words, a request and its result as one event."""
        groups = group_events(self.audit)
        return groups[0].events if groups else []

    @property
    def active(self) -> bool:
        return self.status in (QueueStatus.OPEN.value, QueueStatus.ESCALATED.value)

    @property
    def current_label(self) -> LabelView | None:
        return self.labels[0] if self.labels else None

    @property
    def reply_problem(self) -> str | None:
        """Why the latest reply did not go, in plain words; ``None`` if it went or is on its way."""
        replies = [a for a in self.actions if a.kind in ("reply", "private_reply")]
        if not replies or replies[-1].status not in ("failed", "waiting"):
            return None
        return plain_reason(replies[-1].last_error, self.platform)

    @property
    def pending_actions(self) -> bool:
        return any(a.status in ("pending", "in_flight") for a in self.actions)


def load_visible(
    session: Session, viewer: Viewer, item_id: int
) -> tuple[QueueItem, Comment] | None:
    """The item and its comment, or ``None`` if it does not exist or is not this viewer's."""
    item = session.get(QueueItem, item_id)
    if item is None or not viewer.sees_school(item.school_id):
        return None
    comment = session.get(Comment, item.comment_id)
    if comment is None:
        return None
    return item, comment


def claim(session: Session, viewer: Viewer, item: QueueItem, *, now: datetime, force: bool) -> None:
    """Take the item unless someone else holds a live claim (or ``force``)."""
    fresh = item.claimed_at is not None and item.claimed_at > now - CLAIM_REFRESH
    if item.assignee_id == viewer.id and fresh and not force:
        return  # already ours: no write on every page view
    held = (
        item.assignee_id is not None
        and item.assignee_id != viewer.id
        and item.claimed_at is not None
        and item.claimed_at > now - CLAIM_STALE
    )
    if force or not held:
        item.assignee_id = viewer.id
        item.claimed_at = now


def _names(session: Session, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    users = session.exec(select(User).where(col(User.id).in_(sorted(ids)))).all()
    return {user.id: user.name or user.email for user in users if user.id is not None}


def _label_views(session: Session, comment_id: int) -> list[LabelView]:
    rows = session.exec(
        select(Classification)
        .where(Classification.comment_id == comment_id)
        .order_by(col(Classification.created_at).desc(), col(Classification.id).desc())
    ).all()
    names = _names(session, {row.relabelled_by for row in rows if row.relabelled_by})
    return [
        LabelView(
            label=row.label,
            model=row.model,
            reasons=list(row.reasons or []),
            scores=dict(row.scores or {}),
            relabelled_by=names.get(row.relabelled_by, "?") if row.relabelled_by else None,
            created_at=row.created_at,
        )
        for row in rows
    ]


def _action_views(session: Session, item: QueueItem, comment: Comment) -> list[ActionView]:
    rows = session.exec(
        select(Action)
        .where(or_(Action.queue_item_id == item.id, Action.comment_id == comment.id))
        .order_by(col(Action.created_at), col(Action.id))
    ).all()
    names = _names(session, {row.requested_by for row in rows if row.requested_by})
    views = []
    for row in rows:
        assert row.id is not None
        text = row.payload.get("text") or row.payload.get("note") if row.payload else None
        views.append(
            ActionView(
                id=row.id,
                kind=ActionKind(row.kind).value,
                status=ActionStatus(row.status).value,
                text=str(text) if text else None,
                requested_by=names.get(row.requested_by, "?")
                if row.requested_by
                else "Hallmonitor",
                created_at=row.created_at,
                done_at=row.done_at,
                last_error=row.last_error,
                result_ref=row.result_ref,
                attempts=row.attempts,
            )
        )
    return views


def _author_comments(session: Session, viewer: Viewer, comment: Comment) -> list[OtherComment]:
    """The author's other comments on the trust's accounts that this viewer may list."""
    stmt = (
        select(Comment, QueueItem.id, QueueItem.label)
        .outerjoin(QueueItem, col(QueueItem.comment_id) == Comment.id)
        .where(
            Comment.platform == comment.platform,
            Comment.author_id == comment.author_id,
            Comment.id != comment.id,
        )
        .order_by(col(Comment.created_at).desc())
        .limit(AUTHOR_HISTORY)
    )
    allowed = viewer.school_filter()
    if allowed is not None:
        stmt = stmt.where(col(Comment.school_id).in_(sorted(allowed)))
    out = []
    for other, item_id, item_label in session.exec(stmt).all():
        label = item_label or latest_label(session, other.id)
        readable = can_see_text(viewer, other.school_id, label or "other")
        out.append(
            OtherComment(
                item_id=item_id,
                school_id=other.school_id,
                label=label,
                text=other.text if readable else None,
                created_at=other.created_at,
                hidden=other.hidden,
            )
        )
    return out


def item_view(
    session: Session,
    viewer: Viewer,
    item_id: int,
    *,
    now: datetime,
    x_tier: str = "basic",
) -> ItemView | None:
    """The item as this viewer may see it; ``None`` (a 404) if not theirs to see.

    Reading never claims: a person takes an item with "Take it" (the ``claim`` action)."""
    found = load_visible(session, viewer, item_id)
    if found is None:
        return None
    item, comment = found
    assert item.id is not None
    assert comment.id is not None
    readable = can_see_text(viewer, item.school_id, item.label)
    school = session.get(School, item.school_id)
    account = session.get(Account, comment.account_id)
    claim_live = item.claimed_at is not None and item.claimed_at > now - CLAIM_STALE
    claimer = _names(session, {item.assignee_id}) if item.assignee_id and claim_live else {}
    actions = _action_views(session, item, comment)
    audit = session.exec(
        select(AuditEntry)
        .where(AuditEntry.queue_item_id == item.id)
        .order_by(col(AuditEntry.at), col(AuditEntry.id))
    ).all()
    hidden_fields: dict[str, Any] = {}
    if not readable:
        hidden_fields = {
            "text": None,
            "author_name": None,
            "author_username": None,
            "author_id": None,
            "post_text": None,
            "suggested_reply": None,
            "labels": [],
            "author_comments": [],
        }
    view: dict[str, Any] = {
        "id": item.id,
        "comment_id": comment.id,
        "school_id": item.school_id,
        "school_name": school.name if school else item.school_id,
        "label": item.label,
        "status": QueueStatus(item.status).value,
        "needs_review": item.needs_review,
        "due_at": item.due_at,
        "overdue": is_overdue(item.due_at, item.status, now),
        "created_at": item.created_at,
        "claimed_by": claimer.get(item.assignee_id) if item.assignee_id else None,
        "claimed_by_me": bool(claim_live and item.assignee_id == viewer.id),
        "readable": readable,
        "platform": comment.platform,
        "account_name": (account.name or account.platform_account_id) if account else "",
        "commented_at": comment.created_at,
        "text": comment.text,
        "author_name": comment.author_name,
        "author_username": comment.author_username,
        "author_id": comment.author_id,
        "post_id": comment.post_id,
        "post_text": comment.post_text,
        "link": safe_link(comment.permalink) if readable else None,
        "raw_link": comment.permalink if readable else None,
        "hidden": comment.hidden,
        "suggested_reply": item.suggested_reply,
        "reply_private": item.reply_private,
        "suggest_block": item.suggest_block,
        "labels": _label_views(session, comment.id) if readable else [],
        "actions": actions if readable else [_withhold(a) for a in actions],
        "audit": [
            AuditView(at=e.at, actor=e.actor, action=e.action, detail=e.detail if readable else "")
            for e in audit
        ],
        "author_comments": _author_comments(session, viewer, comment) if readable else [],
        "capabilities": frozenset(c.value for c in platform_capabilities(comment.platform, x_tier)),
        "alerted": any(a.kind == "alert" for a in actions),
        "assigned_to": _names(session, {item.assigned_to_id}).get(item.assigned_to_id)
        if item.assigned_to_id
        else None,
        "assigned_to_id": item.assigned_to_id,
        "notes": notes(session, item.id) if readable else [],
        "thread": thread(session, viewer, comment) if readable else [],
        "colleagues": colleagues(session, item.school_id, item.label) if readable else [],
    }
    view.update(hidden_fields)
    return ItemView(**view)


def _withhold(action: ActionView) -> ActionView:
    return ActionView(
        id=action.id,
        kind=action.kind,
        status=action.status,
        text=None,
        requested_by=action.requested_by,
        created_at=action.created_at,
        done_at=action.done_at,
        last_error=None,
        result_ref=None,
        attempts=action.attempts,
    )
