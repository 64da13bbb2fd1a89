"""The audit log, account health and the relabelled-comments export."""

from __future__ import annotations

from urllib.parse import urlencode

from aiohttp import web

from bot.account_health import account_health, undelivered_alerts
from bot.web.common import db, now, render, viewer
from bot.web.keys import CONFIG
from bot.workspace.evidence import AuditFilters, list_audit, relabelled_csv
from bot.workspace.triage import visible_schools


async def audit_log(request: web.Request) -> web.Response:
    filters = AuditFilters.parse(request.query)
    tz = request.app[CONFIG].trust.tz
    page = await db(request, list_audit, viewer(request), filters, tz=tz)
    schools = await db(request, visible_schools, viewer(request))
    query = {key: value for key, value in request.query.items() if key != "page"}
    context = {
        "page": page,
        "filters": filters,
        "schools": schools,
        "next_link": "/audit?" + urlencode({**query, "page": page.page + 1}),
        "prev_link": "/audit?" + urlencode({**query, "page": page.page - 1}),
    }
    return await render(request, "audit.html", context)


async def accounts(request: web.Request) -> web.Response:
    config = request.app[CONFIG]
    rows = await db(request, account_health, viewer(request), config, now=now(request))
    alerts = await db(request, undelivered_alerts, viewer(request), config, now=now(request))
    return await render(request, "accounts.html", {"accounts": rows, "undelivered": alerts})


async def relabelled_csv_export(request: web.Request) -> web.Response:
    if not viewer(request).is_admin:
        raise web.HTTPForbidden(text="Only trust admins export training data.")
    body = await db(request, relabelled_csv, viewer(request))
    return web.Response(
        text=body,
        content_type="text/csv",
        charset="utf-8",
        headers={"Content-Disposition": 'attachment; filename="relabelled.csv"'},
    )
