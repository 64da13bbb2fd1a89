"""Typed application and request state shared by the dashboard's handlers."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from aiohttp import web
from sqlalchemy import Engine

from bot.config import Config
from bot.web.live_state import LiveQueue
from bot.workspace.access import Viewer
from bot.workspace.auth import SignInLimiter
from bot.workspace.presence import Presence

CONFIG = web.AppKey("config", Config)
ENGINE = web.AppKey("engine", Engine)
WAKE_OUTBOX: web.AppKey[Callable[[], None] | None] = web.AppKey("wake_outbox")
"""Called after anything is put in the outbox, so the worker runs at once."""
ACTION_WAIT = web.AppKey("action_wait", float)
"""Seconds a handler waits for queued actions to finish before showing the item again."""
CLOCK: web.AppKey[Callable[[], datetime]] = web.AppKey("clock")
LIMITER = web.AppKey("sign_in_limiter", SignInLimiter)
PRESENCE = web.AppKey("presence", Presence)
LIVE = web.AppKey("live", LiveQueue)

VIEWER = web.RequestKey("viewer", Viewer)
