"""Typed application keys shared by the simulator's route modules."""

from __future__ import annotations

import asyncio

from aiohttp import web

from connectors.simulator.state import SimState

STATE = web.AppKey("sim_state", SimState)
STOPPING = web.AppKey("sim_stopping", asyncio.Event)


async def slow_down(app: web.Application, delay: float) -> None:
    """Answer late, but never hold up the server's shutdown."""
    try:
        await asyncio.wait_for(app[STOPPING].wait(), timeout=delay)
    except TimeoutError:
        return
