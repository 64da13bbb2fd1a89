"""Helpers every dashboard handler uses: the database in a thread, rendering, flashes."""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import Callable
from datetime import datetime
from typing import Any, Concatenate, ParamSpec, TypeVar

import aiohttp_jinja2
from aiohttp import web
from sqlmodel import Session

from bot.config import Config
from bot.labels import Label
from bot.policy import due_at
from bot.web.keys import CLOCK, CONFIG, ENGINE, LIVE, VIEWER
from bot.web.sessions import get_session
from bot.workspace.access import Viewer
from models import session_scope

P = ParamSpec("P")
T = TypeVar("T")

CSRF_FIELD = "csrf"


async def db(
    request: web.Request,
    fn: Callable[Concatenate[Session, P], T],
    *args: P.args,
    **kwargs: P.kwargs,
) -> T:
    """Run ``fn(session, ...)`` in one transaction, in a worker thread."""
    engine = request.app[ENGINE]

    def run() -> T:
        with session_scope(engine) as session:
            return fn(session, *args, **kwargs)

    return await asyncio.to_thread(run)


def due_time(config: Config) -> Callable[[Label, datetime], datetime]:
    """An item's due time under the config's ``[queue]``, for relabelling."""
    return lambda label, received: due_at(label, received, config.queue, config.trust.tz)


def now(request: web.Request) -> datetime:
    return request.app[CLOCK]()


def viewer(request: web.Request) -> Viewer:
    return request[VIEWER]


def new_nonce() -> str:
    """One per rendered action form: the outbox key, so a double submit queues once."""
    return secrets.token_urlsafe(16)


async def csrf_token(request: web.Request) -> str:
    session = await get_session(request)
    token = session.get(CSRF_FIELD)
    if not isinstance(token, str):
        token = secrets.token_urlsafe(32)
        session[CSRF_FIELD] = token
    return token


async def flash(
    request: web.Request, message: str, kind: str = "info", *, undo_item: int | None = None
) -> None:
    """A message for the next page; ``undo_item`` adds an Undo button that reopens that item."""
    session = await get_session(request)
    session["flash"] = [*session.get("flash", []), [kind, message, undo_item]][-5:]


async def render(
    request: web.Request, template: str, context: dict[str, Any], *, status: int = 200
) -> web.Response:
    session = await get_session(request)
    flashes = session.pop("flash", [])
    base = {
        "viewer": request.get(VIEWER),
        "csrf": await csrf_token(request),
        "flashes": flashes,
        "nonce": new_nonce,
        "trust_name": request.app[CONFIG].trust.name,
        "now": now(request),
        "live_stamp": request.app[LIVE].stamp,
    }
    response = aiohttp_jinja2.render_template(template, request, {**base, **context})
    response.set_status(status)
    return response


def not_found() -> web.HTTPNotFound:
    return web.HTTPNotFound(text="Not found")
