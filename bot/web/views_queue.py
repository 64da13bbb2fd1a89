"""The queue page and its bulk actions."""

from __future__ import annotations

from urllib.parse import urlencode

from aiohttp import web

from bot.labels import Label
from bot.web.common import db, due_time, flash, now, render, viewer
from bot.web.keys import CONFIG, WAKE_OUTBOX
from bot.workspace.triage import AGE_CHOICES, PLATFORMS, STATUS_CHOICES, QueueFilters, list_queue
from bot.workspace.triage_actions import ActionRefused, bulk

VERBS = {
    "handled": "marked handled",
    "dismiss": "dismissed",
    "hide": "queued to be hidden",
    "relabel": "relabelled",
}


async def home(request: web.Request) -> web.StreamResponse:
    raise web.HTTPSeeOther("/queue")


async def queue(request: web.Request) -> web.Response:
    filters = QueueFilters.parse(request.query)
    tz = request.app[CONFIG].trust.tz
    page = await db(request, list_queue, viewer(request), filters, now=now(request), tz=tz)
    if filters.school and filters.school not in {school_id for school_id, _ in page.schools}:
        # A school that is not the viewer's lists nothing, whatever the filter says.
        filters = QueueFilters.parse({**request.query, "school": ""})
    context = {
        "page": page,
        "filters": filters,
        "labels": [label.value for label in Label],
        "platforms": PLATFORMS,
        "statuses": STATUS_CHOICES,
        "ages": {key: text for key, (text, _, _) in AGE_CHOICES.items()},
        "link": lambda **changes: "/queue?" + urlencode(filters.query(**changes)),
        "return_to": request.rel_url.path_qs,
    }
    return await render(request, "queue.html", context)


async def queue_bulk(request: web.Request) -> web.StreamResponse:
    form = await request.post()
    ids = []
    for value in form.getall("item", []):
        if isinstance(value, str) and value.isdigit():
            ids.append(int(value))
    action = str(form.get("bulk_action", ""))
    back = str(form.get("return_to", "/queue"))
    if not back.startswith("/queue"):
        back = "/queue"
    if not ids:
        await flash(request, "Tick at least one item first.", "error")
        raise web.HTTPSeeOther(back)
    try:
        outcome = await db(
            request,
            bulk,
            viewer(request),
            ids,
            action,
            now=now(request),
            nonce=str(form.get("nonce", "")),
            label=str(form.get("label", "")),
            x_tier=request.app[CONFIG].platforms.x.tier,
            due=due_time(request.app[CONFIG]),
        )
    except ActionRefused as exc:
        await flash(request, str(exc), "error")
        raise web.HTTPSeeOther(back) from None
    if action == "hide" and outcome.changed:
        wake = request.app[WAKE_OUTBOX]
        if wake is not None:
            wake()
    verb = VERBS[action]
    message = f"{outcome.changed} item{'s' if outcome.changed != 1 else ''} {verb}."
    if outcome.skipped:
        message += f" {outcome.skipped} skipped: not yours to change."
    await flash(request, message)
    if outcome.refused:
        await flash(request, "Not done: " + "; ".join(outcome.refused[:5]), "error")
    raise web.HTTPSeeOther(back)
