"""Facebook Page connector on the Graph API."""

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
from connectors.errors import ConnectorError
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

_COMMENT_FIELDS = "id,message,created_time,from{id,name},parent{id},is_hidden,permalink_url"


class FacebookConnector(Connector):
    """A Facebook Page, read and moderated with a Page access token.

    Cursor: a :class:`~connectors.graph.TimeCursor` over the comments' ``created_time``.
    One poll reads the Page's posts of the last ``lookback_days`` with their comments
    and replies expanded in the same request (newest first, so paging stops at the
    cursor): an idle poll costs one request, two if Facebook sends an empty last page.
    """

    platform: ClassVar[Platform] = Platform.FACEBOOK
    capabilities: ClassVar[frozenset[Capability]] = frozenset(
        {Capability.HIDE, Capability.REPLY, Capability.PRIVATE_REPLY, Capability.BLOCK}
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
        comments_edge = (
            f"comments.filter(stream).order(reverse_chronological).limit({self._page_size})"
            f"{{{_COMMENT_FIELDS}}}"
        )
        first = await self._graph.get(
            f"{self.account_id}/posts",
            {
                "fields": f"id,message,created_time,permalink_url,{comments_edge}",
                "limit": self._page_size,
                "since": int(start.timestamp()),
            },
        )
        found: list[Comment] = []
        async with aclosing(self._graph.pages(first)) as pages:
            async for posts in pages:
                older = False
                for post in posts:
                    if not isinstance(post, dict) or not isinstance(post.get("id"), str):
                        _LOGGER.warning(
                            "Skipping a malformed Facebook post on page %s", self.account_id
                        )
                        continue
                    await self._read_comments(post, floor, found)
                    older = older or _before(post.get("created_time"), start)
                if older:  # posts come newest first: the rest are outside the lookback
                    break
        if not found:
            return FetchResult((), cursor)
        new_cursor = floor.advanced([(c.id, c.created_at) for c in found])
        theirs = sorted(
            (c for c in found if c.author.id != self.account_id), key=lambda c: c.created_at
        )
        return FetchResult(tuple(theirs), str(new_cursor))

    async def _read_comments(
        self, post: dict[str, Any], floor: TimeCursor, found: list[Comment]
    ) -> None:
        page = post.get("comments")
        while isinstance(page, dict):
            reached_old = False
            data = page.get("data")
            for item in data if isinstance(data, list) else []:
                comment = self._parse_comment(item, post)
                if comment is None:
                    continue
                if floor.is_new(comment.id, comment.created_at):
                    found.append(comment)
                else:
                    reached_old = True
            paging = page.get("paging")
            next_url = paging.get("next") if isinstance(paging, dict) else None
            if reached_old or not isinstance(next_url, str):
                return
            page = await self._graph.get(next_url)

    def _parse_comment(self, item: object, post: dict[str, Any]) -> Comment | None:
        item_id = item.get("id") if isinstance(item, dict) else None
        try:
            if not isinstance(item, dict):
                raise TypeError("comment is not an object")
            comment_id = item["id"]
            if not isinstance(comment_id, str):
                raise TypeError("id is not a string")
            message = item.get("message", "")
            if not isinstance(message, str):
                raise TypeError("message is not a string")
            sender = item.get("from")
            author = (
                Author(id=str(sender["id"]), name=str(sender.get("name", "")))
                if isinstance(sender, dict)
                else Author(id="", name="(unknown)")
            )
            parent = item.get("parent")
            return Comment(
                platform=self.platform,
                account_id=self.account_id,
                id=comment_id,
                post_id=post["id"],
                author=author,
                text=message,
                created_at=parse_graph_time(item["created_time"]),
                parent_id=str(parent["id"]) if isinstance(parent, dict) else None,
                permalink=item.get("permalink_url") or None,
                hidden=bool(item.get("is_hidden", False)),
                post_text=post.get("message") if isinstance(post.get("message"), str) else None,
            )
        except (KeyError, TypeError, ValueError) as exc:
            _LOGGER.warning(
                "Skipping malformed Facebook comment %s on post %s: %s",
                item_id if isinstance(item_id, str) else "(no id)",
                post.get("id"),
                type(exc).__name__,
            )
            return None

    async def hide(self, comment_id: str, hidden: bool = True) -> None:
        result = await self._graph.post(comment_id, {"is_hidden": hidden})
        if result.get("success") is not True:
            raise ConnectorError(f"Facebook did not confirm hiding comment {comment_id}")

    async def reply(self, comment_id: str, text: str, *, private: bool = False) -> str:
        if private:
            result = await self._graph.post(
                f"{self.account_id}/messages",
                {"recipient": {"comment_id": comment_id}, "message": {"text": text}},
            )
            key = "message_id"
        else:
            result = await self._graph.post(f"{comment_id}/comments", {"message": text})
            key = "id"
        reply_id = result.get(key)
        if not isinstance(reply_id, str):
            raise ConnectorError(f"Facebook sent no {key} for the reply to {comment_id}")
        return reply_id

    async def find_reply(
        self, comment_id: str, text: str, *, private: bool = False
    ) -> Reply | None:
        if private:
            return None  # unreadable; a second private reply fails with AlreadyDone instead
        first = await self._graph.get(
            f"{comment_id}/comments", {"fields": "id,message,from{id,name}", "limit": 100}
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
                        and str(item.get("message", "")).strip() == text.strip()
                    ):
                        return Reply(id=str(item["id"]), text=str(item["message"]))
        return None

    async def block(self, author_id: str) -> None:
        result = await self._graph.post(f"{self.account_id}/blocked", {"user": author_id})
        if result.get(author_id) is not True:
            raise ConnectorError(f"Facebook did not confirm blocking user {author_id}")

    async def follower_snapshot(self) -> FollowerSnapshot:
        node = await self._graph.get(self.account_id, {"fields": "followers_count,fan_count"})
        try:
            followers = int(node["followers_count"])
            fans = int(node["fan_count"]) if "fan_count" in node else None
        except (KeyError, TypeError, ValueError) as exc:
            raise ConnectorError("Facebook sent no readable followers_count") from exc
        return FollowerSnapshot(
            platform=self.platform,
            account_id=self.account_id,
            taken_at=self._now(),
            followers_count=followers,
            fan_count=fans,
        )
