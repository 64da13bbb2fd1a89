"""The audit log as the dashboard lists it, and the export of relabelled comments."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import func
from sqlalchemy import select as sa_select
from sqlmodel import Session, col

from bot.workspace.access import Viewer, can_see_text
from bot.workspace.audit_groups import AuditGroup, group_events
from bot.workspace.triage import page_number
from models import AuditEntry, Classification, Comment, QueueItem

AUDIT_PAGE = 100
CSV_COLUMNS = ("text", "label", "platform", "note")


@dataclass(frozen=True, slots=True)
class AuditFilters:
    school: str = ""
    actor: str = ""
    action: str = ""
    item: int | None = None
    since: date | None = None
    until: date | None = None
    page: int = 1

    @classmethod
    def parse(cls, query: Any) -> AuditFilters:
        def day(name: str) -> date | None:
            try:
                return date.fromisoformat(str(query.get(name, "")))
            except ValueError:
                return None

        item = str(query.get("item", "")).strip().lstrip("#")
        page = page_number(query)
        return cls(
            school=str(query.get("school", ""))[:64],
            actor=str(query.get("actor", "")).strip()[:254],
            action=str(query.get("action", "")).strip()[:64],
            item=int(item) if item.isdigit() and len(item) < 12 else None,
            since=day("since"),
            until=day("until"),
            page=page,
        )


@dataclass(frozen=True, slots=True)
class AuditRow:
    at: datetime
    actor: str
    action: str
    school_id: str | None
    item_id: int | None
    detail: str
    platform: str | None = None


@dataclass(frozen=True, slots=True)
class AuditPage:
    rows: list[AuditRow]
    page: int
    more: bool
    actions: list[str]

    @property
    def groups(self) -> list[AuditGroup]:
        """The rows as events in plain words, one a row, grouped by item."""
        return group_events(self.rows)


def list_audit(
    session: Session, viewer: Viewer, filters: AuditFilters, *, tz: Any = None
) -> AuditPage:
    """Entries of the viewer's schools, newest first (trust admins also see trust-wide ones)."""
    columns: list[Any] = [
        AuditEntry.at,
        AuditEntry.actor,
        AuditEntry.action,
        AuditEntry.school_id,
        AuditEntry.queue_item_id,
        AuditEntry.detail,
        QueueItem.label,
        Comment.platform,
    ]
    stmt: Any = (
        sa_select(*columns)
        .outerjoin(QueueItem, col(QueueItem.id) == AuditEntry.queue_item_id)
        .outerjoin(Comment, col(Comment.id) == AuditEntry.comment_id)
    )
    allowed = viewer.school_filter()
    if allowed is not None:
        stmt = stmt.where(col(AuditEntry.school_id).in_(sorted(allowed)))
    if filters.school:
        stmt = stmt.where(AuditEntry.school_id == filters.school)
    if filters.actor:
        stmt = stmt.where(func.lower(AuditEntry.actor).contains(filters.actor.lower()))
    if filters.action:
        stmt = stmt.where(AuditEntry.action == filters.action)
    if filters.item is not None:
        stmt = stmt.where(AuditEntry.queue_item_id == filters.item)
    if filters.since:
        stmt = stmt.where(col(AuditEntry.at) >= datetime.combine(filters.since, time(), tz))
    if filters.until:
        end = datetime.combine(filters.until + timedelta(days=1), time(), tz)
        stmt = stmt.where(col(AuditEntry.at) < end)
    stmt = stmt.order_by(col(AuditEntry.at).desc(), col(AuditEntry.id).desc())
    stmt = stmt.limit(AUDIT_PAGE + 1).offset((filters.page - 1) * AUDIT_PAGE)
    rows = []
    found: list[Any] = list(session.execute(stmt).all())
    for at, actor, action, school_id, item_id, detail, label, platform in found:
        readable = school_id is None or label is None or can_see_text(viewer, school_id, label)
        shown = detail if readable else ""
        rows.append(AuditRow(at, actor, action, school_id, item_id, shown, platform))
    names: Any = sa_select(col(AuditEntry.action)).distinct().order_by(col(AuditEntry.action))
    return AuditPage(
        rows=rows[:AUDIT_PAGE],
        page=filters.page,
        more=len(rows) > AUDIT_PAGE,
        actions=_strings(session.execute(names).scalars().all()),
    )


def _strings(values: Any) -> list[str]:
    return [str(value) for value in values]


def relabelled_csv(session: Session, viewer: Viewer) -> str:
    """Comments people relabelled, latest human label each, as ``LABELS.md`` CSV."""
    latest = (
        sa_select(func.max(Classification.id))
        .where(col(Classification.relabelled_by).is_not(None))
        .group_by(col(Classification.comment_id))
    )
    columns: list[Any] = [Comment.text, Classification.label, Comment.platform, Comment.school_id]
    stmt: Any = (
        sa_select(*columns)
        .join(Comment, col(Comment.id) == Classification.comment_id)
        .where(col(Classification.id).in_(latest))
        .order_by(col(Classification.id))
    )
    allowed = viewer.school_filter()
    if allowed is not None:
        stmt = stmt.where(col(Comment.school_id).in_(sorted(allowed)))
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    found: list[Any] = list(session.execute(stmt).all())
    for text, label, platform, school_id in found:
        if can_see_text(viewer, school_id, label):
            writer.writerow((text, label, platform, f"relabelled at {school_id}"))
    return out.getvalue()
