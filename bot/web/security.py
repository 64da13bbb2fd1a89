"""Sign-in enforcement (cookie and server record), CSRF checks and security headers."""

from __future__ import annotations

import hmac
import logging
import os
import re
import time
from collections.abc import Mapping
from urllib.parse import quote

from aiohttp import web
from aiohttp.typedefs import Handler
from aiohttp_session.cookie_storage import EncryptedCookieStorage
from cryptography.fernet import Fernet

from bot.config import Config
from bot.web.common import CSRF_FIELD, db
from bot.web.keys import VIEWER
from bot.web.sessions import (
    SESSION_IDLE,
    STORAGE,
    get_session,
    session_middleware,
    signed_in_viewer,
)
from models.types import utcnow

_LOGGER = logging.getLogger(__name__)

COOKIE_NAME = "hallmonitor_session"
SESSION_MAX_AGE = int(SESSION_IDLE.total_seconds())
"""A session ends after 12 hours without a request (the server's record says the same)."""
_TOUCH_EVERY = 300
PUBLIC_PREFIXES = ("/login", "/healthz", "/static/")
MACHINE_PREFIXES = ("/webhooks/",)
"""Called by platforms, not people: no session, no CSRF form; they check their own signatures."""
CSP = (
    "default-src 'none'; style-src 'self'; img-src 'self'; script-src 'self'; "
    "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)


class SecretKeyError(ValueError):
    """The session secret in the environment is not a Fernet key."""


def session_secret(config: Config, environ: Mapping[str, str] = os.environ) -> Fernet:
    """From the variable named by ``dashboard.secret_key_env``, else a random key."""
    name = config.dashboard.secret_key_env
    value = environ.get(name) if name else None
    if value:
        try:
            return Fernet(value.strip())
        except ValueError:
            raise SecretKeyError(
                f"{name} must be 32 bytes in url-safe base64 "
                '(python -c "from cryptography.fernet import Fernet; '
                'print(Fernet.generate_key().decode())")'
            ) from None
    _LOGGER.warning(
        "no dashboard secret key set (dashboard.secret_key_env): using a random one, "
        "so sign-ins will not survive a restart"
    )
    return Fernet(Fernet.generate_key())


def session_key_problem(config: Config, environ: Mapping[str, str] = os.environ) -> str | None:
    """What is wrong with the session key that is set (never its value), before anything starts."""
    name = config.dashboard.secret_key_env
    if not name or not environ.get(name):
        return None
    try:
        session_secret(config, environ)
    except SecretKeyError as exc:
        return str(exc)
    return None


def secure_cookies(config: Config) -> bool:
    dashboard = config.dashboard
    return dashboard.secure_cookies or dashboard.base_url.lower().startswith("https://")


def setup_sessions(app: web.Application, config: Config, secret: Fernet) -> None:
    storage = EncryptedCookieStorage(
        secret,
        cookie_name=COOKIE_NAME,
        max_age=SESSION_MAX_AGE,
        httponly=True,
        samesite="Lax",
        secure=secure_cookies(config),
    )
    app[STORAGE] = storage
    app.middlewares.append(session_middleware)


@web.middleware
async def security_headers(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        response = await handler(request)
    except web.HTTPException as exc:
        response = exc
        _headers(response)
        raise
    _headers(response)
    return response


def _headers(response: web.StreamResponse) -> None:
    response.headers.setdefault("Content-Security-Policy", CSP)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers.setdefault("Cache-Control", "no-store")


def _public(path: str) -> bool:
    return path.startswith(PUBLIC_PREFIXES)


@web.middleware
async def require_sign_in(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Loads the viewer from the session; pages need one, every POST needs the CSRF token."""
    if request.path.startswith(MACHINE_PREFIXES):
        return await handler(request)
    session = await get_session(request)
    user_id = session.get("user_id")
    session_id = session.get("sid")
    if isinstance(user_id, int):
        found = None
        if isinstance(session_id, str):
            found = await db(request, signed_in_viewer, user_id, session_id, utcnow())
        if found is not None and hmac.compare_digest(found.fingerprint, session.get("fp", "")):
            request[VIEWER] = found
            if time.time() - session.get("seen", 0) > _TOUCH_EVERY:
                session["seen"] = int(time.time())
        else:
            session.invalidate()
    if request.method == "POST":
        form = await request.post()
        sent = form.get(CSRF_FIELD)
        expected = session.get(CSRF_FIELD)
        if not (
            isinstance(sent, str)
            and isinstance(expected, str)
            and hmac.compare_digest(sent, expected)
        ):
            raise web.HTTPForbidden(
                text="This form has expired or did not come from this site. "
                "Go back, reload the page and try again."
            )
    if request.get(VIEWER) is None and not _public(request.path):
        if request.method == "GET":
            target = request.rel_url.raw_path_qs  # still percent-encoded: no raw space
            raise web.HTTPSeeOther(f"/login?next={_quote(target)}")
        raise web.HTTPForbidden(text="Sign in first.")
    return await handler(request)


def _quote(target: str) -> str:
    return quote(target, safe="")


_UNSAFE_IN_NEXT = re.compile(r"[\x00-\x20\x7f\\]")


def safe_next(target: str | None) -> str:
    """Only a local path: never an open redirect to another site.

    Browsers drop tabs and newlines from a URL and read ``\\`` as ``/``, so ``/<TAB>/evil``
    would become ``//evil``: a target with any control character, space or backslash is
    refused (the targets we make are percent-encoded and never hold one).
    """
    if (
        target
        and target.startswith("/")
        and not target.startswith("//")
        and not _UNSAFE_IN_NEXT.search(target)
    ):
        return target
    return "/queue"
