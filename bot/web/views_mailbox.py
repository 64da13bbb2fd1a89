"""The demo mailbox: the alerts saved as .eml files, listed and shown as plain text."""

from __future__ import annotations

import asyncio
from pathlib import Path

from aiohttp import web

from bot.web.common import not_found, render, viewer
from bot.web.keys import CONFIG
from bot.workspace.mailbox import body_parts, list_messages, may_open, read_message


def _maildir(request: web.Request) -> Path:
    """The maildir, or 404 when none is set or the viewer is a champion."""
    maildir = request.app[CONFIG].email.maildir
    if maildir is None or not may_open(viewer(request)):
        raise not_found()
    return maildir


async def mailbox(request: web.Request) -> web.Response:
    maildir = _maildir(request)
    messages = await asyncio.to_thread(list_messages, maildir, viewer(request))
    return await render(request, "mailbox.html", {"messages": messages})


async def mailbox_message(request: web.Request) -> web.Response:
    maildir = _maildir(request)
    name = request.match_info["name"]
    message = await asyncio.to_thread(read_message, maildir, name, viewer(request))
    if message is None:
        raise not_found()
    base_url = request.app[CONFIG].dashboard.base_url
    parts = body_parts(message.body, base_url)
    return await render(request, "mailbox_message.html", {"message": message, "parts": parts})
