"""One item: the page, its actions, and the evidence export."""

from __future__ import annotations

import asyncio

from aiohttp import web

from bot.config import SchoolConfig
from bot.knowledge import answer_text, best_entry
from bot.labels import Label
from bot.outbox_status import failures, unfinished
from bot.web.common import db, due_time, flash, not_found, now, render, viewer
from bot.web.keys import ACTION_WAIT, CONFIG, PRESENCE, WAKE_OUTBOX
from bot.workspace.triage import neighbours
from bot.workspace.triage_actions import (
    PRIVATE_FIRST,
    ActionForbidden,
    ActionRefused,
    ActionRequest,
    ConfirmationNeeded,
    DueTime,
    perform,
    reply_limit,
)
from bot.workspace.triage_item import ItemView, item_view
from bot.workspace.wording import advice

_POLL = 0.1
ADVANCE = frozenset({"reply", "private_reply", "handled", "dismiss", "escalate"})
"""Actions that finish an item: the page moves on to the next open one."""


def _item_id(request: web.Request) -> int:
    try:
        return int(request.match_info["item_id"])
    except ValueError:
        raise not_found() from None


def _due(request: web.Request) -> DueTime:
    return due_time(request.app[CONFIG])


def _x_tier(request: web.Request) -> str:
    return request.app[CONFIG].platforms.x.tier


async def item_page(request: web.Request) -> web.Response:
    return await _render_item(request, _item_id(request))


async def _render_item(
    request: web.Request, item_id: int, *, draft: str | None = None, status: int = 200
) -> web.Response:
    """The item page; ``draft`` is a reply the champion wrote that was not sent."""
    item = await db(
        request,
        item_view,
        viewer(request),
        item_id,
        now=now(request),
        x_tier=_x_tier(request),
    )
    if item is None:
        raise not_found()
    who = viewer(request)
    previous, following = await db(request, neighbours, who, item.id, now=now(request))
    reply, source = _suggestion(request, item)
    if draft is not None:  # the champion's own words come back, not the suggestion
        reply, source = draft, ""
    school = _school(request, item.school_id)
    context = {
        "reply_text": reply,
        "reply_source": source,
        "reply_limit": reply_limit(item.platform),
        "draft": draft,
        "saved_replies": school.saved_replies if school and item.readable else [],
        "previous": previous,
        "following": following,
        "item": item,
        "viewing": request.app[PRESENCE].saw(item.id, who.id, who.display, now(request)),
        "labels": [label.value for label in Label],
        "private_first": item.label in PRIVATE_FIRST,
    }
    return await render(request, "item.html", context, status=status)


def _school(request: web.Request, school_id: str) -> SchoolConfig | None:
    return next((s for s in request.app[CONFIG].schools if s.id == school_id), None)


def _suggestion(request: web.Request, item: ItemView) -> tuple[str, str]:
    """The reply box's text and where it came from: a saved reply asked for (``?use=N``), a
    knowledge-base answer to a question, or the policy's suggested reply."""
    school = _school(request, item.school_id)
    if school is not None and item.readable:
        use = request.query.get("use", "")
        if use.isdigit() and int(use) < len(school.saved_replies):
            saved = school.saved_replies[int(use)]
            return saved.text, f"your saved reply “{saved.title}”"
        if item.label == Label.QUESTION.value and item.text:
            entry = best_entry(item.text, school.knowledge)
            if entry is not None:
                first = (item.author_name or "").split(" ")[0]
                return answer_text(entry, first), f"the knowledge base entry “{entry.topic}”"
    return item.suggested_reply or "", ""


async def item_action(request: web.Request) -> web.StreamResponse:
    item_id = _item_id(request)
    form = await request.post()
    action = ActionRequest(
        action=str(form.get("action", "")),
        nonce=str(form.get("nonce", "")),
        text=str(form.get("text", "")),
        label=str(form.get("label", "")),
        note=str(form.get("note", "")),
        confirm=str(form.get("confirm", "")),
        assignee=str(form.get("assignee", "")),
    )
    try:
        outcome = await db(
            request,
            perform,
            viewer(request),
            item_id,
            action,
            now=now(request),
            x_tier=_x_tier(request),
            due=_due(request),
        )
    except ActionForbidden as exc:
        raise web.HTTPForbidden(text=str(exc)) from None
    except ActionRefused as exc:
        await flash(request, f"Not done: {exc}", "error")
        keep = not isinstance(exc, ConfirmationNeeded)  # the box still holds it then
        if keep and action.action in ("reply", "private_reply"):  # keep what they wrote
            return await _render_item(request, item_id, draft=action.text, status=422)
        raise web.HTTPSeeOther(f"/items/{item_id}") from None
    if outcome is None:
        raise not_found()
    message, kind = outcome.message, "info"
    if outcome.action_ids:
        wake = request.app[WAKE_OUTBOX]
        if wake is not None:
            wake()
            await _wait_for(request, outcome.action_ids)
        failed = await db(request, failures, outcome.action_ids)
        if failed:
            message, kind = f"Not done on the platform: {advice(failed[0])}", "error"
        elif not await db(request, unfinished, outcome.action_ids):
            message += " Done on the platform."
    undo = item_id if outcome.undo else None
    if action.action in ADVANCE and kind != "error":
        _, following = await db(request, neighbours, viewer(request), item_id, now=now(request))
        await flash(request, f"#{item_id}: {message}", kind, undo_item=undo)
        if following is None:
            await flash(request, "That was the last open item: the queue is clear.")
            raise web.HTTPSeeOther("/queue")
        raise web.HTTPSeeOther(f"/items/{following}")
    await flash(request, message, kind, undo_item=undo)
    raise web.HTTPSeeOther(f"/items/{item_id}#actions")


async def _wait_for(request: web.Request, action_ids: list[int]) -> None:
    """Give the worker a moment, so the page shows "sent" rather than "queued" when it can."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + request.app[ACTION_WAIT]
    while loop.time() < deadline:
        if not await db(request, unfinished, action_ids):
            return
        await asyncio.sleep(_POLL)


async def evidence(request: web.Request) -> web.Response:
    item = await db(
        request,
        item_view,
        viewer(request),
        _item_id(request),
        now=now(request),
        x_tier=_x_tier(request),
    )
    if item is None or not item.readable:
        raise not_found()
    return await render(request, "evidence.html", {"item": item})
