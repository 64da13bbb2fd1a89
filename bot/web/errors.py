"""Error pages with the dashboard around them: a 404 or 403 says what to do next."""

from __future__ import annotations

from aiohttp import web
from aiohttp.typedefs import Handler

from bot.web.common import render
from bot.web.keys import VIEWER

_TITLES = {
    403: ("Not yours to change", "You can see this item, but only the school's DSL or a trust "
          "admin can act on it."),
    404: ("Not found", "There is nothing here, or it belongs to a school that is not yours."),
}  # fmt: skip


@web.middleware
async def error_pages(request: web.Request, handler: Handler) -> web.StreamResponse:
    """A signed-in person gets a 404 or 403 as a page with the navigation, not bare text."""
    try:
        return await handler(request)
    except (web.HTTPNotFound, web.HTTPForbidden) as exc:
        if request.get(VIEWER) is None or request.method not in ("GET", "POST"):
            raise
        title, advice = _TITLES[exc.status]
        detail = exc.text if exc.status == 403 and exc.text else ""
        context = {"title": title, "advice": advice, "detail": detail}
        return await render(request, "error.html", context, status=exc.status)
