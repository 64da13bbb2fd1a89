"""The audit log for people: a request and its result as one event, events grouped by item."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from bot.workspace.wording import REQUESTS_OF, advice, event_name, plain_detail, result_kind


class Row(Protocol):
    @property
    def at(self) -> datetime: ...
    @property
    def actor(self) -> str: ...
    @property
    def action(self) -> str: ...
    @property
    def school_id(self) -> str | None: ...
    @property
    def item_id(self) -> int | None: ...
    @property
    def detail(self) -> str: ...
    @property
    def platform(self) -> str | None: ...


@dataclass(slots=True)
class AuditEvent:
    at: datetime
    actor: str
    """"Hallmonitor" for the bot, else the person's email."""
    code: str
    text: str
    detail: str = ""
    outcome: str = ""
    """"done", "failed" or "" (no answer from the platform on this page)."""
    outcome_at: datetime | None = None
    advice: str | None = None
    error: str = ""


@dataclass(slots=True)
class AuditGroup:
    item_id: int | None
    school_id: str | None
    platform: str | None
    events: list[AuditEvent] = field(default_factory=list)

    @property
    def latest(self) -> datetime:
        return max(event.at for event in self.events)


def _event(row: Row) -> AuditEvent:
    actor = "Hallmonitor" if row.actor == "hallmonitor" else row.actor
    return AuditEvent(
        at=row.at,
        actor=actor,
        code=row.action,
        text=event_name(row.action),
        detail=plain_detail(row.action, row.detail),
    )


def group_events(rows: Sequence[Row]) -> list[AuditGroup]:
    """Oldest first within an item, the item with the latest event first."""
    groups: dict[int | None, AuditGroup] = {}
    waiting: dict[tuple[int | None, str], list[AuditEvent]] = {}
    for row in sorted(rows, key=lambda r: r.at):
        group = groups.setdefault(row.item_id, AuditGroup(row.item_id, row.school_id, None))
        group.platform = group.platform or row.platform
        result = result_kind(row.action)
        if result is not None:
            kind, done = result
            request = _take(waiting, row.item_id, REQUESTS_OF.get(kind, ()))
            if request is not None:
                request.outcome = "done" if done else "failed"
                request.outcome_at = row.at
                if not done:
                    request.error = row.detail.removeprefix("failed: ")
                    request.advice = advice(row.detail)
                continue
            event = _event(row)
            event.outcome = "done" if done else "failed"
            if not done:
                event.detail = ""
                event.error = row.detail.removeprefix("failed: ")
                event.advice = advice(row.detail)
            group.events.append(event)
            continue
        event = _event(row)
        group.events.append(event)
        if row.action != "relabel" or row.detail.endswith("-> safeguarding"):
            waiting.setdefault((row.item_id, row.action), []).append(event)
    return sorted(groups.values(), key=lambda g: g.latest, reverse=True)


def _take(
    waiting: dict[tuple[int | None, str], list[AuditEvent]],
    item_id: int | None,
    codes: tuple[str, ...],
) -> AuditEvent | None:
    """The oldest request of these codes on this item still waiting for its result."""
    found: tuple[int | None, str] | None = None
    for code in codes:
        queue = waiting.get((item_id, code))
        if queue and (found is None or queue[0].at < waiting[found][0].at):
            found = (item_id, code)
    return waiting[found].pop(0) if found is not None else None
