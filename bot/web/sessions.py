"""Sessions in encrypted cookies: aiohttp-session's storage behind typed request keys."""

from __future__ import annotations

from aiohttp import web
from aiohttp.typedefs import Handler
from aiohttp_session import Session
from aiohttp_session.cookie_storage import EncryptedCookieStorage

STORAGE = web.AppKey("session_storage", EncryptedCookieStorage)
SESSION = web.RequestKey("session", Session)


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
