"""``/webhooks/meta``: Meta's verification handshake, and deliveries stored first, answered 200.

Nothing reaches the database until the body's size, signature and JSON are right. Each kind
of bad request is logged once per source address, never with the body or a secret.
"""

from __future__ import annotations

import asyncio
import hmac
import logging
from collections import OrderedDict
from collections.abc import Callable, Mapping
from datetime import datetime

from aiohttp import web
from sqlalchemy import Engine

from bot.webhooks.store import AccountKey, store_changes
from connectors.meta_webhooks import (
    SIGNATURE_HEADER,
    MalformedDelivery,
    parse_delivery,
    verify_signature,
)
from models.types import utcnow

_LOGGER = logging.getLogger(__name__)
PATH = "/webhooks/meta"
_REMEMBERED = 4096


class _Body(Exception):
    """The body is larger than allowed."""


class LogOnce:
    """Logs each (kind, source) once; remembers a bounded number of them."""

    def __init__(self, size: int = _REMEMBERED) -> None:
        self._seen: OrderedDict[tuple[str, str], None] = OrderedDict()
        self._size = size

    def warning(self, kind: str, source: str, message: str, *args: object) -> None:
        key = (kind, source)
        if key in self._seen:
            return
        self._seen[key] = None
        if len(self._seen) > self._size:
            self._seen.popitem(last=False)
        _LOGGER.warning(message, *args, extra={"source": source})


class MetaReceiver:
    """Checks and stores deliveries; ``on_stored`` wakes the processor."""

    def __init__(
        self,
        engine: Engine,
        accounts: Mapping[AccountKey, int],
        *,
        app_secret: str,
        verify_token: str,
        on_stored: Callable[[], None] = lambda: None,
        max_body_bytes: int = 1024 * 1024,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self._engine = engine
        self._accounts = dict(accounts)
        self._app_secret = app_secret
        self._verify_token = verify_token
        self._on_stored = on_stored
        self._max = max_body_bytes
        self._clock = clock
        self._log = LogOnce()

    def install(self, app: web.Application) -> None:
        app.router.add_get(PATH, self.verify)
        app.router.add_post(PATH, self.deliver)

    async def verify(self, request: web.Request) -> web.Response:
        """The subscription handshake: echo ``hub.challenge`` when the token matches."""
        query = request.query
        token = query.get("hub.verify_token", "")
        if query.get("hub.mode") != "subscribe" or not hmac.compare_digest(
            token.encode(), self._verify_token.encode()
        ):
            self._log.warning(
                "verify", _source(request), "webhook verification refused: wrong mode or token"
            )
            return web.Response(status=403, text="verification failed")
        return web.Response(text=query.get("hub.challenge", ""))

    async def deliver(self, request: web.Request) -> web.Response:
        source = _source(request)
        try:
            body = await self._read(request)
        except _Body:
            self._log.warning("size", source, "webhook body over %d bytes refused", self._max)
            return web.Response(status=413, text="body too large")
        if not verify_signature(body, request.headers.get(SIGNATURE_HEADER), self._app_secret):
            self._log.warning("signature", source, "webhook with a bad or missing signature")
            return web.Response(status=403, text="bad signature")
        try:
            changes = parse_delivery(body)
        except MalformedDelivery as exc:
            self._log.warning("malformed", source, "unreadable webhook delivery: %s", exc)
            return web.Response(status=400, text="malformed delivery")
        stored = await asyncio.to_thread(
            store_changes, self._engine, changes, self._accounts, self._clock()
        )
        for platform, account in stored.unknown:
            self._log.warning(
                "unknown",
                f"{platform.value}:{account}",
                "webhook for %s account %s, which is not configured: ignored",
                platform.value,
                account,
            )
        if stored.added:
            self._on_stored()
        return web.Response(text="EVENT_RECEIVED")

    async def _read(self, request: web.Request) -> bytes:
        if request.content_length is not None and request.content_length > self._max:
            raise _Body
        chunks: list[bytes] = []
        size = 0
        while chunk := await request.content.read(64 * 1024):
            size += len(chunk)
            if size > self._max:
                raise _Body
            chunks.append(chunk)
        return b"".join(chunks)


def _source(request: web.Request) -> str:
    return request.remote or "unknown"
