"""Sign-in, sign-out and password change."""

from __future__ import annotations

from aiohttp import web

from bot.web.common import db, flash, now, render, viewer
from bot.web.keys import LIMITER
from bot.web.security import safe_next
from bot.web.sessions import (
    end_every_server_session,
    end_server_session,
    get_session,
    new_session,
    open_server_session,
)
from bot.workspace.access import password_fingerprint
from bot.workspace.auth import PasswordChangeError, authenticate, change_password, normalise_email
from models.types import utcnow

SIGN_IN_FAILED = (
    "Sign-in failed. Check your email address and password. After several failed attempts "
    "sign-in is paused for 15 minutes."
)


async def login_form(request: web.Request) -> web.Response:
    return await render(request, "login.html", {"next": safe_next(request.query.get("next"))})


async def login(request: web.Request) -> web.StreamResponse:
    form = await request.post()
    email = normalise_email(str(form.get("email", "")))[:254]
    password = str(form.get("password", ""))[:1024]
    target = safe_next(str(form.get("next", "")))
    address = request.remote or "unknown"
    limiter = request.app[LIMITER]
    user = None
    if email and password and limiter.allowed(address, email):
        user = await db(request, authenticate, email, password, now=now(request))
    if user is None or user.id is None:
        limiter.failed(address, email)
        context = {"next": target, "email": email, "error": SIGN_IN_FAILED}
        return await render(request, "login.html", context, status=401)
    limiter.succeeded(email)
    await _start_session(request, user.id, user.password_hash)
    raise web.HTTPSeeOther(target)


async def _start_session(request: web.Request, user_id: int, password_hash: str) -> None:
    """A fresh cookie for a new server-side session of this user."""
    session_id = await db(request, open_server_session, user_id, utcnow())
    session = await new_session(request)
    session["user_id"] = user_id
    session["sid"] = session_id
    session["fp"] = password_fingerprint(password_hash)


async def logout(request: web.Request) -> web.StreamResponse:
    """Ends the session on the server too: a copy of the cookie no longer signs anyone in."""
    session = await get_session(request)
    session_id = session.get("sid")
    if isinstance(session_id, str):
        await db(request, end_server_session, session_id)
    session.invalidate()
    raise web.HTTPSeeOther("/login")


async def password_form(request: web.Request) -> web.Response:
    return await render(request, "password.html", {})


async def password_change(request: web.Request) -> web.StreamResponse:
    form = await request.post()
    fields = [str(form.get(name, ""))[:1024] for name in ("current", "new", "again")]
    try:
        user = await db(request, change_password, viewer(request).id, *fields)
    except PasswordChangeError as exc:
        return await render(request, "password.html", {"error": str(exc)}, status=400)
    assert user.id is not None
    await db(request, end_every_server_session, user.id)
    await _start_session(request, user.id, user.password_hash)
    await flash(request, "Password changed. Other sessions are signed out.")
    raise web.HTTPSeeOther("/queue")
