"""The Graph API transport shared by the Facebook and Instagram connectors."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import logging
import time
from collections.abc import AsyncGenerator, Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import aiohttp
from yarl import URL

from connectors.errors import (
    AlreadyDone,
    AuthError,
    ConnectorError,
    NotFound,
    PermissionMissing,
    RateLimited,
    TransientError,
)
from connectors.retry import Sleep
from connectors.scrub import Scrubber

_LOGGER = logging.getLogger(__name__)

DEFAULT_GRAPH_URL = "https://graph.facebook.com"
#: Pinned Graph API version; pass ``api_version`` to a connector to override it.
GRAPH_API_VERSION = "v25.0"

JSON = dict[str, Any]

_RATE_LIMIT_CODES = frozenset({4, 17, 32, 613})
_AUTH_CODES = frozenset({102, 190})
_TRANSIENT_CODES = frozenset({1, 2})
_ALREADY_REPLIED = 10900
_DEFAULT_RETRY_AFTER = 60.0


def appsecret_proof(token: str, app_secret: str) -> str:
    """HMAC-SHA256 of the token keyed with the app secret, as the Graph API wants it."""
    return hmac.new(app_secret.encode(), token.encode(), hashlib.sha256).hexdigest()


def parse_graph_time(value: object) -> datetime:
    """Graph timestamps look like ``2026-11-21T18:30:00+0000``."""
    if not isinstance(value, str):
        raise ValueError(f"not a timestamp: {type(value).__name__}")
    return datetime.strptime(value, "%Y-%m-%dT%H:%M:%S%z").astimezone(UTC)


def before(value: object, moment: datetime) -> bool:
    """Whether a Graph timestamp is older than ``moment`` (unreadable ones are not)."""
    try:
        return parse_graph_time(value) < moment
    except ValueError:
        return False


@dataclass(frozen=True, slots=True)
class TimeCursor:
    """Newest ``created_time`` seen, with the ids seen at that very second.

    Text form ``"<unix seconds>|<id>,<id>"``. A comment is new when it is newer than
    the second, or at that second with an id not listed.
    """

    seconds: int
    ids: frozenset[str] = frozenset()

    @classmethod
    def parse(cls, text: str | None) -> TimeCursor | None:
        if not text:
            return None
        head, _, tail = text.partition("|")
        if not head.isdigit():
            _LOGGER.warning("Ignoring an unreadable Graph cursor: reading the lookback again")
            return None
        return cls(int(head), frozenset(filter(None, tail.split(","))))

    def __str__(self) -> str:
        return f"{self.seconds}|{','.join(sorted(self.ids))}"

    def is_new(self, comment_id: str, created: datetime) -> bool:
        ts = int(created.timestamp())
        return ts > self.seconds or (ts == self.seconds and comment_id not in self.ids)

    def advanced(self, seen: list[tuple[str, datetime]]) -> TimeCursor:
        """This cursor moved on to cover ``seen`` (id, created) pairs."""
        cursor = self
        for comment_id, created in seen:
            ts = int(created.timestamp())
            if ts > cursor.seconds:
                cursor = TimeCursor(ts, frozenset({comment_id}))
            elif ts == cursor.seconds:
                cursor = TimeCursor(ts, cursor.ids | {comment_id})
        return cursor


def _usage_percent(headers: Mapping[str, str]) -> tuple[float, float]:
    """Highest usage percentage in the usage headers, and minutes to regain access."""
    highest = 0.0
    regain = 0.0
    for name in ("X-App-Usage", "X-Page-Usage", "X-Ad-Account-Usage"):
        raw = headers.get(name)
        if raw:
            try:
                values = json.loads(raw)
                highest = max([highest, *(float(v) for v in values.values())])
            except (ValueError, TypeError, AttributeError):
                _LOGGER.debug("Ignoring unreadable %s header", name)
    raw = headers.get("X-Business-Use-Case-Usage")
    if raw:
        try:
            for entries in json.loads(raw).values():
                for entry in entries:
                    for key in ("call_count", "total_cputime", "total_time"):
                        highest = max(highest, float(entry.get(key, 0)))
                    regain = max(regain, float(entry.get("estimated_time_to_regain_access", 0)))
        except (ValueError, TypeError, AttributeError):
            _LOGGER.debug("Ignoring unreadable X-Business-Use-Case-Usage header")
    return highest, regain


class GraphClient:
    """Thin Graph API client: ``_request()`` is the one place HTTP becomes our errors.

    The token travels in the ``Authorization`` header, never in a URL, so it cannot
    leak through a logged URL or an aiohttp exception.
    """

    def __init__(
        self,
        *,
        session_factory: Callable[[], aiohttp.ClientSession],
        token: str,
        base_url: str = DEFAULT_GRAPH_URL,
        api_version: str = GRAPH_API_VERSION,
        app_secret: str | None = None,
        timeout: float = 30.0,
        slow_down_at: float = 75.0,
        stop_at: float = 95.0,
        pace_seconds: float = 2.0,
        sleep: Sleep = asyncio.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._session_factory = session_factory
        self._token = token
        self._root = URL(base_url.rstrip("/") + "/" + api_version.strip("/"))
        self._proof = appsecret_proof(token, app_secret) if app_secret else None
        self._scrub = Scrubber([token, app_secret, self._proof])
        self._timeout = aiohttp.ClientTimeout(total=timeout)
        self._slow_down_at = slow_down_at
        self._stop_at = stop_at
        self._pace_seconds = pace_seconds
        self._sleep = sleep
        self._clock = clock
        self._paused_until = 0.0
        self.usage = 0.0

    def _url(self, path_or_url: str) -> URL:
        """An API path, or a paging ``next`` URL re-rooted on our base URL, minus any token."""
        if path_or_url.startswith(("http://", "https://")):
            given = URL(path_or_url)
            version_and_path = given.path.lstrip("/")
            _, _, rest = version_and_path.partition("/")
            query = {k: v for k, v in given.query.items() if k not in ("access_token",)}
            return (self._root / rest).with_query(query)
        return self._root / path_or_url.lstrip("/")

    async def get(self, path: str, params: Mapping[str, str | int] | None = None) -> JSON:
        return await self._request("GET", path, params=params)

    async def post(self, path: str, body: Mapping[str, Any]) -> JSON:
        return await self._request("POST", path, body=body)

    async def pages(self, first: JSON, *, max_pages: int = 500) -> AsyncGenerator[list[Any], None]:
        """Yield ``first["data"]`` and every following page, to the end of the cursors.

        Use it under ``contextlib.aclosing`` when the loop may stop early.
        """
        page: JSON | None = first
        for _ in range(max_pages):
            if page is None:
                return
            data = page.get("data")
            yield data if isinstance(data, list) else []
            paging = page.get("paging")
            next_url = paging.get("next") if isinstance(paging, dict) else None
            page = await self.get(next_url) if isinstance(next_url, str) and next_url else None
        _LOGGER.warning("Stopped following Graph paging after %s pages", max_pages)

    async def _request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, str | int] | None = None,
        body: Mapping[str, Any] | None = None,
    ) -> JSON:
        """The boundary: no error leaves with the token, the app secret or the proof in it."""
        try:
            return await self._exchange(method, path, params=params, body=body)
        except ConnectorError as exc:
            raise exc.scrubbed(self._scrub) from exc.__cause__

    async def _exchange(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, str | int] | None = None,
        body: Mapping[str, Any] | None = None,
    ) -> JSON:
        url = self._url(path)
        now = self._clock()
        if self._paused_until > now:
            raise RateLimited(
                f"Graph API usage at {self.usage:.0f}%: pausing before the limit",
                retry_after=self._paused_until - now,
            )
        if self._paused_until:  # the pause is over: the usage we saw is stale
            self._paused_until = 0.0
            self.usage = 0.0
        if self.usage >= self._slow_down_at:
            await self._sleep(self._pace_seconds)
        query: dict[str, str] = dict(url.query)
        query.update({k: str(v) for k, v in (params or {}).items()})
        query.pop("access_token", None)
        if self._proof:
            query["appsecret_proof"] = self._proof
        headers = {"Authorization": f"Bearer {self._token}"}
        try:
            async with self._session_factory().request(
                method,
                url.with_query(None),
                params=query,
                json=dict(body) if body is not None else None,
                headers=headers,
                timeout=self._timeout,
            ) as response:
                status = response.status
                response_headers = response.headers.copy()
                raw = await response.read()
        except TimeoutError as exc:
            raise TransientError(f"Graph API timed out: {method} {url.path}") from exc
        except aiohttp.ClientError as exc:
            raise TransientError(
                f"Graph API unreachable: {method} {url.path}: {type(exc).__name__}"
            ) from exc
        self._note_usage(response_headers)
        try:
            payload = json.loads(raw)
        except ValueError as exc:
            raise TransientError(
                f"Graph API sent unreadable JSON (HTTP {status}) for {url.path}"
            ) from exc
        if isinstance(payload, dict) and "error" in payload:
            raise self._error(status, payload["error"], response_headers)
        if status >= 400:
            raise self._error(status, {}, response_headers)
        if not isinstance(payload, dict):
            raise TransientError(f"Graph API sent a {type(payload).__name__}, not an object")
        return payload

    def _note_usage(self, headers: Mapping[str, str]) -> None:
        usage, regain_minutes = _usage_percent(headers)
        if usage >= self._slow_down_at > self.usage:
            _LOGGER.info("Graph API usage at %.0f%%: slowing down", usage)
        self.usage = usage
        if regain_minutes > 0:
            self._paused_until = self._clock() + regain_minutes * 60
        elif usage >= self._stop_at:
            self._paused_until = self._clock() + _DEFAULT_RETRY_AFTER

    def _error(self, status: int, error: object, headers: Mapping[str, str]) -> ConnectorError:
        if not isinstance(error, dict):
            error = {}
        code = error.get("code") if isinstance(error.get("code"), int) else None
        subcode = error.get("error_subcode")
        message = str(error.get("message") or f"HTTP {status}")
        text = f"Graph API error {code}/{subcode}: {message} (fbtrace_id {error.get('fbtrace_id')})"
        if code in _AUTH_CODES:
            return AuthError(text, code=code)
        if code == _ALREADY_REPLIED:
            return AlreadyDone(text, code=code)
        if status == 429 or code in _RATE_LIMIT_CODES or (code and 80001 <= code <= 80099):
            return RateLimited(text, retry_after=self._retry_after(headers), code=code)
        if code == 10 or (code is not None and 200 <= code <= 299):
            return PermissionMissing(text, code=code)
        if status == 404 or (code == 100 and subcode == 33):
            return NotFound(text, code=code)
        if status >= 500 or code in _TRANSIENT_CODES or error.get("is_transient") is True:
            return TransientError(text, code=code)
        if status == 401:
            return AuthError(text, code=code)
        if status == 403:
            return PermissionMissing(text, code=code)
        return ConnectorError(text, code=code)

    def _retry_after(self, headers: Mapping[str, str]) -> float:
        stated = headers.get("Retry-After")
        if stated:
            try:
                return max(0.0, float(stated))
            except ValueError:
                _LOGGER.debug("Ignoring unreadable Retry-After header")
        _, regain_minutes = _usage_percent(headers)
        if regain_minutes > 0:
            return regain_minutes * 60
        return _DEFAULT_RETRY_AFTER


def now_utc() -> datetime:
    return datetime.now(UTC)
