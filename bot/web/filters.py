"""Jinja2 filters and globals for the dashboard's templates."""

from __future__ import annotations

import hashlib
from datetime import datetime
from pathlib import Path

import jinja2

from bot.config import Config
from bot.workspace.wording import advice, event_name

STATIC = Path(__file__).resolve().parent / "static"
LABEL_NAMES = {"personal_data": "personal data"}
ACTION_NAMES = {
    "reply": "public reply",
    "private_reply": "private reply",
    "alert": "DSL alert",
}
PLATFORM_NAMES = {"facebook": "Facebook", "instagram": "Instagram", "x": "X"}
STATUS_NAMES = {
    "pending": "queued",
    "in_flight": "sending",
    "done": "done",
    "failed": "failed",
    "waiting": "waiting for the account to work again",
}


def _static_url(name: str) -> str:
    digest = hashlib.sha256((STATIC / name).read_bytes()).hexdigest()[:10]
    return f"/static/{name}?v={digest}"


def install(env: jinja2.Environment, config: Config) -> None:
    tz = config.trust.tz

    def when(value: datetime | None) -> str:
        if value is None:
            return "—"
        return value.astimezone(tz).strftime("%a %-d %b %Y, %H:%M")

    def iso(value: datetime | None) -> str:
        return value.astimezone(tz).isoformat(timespec="minutes") if value else ""

    def ago(value: datetime | None, now: datetime) -> str:
        if value is None:
            return "—"
        seconds = int((now - value).total_seconds())
        future = seconds < 0
        seconds = abs(seconds)
        if seconds < 60:
            text = "under a minute"
        elif seconds < 3600:
            text = f"{seconds // 60} min"
        elif seconds < 86400:
            text = f"{seconds // 3600} h"
        else:
            text = f"{seconds // 86400} d"
        return f"in {text}" if future else f"{text} ago"

    env.filters["when"] = when
    env.filters["iso"] = iso
    env.filters["ago"] = ago
    env.filters["label_name"] = lambda label: LABEL_NAMES.get(label, label)
    env.filters["action_name"] = lambda kind: ACTION_NAMES.get(kind, kind)
    school_names = {school.id: school.name for school in config.schools}
    env.filters["school_name"] = lambda school_id: school_names.get(school_id, school_id)
    env.filters["event_name"] = event_name
    env.filters["advice"] = advice
    env.filters["platform_name"] = lambda platform: PLATFORM_NAMES.get(platform, platform)
    env.filters["action_status"] = lambda status: STATUS_NAMES.get(status, status)
    env.globals["css_url"] = _static_url("style.css")
    env.globals["js_url"] = _static_url("app.js")
