"""Live updates by server-sent events: open counts for the navigation, and a nudge to refresh.

One task per dashboard reads a cheap change stamp every few seconds; each open page's stream
wakes on a change and sends that viewer's counts."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import AsyncIterator

from aiohttp import web

from bot.web.common import db, viewer
from bot.web.keys import ENGINE, LIVE
from bot.workspace.live import change_stamp, open_counts
from models import session_scope

_LOGGER = logging.getLogger(__name__)
HEARTBEAT = 15.0


async def watch(app: web.Application) -> AsyncIterator[None]:
    """cleanup_ctx: the one task that reads the stamp."""
    live = app[LIVE]
    engine = app[ENGINE]

    def read() -> str:
        with session_scope(engine) as session:
            return change_stamp(session)

    async def loop() -> None:
        failing = False
        while not live.closing:
            try:
                live.publish(await asyncio.to_thread(read))
                if failing:
                    _LOGGER.info("live updates: reading the queue works again")
                failing = False
            except Exception:  # a task's edge: log once, keep going
                if not failing:
                    _LOGGER.exception("live updates: cannot read the queue")
                failing = True
            await asyncio.sleep(live.interval)

    task = asyncio.get_running_loop().create_task(loop())
    yield
    live.close()
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task


async def on_shutdown(app: web.Application) -> None:
    app[LIVE].close()


async def events(request: web.Request) -> web.StreamResponse:
    """``GET /events``: ``counts`` now and after every change; a comment line as heartbeat."""
    live = request.app[LIVE]
    who = viewer(request)
    response = web.StreamResponse(
        headers={
            "Content-Type": "text/event-stream",
            "Cache-Control": "no-store",
            "X-Accel-Buffering": "no",
        }
    )
    await response.prepare(request)
    seen = None
    try:
        while not live.closing:
            if seen != live.stamp:
                seen = live.stamp
                counts = await db(request, open_counts, who)
                data = {
                    "open": counts.open,
                    "with_dsl": counts.with_dsl,
                    "mine": counts.mine,
                    "stamp": seen,
                }
                await response.write(f"event: counts\ndata: {json.dumps(data)}\n\n".encode())
            else:
                await response.write(b": still here\n\n")
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(HEARTBEAT):
                    await live.wait(seen)
    except ConnectionResetError:
        pass  # the page was closed
    return response
