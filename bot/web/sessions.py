"""Sessions: aiohttp-session's encrypted cookie behind typed request keys, and the server's
record of each sign-in, so that signing out (or a password change) ends it for every copy of
the cookie, not only for the browser that asked."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from aiohttp import web
from aiohttp.typedefs import Handler
from aiohttp_session import Session
from aiohttp_session.cookie_storage import EncryptedCookieStorage
from sqlmodel import Session as DbSession
from sqlmodel import col, delete

from bot.workspace.access import Viewer, load_viewer
from models import WebSession

STORAGE = web.AppKey("session_storage", EncryptedCookieStorage)
SESSION = web.RequestKey("session", Session)

SESSION_IDLE = timedelta(hours=12)
"""A session ends after 12 hours without a request (the cookie's max-age says the same)."""
_TOUCH_EVERY = timedelta(minutes=5)


def _key(session_id: str) -> str:
    """The row's key: a database reader learns nothing that would make a cookie."""
    return hashlib.sha256(session_id.encode()).hexdigest()


def open_server_session(db: DbSession, user_id: int, now: datetime) -> str:
    """Records a sign-in and returns the id the cookie carries; forgets long-idle sign-ins."""
    db.exec(delete(WebSession).where(col(WebSession.seen_at) < now - SESSION_IDLE))
    session_id = secrets.token_urlsafe(32)
    db.add(WebSession(id=_key(session_id), user_id=user_id, created_at=now, seen_at=now))
    return session_id


def signed_in_viewer(db: DbSession, user_id: int, session_id: str, now: datetime) -> Viewer | None:
    """The viewer of a live sign-in: its row exists, is that user's and is not idle too long."""
    row = db.get(WebSession, _key(session_id))
    if row is None or row.user_id != user_id or now - row.seen_at > SESSION_IDLE:
        return None
    if now - row.seen_at > _TOUCH_EVERY:
        row.seen_at = now
        db.add(row)
    return load_viewer(db, user_id)


def end_server_session(db: DbSession, session_id: str) -> None:
    db.exec(delete(WebSession).where(col(WebSession.id) == _key(session_id)))


def end_every_server_session(db: DbSession, user_id: int) -> None:
    """A password change: every sign-in of that user ends, on every device."""
    db.exec(delete(WebSession).where(col(WebSession.user_id) == user_id))


async def get_session(request: web.Request) -> Session:
    session = request.get(SESSION)
    if session is None:
        session = await request.app[STORAGE].load_session(request)
        request[SESSION] = session
    return session


async def new_session(request: web.Request) -> Session:
    """A fresh session (at sign-in), so an old cookie's contents never carry over."""
    session = await request.app[STORAGE].new_session()
    request[SESSION] = session
    return session


@web.middleware
async def session_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Saves the session into the response when a handler changed it (as aiohttp-session does)."""
    try:
        response = await handler(request)
    except web.HTTPException as exc:
        await _save(request, exc)
        raise
    await _save(request, response)
    return response


async def _save(request: web.Request, response: web.StreamResponse) -> None:
    session = request.get(SESSION)
    if session is not None and session._changed and not response.prepared:
        await request.app[STORAGE].save_session(request, response, session)
