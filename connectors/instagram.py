"""Instagram business account connector on the Graph API."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from contextlib import aclosing
from datetime import datetime, timedelta
from typing import Any, ClassVar

import aiohttp

from connectors.base import Connector
from connectors.errors import ConnectorError, Unsupported
from connectors.graph import (
    DEFAULT_GRAPH_URL,
    GRAPH_API_VERSION,
    GraphClient,
    TimeCursor,
    now_utc,
    parse_graph_time,
)
from connectors.graph import (
    before as _before,
)
from connectors.records import (
    Author,
    Capability,
    Comment,
    FetchResult,
    FollowerSnapshot,
    Platform,
    Reply,
)
from connectors.retry import Sleep

_LOGGER = logging.getLogger(__name__)

_COMMENT_FIELDS = "id,text,timestamp,username,from{id,username},hidden,parent_id"


class InstagramConnector(Connector):
    """An Instagram professional account, read and moderated through the Graph API.

    Cursor: a :class:`~connectors.graph.TimeCursor` over the comments' ``timestamp``.
    One poll reads the media of the last ``lookback_days`` with comments and their
    replies expanded in the same request: an idle poll costs one request (two at most).
    Instagram offers no block through the API.
    """

    platform: ClassVar[Platform] = Platform.INSTAGRAM
    capabilities: ClassVar[frozenset[Capability]] = frozenset(
        {Capability.HIDE, Capability.REPLY, Capability.PRIVATE_REPLY}
    )

    def __init__(
        self,
        *,
        account_id: str,
        token: str,
        session: aiohttp.ClientSession | None = None,
        base_url: str | None = None,
        app_secret: str | None = None,
        lookback_days: int = 7,
        api_version: str = GRAPH_API_VERSION,
        page_size: int = 50,
        timeout: float = 30.0,
        sleep: Sleep = asyncio.sleep,
        clock: Callable[[], float] = time.monotonic,
        now: Callable[[], datetime] = now_utc,
    ) -> None:
        super().__init__(account_id=account_id, session=session)
        self._graph = GraphClient(
            session_factory=lambda: self.session,
            token=token,
            base_url=base_url or DEFAULT_GRAPH_URL,
            api_version=api_version,
            app_secret=app_secret,
            timeout=timeout,
            sleep=sleep,
            clock=clock,
        )
        self._lookback = timedelta(days=lookback_days)
        self._page_size = page_size
        self._now = now

    async def fetch_comments(self, cursor: str | None) -> FetchResult:
        previous = TimeCursor.parse(cursor)
        start = self._now() - self._lookback
        floor = previous or TimeCursor(int(start.timestamp()))
        n = self._page_size
        fields = (
            "id,caption,timestamp,permalink,"
            f"comments.limit({n}){{{_COMMENT_FIELDS},replies.limit({n}){{{_COMMENT_FIELDS}}}}}"
        )
        first = await self._graph.get(
            f"{self.account_id}/media",
            {"fields": fields, "limit": n, "since": int(start.timestamp())},
        )
        found: list[Comment] = []
        async with aclosing(self._graph.pages(first)) as pages:
            async for media in pages:
                older = False
                for item in media:
                    if not isinstance(item, dict) or not isinstance(item.get("id"), str):
                        _LOGGER.warning("Skipping malformed Instagram media on %s", self.account_id)
                        continue
                    await self._read_edge(item.get("comments"), item, floor, found, nested=True)
                    older = older or _before(item.get("timestamp"), start)
                if older:  # media come newest first: the rest are outside the lookback
                    break
        if not found:
            return FetchResult((), cursor)
        new_cursor = floor.advanced([(c.id, c.created_at) for c in found])
        theirs = sorted(
            (c for c in found if c.author.id != self.account_id), key=lambda c: c.created_at
        )
        return FetchResult(tuple(theirs), str(new_cursor))

    async def _read_edge(
        self,
        page: object,
        media: dict[str, Any],
        floor: TimeCursor,
        found: list[Comment],
        *,
        nested: bool,
    ) -> None:
        """Read a comments (or replies) edge to the end of its cursors."""
        async for items in self._graph.pages(page if isinstance(page, dict) else {}):
            for item in items:
                comment = self._parse_comment(item, media)
                if comment is None:
                    continue
                if floor.is_new(comment.id, comment.created_at):
                    found.append(comment)
                if nested and isinstance(item, dict):
                    await self._read_edge(item.get("replies"), media, floor, found, nested=False)

    def _parse_comment(self, item: object, media: dict[str, Any]) -> Comment | None:
        item_id = item.get("id") if isinstance(item, dict) else None
        try:
            if not isinstance(item, dict):
                raise TypeError("comment is not an object")
            comment_id = item["id"]
            text = item.get("text", "")
            if not isinstance(comment_id, str) or not isinstance(text, str):
                raise TypeError("id or text is not a string")
            sender = item.get("from")
            username = item.get("username") or (
                sender.get("username") if isinstance(sender, dict) else None
            )
            author_id = str(sender["id"]) if isinstance(sender, dict) else ""
            author = Author(id=author_id, name=str(username or "(unknown)"), username=username)
            parent = item.get("parent_id")
            caption = media.get("caption")
            return Comment(
                platform=self.platform,
                account_id=self.account_id,
                id=comment_id,
                post_id=media["id"],
                author=author,
                text=text,
                created_at=parse_graph_time(item["timestamp"]),
                parent_id=str(parent) if parent else None,
                permalink=media.get("permalink") or None,
                hidden=bool(item.get("hidden", False)),
                post_text=caption if isinstance(caption, str) else None,
            )
        except (KeyError, TypeError, ValueError) as exc:
            _LOGGER.warning(
                "Skipping malformed Instagram comment %s on media %s: %s",
                item_id if isinstance(item_id, str) else "(no id)",
                media.get("id"),
                type(exc).__name__,
            )
            return None

    async def hide(self, comment_id: str, hidden: bool = True) -> None:
        result = await self._graph.post(comment_id, {"hide": hidden})
        if result.get("success") is not True:
            raise ConnectorError(f"Instagram did not confirm hiding comment {comment_id}")

    async def reply(self, comment_id: str, text: str, *, private: bool = False) -> str:
        if private:
            result = await self._graph.post(
                f"{self.account_id}/messages",
                {"recipient": {"comment_id": comment_id}, "message": {"text": text}},
            )
            key = "message_id"
        else:
            result = await self._graph.post(f"{comment_id}/replies", {"message": text})
            key = "id"
        reply_id = result.get(key)
        if not isinstance(reply_id, str):
            raise ConnectorError(f"Instagram sent no {key} for the reply to {comment_id}")
        return reply_id

    async def find_reply(
        self, comment_id: str, text: str, *, private: bool = False
    ) -> Reply | None:
        if private:
            return None  # unreadable; a second private reply fails with AlreadyDone instead
        first = await self._graph.get(
            f"{comment_id}/replies", {"fields": "id,text,username,from{id,username}"}
        )
        async with aclosing(self._graph.pages(first)) as pages:
            async for replies in pages:
                for item in replies:
                    if not isinstance(item, dict):
                        continue
                    sender = item.get("from")
                    if (
                        isinstance(sender, dict)
                        and sender.get("id") == self.account_id
                        and str(item.get("text", "")).strip() == text.strip()
                    ):
                        return Reply(id=str(item["id"]), text=str(item["text"]))
        return None

    async def block(self, author_id: str) -> None:
        raise Unsupported("Instagram's API offers no way to block a user")

    async def follower_snapshot(self) -> FollowerSnapshot:
        node = await self._graph.get(self.account_id, {"fields": "followers_count,username"})
        try:
            followers = int(node["followers_count"])
        except (KeyError, TypeError, ValueError) as exc:
            raise ConnectorError("Instagram sent no readable followers_count") from exc
        return FollowerSnapshot(
            platform=self.platform,
            account_id=self.account_id,
            taken_at=self._now(),
            followers_count=followers,
        )
