"""The simulator's webhooks: Facebook ``feed`` and Instagram ``comments`` sent as Meta sends them.

Signed with the app secret (``X-Hub-Signature-256``), entries of one object batched into one
delivery, retried with back-off on anything but a 200, and, when asked, sometimes sent twice
or out of order. Configured with ``POST /_sim/webhooks``; counters at ``GET /_sim/webhooks``.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import random
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from aiohttp import web

from connectors.meta_webhooks import SIGNATURE_HEADER, sign
from connectors.records import Platform
from connectors.simulator.keys import STATE
from connectors.simulator.state import SimError, SimItem, SimState

_LOGGER = logging.getLogger(__name__)
_OBJECT = {Platform.FACEBOOK: "page", Platform.INSTAGRAM: "instagram"}


@dataclass
class WebhookSettings:
    url: str | None = None
    app_secret: str = ""
    batch_ms: float = 50.0
    max_batch: int = 50
    duplicate_rate: float = 0.0
    reorder_rate: float = 0.0
    retry_seconds: float = 1.0
    max_retry_seconds: float = 60.0
    subscribed_only: bool = False
    seed: int = 0


@dataclass
class WebhookCounters:
    events: int = 0
    deliveries: int = 0
    duplicates: int = 0
    reordered: int = 0
    retries: int = 0
    delivered: int = 0
    #: When each comment's event was made (monotonic seconds), for the benchmark.
    made_at: dict[str, float] = field(default_factory=dict)


class WebhookSender:
    """Queues changes as the state tells of them; one task batches, signs and delivers."""

    def __init__(self, state: SimState) -> None:
        self.settings = WebhookSettings()
        self.counters = WebhookCounters()
        self._state = state
        self._queue: asyncio.Queue[tuple[Platform, str, dict[str, Any]]] = asyncio.Queue()
        self._random = random.Random(0)  # noqa: S311 - seeded faults, not cryptography
        self._inflight: set[asyncio.Task[None]] = set()

    def configure(self, body: dict[str, Any]) -> None:
        known = {k: v for k, v in body.items() if k in WebhookSettings.__dataclass_fields__}
        if len(known) != len(body):
            unknown = sorted(set(body) - set(known))
            raise SimError(f"unknown webhook settings {unknown}")
        self.settings = WebhookSettings(**known)
        self.counters = WebhookCounters()
        self._random = random.Random(self.settings.seed)  # noqa: S311

    def on_change(self, verb: str, item: SimItem) -> None:
        if self.settings.url is None or item.kind != "comment" or item.platform not in _OBJECT:
            return
        if self.settings.subscribed_only and not self._state.subscriptions.get(item.account):
            return
        if item.platform is Platform.INSTAGRAM and verb != "add":
            return  # Instagram sends no hide events
        self.counters.events += 1
        self.counters.made_at.setdefault(item.id, time.monotonic())
        self._queue.put_nowait((item.platform, item.account, _entry(verb, item)))

    async def run(self, session: aiohttp.ClientSession) -> None:
        while True:
            first = await self._queue.get()
            await asyncio.sleep(self.settings.batch_ms / 1000)
            waiting = [first]
            while not self._queue.empty() and len(waiting) < self.settings.max_batch * 4:
                waiting.append(self._queue.get_nowait())
            for body in self._deliveries(waiting):
                self._send_soon(session, body)

    def _deliveries(self, waiting: list[tuple[Platform, str, dict[str, Any]]]) -> list[bytes]:
        by_object: dict[Platform, list[dict[str, Any]]] = {}
        for platform, _account, entry in waiting:
            by_object.setdefault(platform, []).append(entry)
        bodies: list[bytes] = []
        size = max(1, self.settings.max_batch)
        for platform, entries in by_object.items():
            for start in range(0, len(entries), size):
                chunk = entries[start : start + size]
                delivery = {"object": _OBJECT[platform], "entry": chunk}
                bodies.append(json.dumps(delivery).encode())
        if len(bodies) > 1 and self._random.random() < self.settings.reorder_rate:
            self.counters.reordered += 1
            bodies.reverse()
        doubled = []
        for body in bodies:
            doubled.append(body)
            if self._random.random() < self.settings.duplicate_rate:
                self.counters.duplicates += 1
                doubled.append(body)
        return doubled

    def _send_soon(self, session: aiohttp.ClientSession, body: bytes) -> None:
        task = asyncio.create_task(self._deliver(session, body))
        self._inflight.add(task)
        task.add_done_callback(self._inflight.discard)

    async def _deliver(self, session: aiohttp.ClientSession, body: bytes) -> None:
        """POST until answered 200, waiting longer after each failure (Meta retries for hours)."""
        wait = self.settings.retry_seconds
        url = self.settings.url
        headers = {
            "Content-Type": "application/json",
            SIGNATURE_HEADER: sign(body, self.settings.app_secret),
        }
        while url is not None:
            self.counters.deliveries += 1
            try:
                async with session.post(url, data=body, headers=headers) as response:
                    if response.status == 200:
                        self.counters.delivered += 1
                        return
            except (aiohttp.ClientError, TimeoutError):
                pass
            self.counters.retries += 1
            await asyncio.sleep(wait)
            wait = min(wait * 2, self.settings.max_retry_seconds)

    async def stop(self) -> None:
        for task in list(self._inflight):
            task.cancel()
        for task in list(self._inflight):
            with contextlib.suppress(asyncio.CancelledError):
                await task


def _entry(verb: str, item: SimItem) -> dict[str, Any]:
    created = int(item.created.timestamp())
    if item.platform is Platform.FACEBOOK:
        value: dict[str, Any] = {
            "from": {"id": item.author_id, "name": item.author_name},
            "post": {"id": item.post_id, "status_type": "mobile_status_update"},
            "post_id": item.post_id,
            "comment_id": item.id,
            "created_time": created,
            "item": "comment",
            "parent_id": item.parent_id or item.post_id,
            "verb": verb,
        }
        if verb == "add":
            value["message"] = item.text
        change = {"field": "feed", "value": value}
    else:
        value = {
            "from": {"id": item.author_id, "username": item.author_username},
            "media": {"id": item.post_id, "media_product_type": "FEED"},
            "id": item.id,
            "text": item.text,
        }
        if item.parent_id:
            value["parent_id"] = item.parent_id
        change = {"field": "comments", "value": value}
    return {"id": item.account, "time": int(time.time()), "changes": [change]}


SENDER = web.AppKey("sim_webhooks", WebhookSender)


async def sim_webhooks(request: web.Request) -> web.Response:
    sender = request.app[SENDER]
    if request.method == "POST":
        try:
            body = await request.json()
        except ValueError as exc:
            raise SimError("request body is not JSON") from exc
        if not isinstance(body, dict):
            raise SimError("request body must be a JSON object")
        sender.configure(body)
    counters = {k: v for k, v in vars(sender.counters).items() if k != "made_at"}
    return web.json_response({"url": sender.settings.url, **counters})


async def webhooks_ctx(app: web.Application) -> AsyncIterator[None]:
    sender = app[SENDER]
    async with aiohttp.ClientSession() as session:
        task = asyncio.create_task(sender.run(session))
        yield
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        await sender.stop()


def install(app: web.Application) -> None:
    sender = WebhookSender(app[STATE])
    app[STATE].listeners.append(sender.on_change)
    app[SENDER] = sender
    app.cleanup_ctx.append(webhooks_ctx)
    app.router.add_route("*", "/_sim/webhooks", sim_webhooks)
