"""The connector logic Facebook and Instagram share on the Graph API."""

from __future__ import annotations

import asyncio
import logging
import time
from abc import abstractmethod
from collections.abc import Callable, Mapping
from contextlib import aclosing
from datetime import datetime, timedelta
from typing import ClassVar

import aiohttp

from connectors.base import Connector
from connectors.errors import ConnectorError
from connectors.graph import (
    DEFAULT_GRAPH_URL,
    GRAPH_API_VERSION,
    JSON,
    GraphClient,
    TimeCursor,
    before,
    now_utc,
)
from connectors.records import Comment, FetchResult, FollowerSnapshot, Reply
from connectors.retry import Sleep

_LOGGER = logging.getLogger(__name__)


class GraphConnector(Connector):
    """One account on the Graph API: polling, hiding, replying, follower counts.

    The platforms differ in edge and field names and in their comments' JSON, which
    subclasses state; the paging, the :class:`~connectors.graph.TimeCursor` and the
    request economy are the same, so they live here once.
    """

    #: Platform name for log lines and errors.
    _name: ClassVar[str]
    #: The account's edge of things comments hang on, newest first ("posts", "media").
    _parents_edge: ClassVar[str]
    #: One such thing, in log lines.
    _parent_noun: ClassVar[str]
    #: Its creation-time field, for stopping at the lookback.
    _parent_time_field: ClassVar[str]
    #: Whether a comments edge comes newest first, so reading it may stop at the cursor.
    _newest_first: ClassVar[bool]
    #: A comment's edge of replies: read with :meth:`find_reply`, posted to by :meth:`reply`.
    _reply_edge: ClassVar[str]
    #: Whether polling must read each comment's ``_reply_edge`` too (replies come nested).
    _nested_replies: ClassVar[bool]
    #: Query for :meth:`find_reply`.
    _reply_lookup: ClassVar[Mapping[str, str | int]]
    #: Field holding a reply's text, matched by :meth:`find_reply`.
    _text_field: ClassVar[str]
    #: Field that hides a comment when posted to it.
    _hide_field: ClassVar[str]
    #: Fields of the account node for :meth:`follower_snapshot`.
    _follower_fields: ClassVar[str]
    #: Fields of one comment read by id, for :meth:`fetch_comment`.
    _comment_fields: ClassVar[str]
    #: The webhook fields Hallmonitor subscribes the account to.
    webhook_fields: ClassVar[tuple[str, ...]]

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

    @abstractmethod
    def _parent_fields(self) -> str:
        """The ``fields`` that read the parents with their comments in one request."""

    @abstractmethod
    def _parse_comment(self, item: JSON, parent: JSON) -> Comment:
        """One comment's JSON as a record; raises KeyError, TypeError or ValueError if malformed."""

    async def fetch_comments(self, cursor: str | None) -> FetchResult:
        previous = TimeCursor.parse(cursor)
        start = self._now() - self._lookback
        floor = previous or TimeCursor(int(start.timestamp()))
        first = await self._graph.get(
            f"{self.account_id}/{self._parents_edge}",
            {
                "fields": self._parent_fields(),
                "limit": self._page_size,
                "since": int(start.timestamp()),
            },
        )
        found: list[Comment] = []
        await self._read_parents(first, floor, found, stop_before=start)
        return self._result(found, floor, cursor)

    async def _read_parents(
        self, first: JSON, floor: TimeCursor, found: list[Comment], *, stop_before: datetime | None
    ) -> None:
        """Read the comments of every parent listed from ``first`` on; parents come newest
        first, so paging stops at the first page reaching back past ``stop_before``."""
        async with aclosing(self._graph.pages(first)) as pages:
            async for parents in pages:
                older = False
                for parent in parents:
                    if not isinstance(parent, dict) or not isinstance(parent.get("id"), str):
                        _LOGGER.warning(
                            "Skipping a malformed %s %s on %s",
                            self._name,
                            self._parent_noun,
                            self.account_id,
                        )
                        continue
                    await self._read_edge(
                        parent.get("comments"), parent, floor, found, replies=self._nested_replies
                    )
                    if stop_before is not None:
                        older = older or before(parent.get(self._parent_time_field), stop_before)
                if older:  # parents come newest first: the rest are outside the lookback
                    break

    def _result(self, found: list[Comment], floor: TimeCursor, cursor: str | None) -> FetchResult:
        if not found:
            return FetchResult((), cursor)
        new_cursor = floor.advanced([(c.id, c.created_at) for c in found])
        theirs = sorted(
            (c for c in found if c.author.id != self.account_id), key=lambda c: c.created_at
        )
        return FetchResult(tuple(theirs), str(new_cursor))

    async def _read_edge(
        self,
        edge: object,
        parent: JSON,
        floor: TimeCursor,
        found: list[Comment],
        *,
        replies: bool,
    ) -> None:
        """Add the new comments of a comments (or replies) edge to ``found``.

        A newest-first edge stops after the page that reaches the cursor, saving the
        requests for older pages; any other edge is read to the end of its cursors.
        """
        async with aclosing(self._graph.pages(edge if isinstance(edge, dict) else {})) as pages:
            async for items in pages:
                reached_old = False
                for item in items:
                    comment = self._comment(item, parent)
                    if comment is None:
                        continue
                    if floor.is_new(comment.id, comment.created_at):
                        found.append(comment)
                    else:
                        reached_old = True
                    if replies and isinstance(item, dict):
                        await self._read_edge(
                            item.get(self._reply_edge), parent, floor, found, replies=False
                        )
                if reached_old and self._newest_first:
                    break

    def _comment(self, item: object, parent: JSON) -> Comment | None:
        """The record for ``item``, or ``None`` with a warning: one bad comment skips alone."""
        try:
            if not isinstance(item, dict):
                raise TypeError("comment is not an object")
            return self._parse_comment(item, parent)
        except (KeyError, TypeError, ValueError) as exc:
            item_id = item.get("id") if isinstance(item, dict) else None
            _LOGGER.warning(
                "Skipping malformed %s comment %s on %s %s: %s",
                self._name,
                item_id if isinstance(item_id, str) else "(no id)",
                self._parent_noun,
                parent.get("id"),
                type(exc).__name__,
            )
            return None

    async def fetch_comment(self, comment_id: str, post_id: str | None = None) -> Comment:
        """One comment by id: for a webhook event that carries too little to act on."""
        item = await self._graph.get(comment_id, {"fields": self._comment_fields})
        media = item.get("media")
        parent_id = post_id or (media.get("id") if isinstance(media, dict) else None)
        if not isinstance(parent_id, str):
            raise ConnectorError(f"{self._name} sent no post for comment {comment_id}")
        comment = self._comment(item, {"id": parent_id})
        if comment is None:
            raise ConnectorError(f"{self._name} sent an unreadable comment {comment_id}")
        return comment

    async def subscribe_webhooks(self) -> None:
        """Install the app on the account for :attr:`webhook_fields` (``subscribed_apps``)."""
        result = await self._graph.post(
            f"{self.account_id}/subscribed_apps",
            {"subscribed_fields": ",".join(self.webhook_fields)},
        )
        if result.get("success") not in (True, "true"):
            raise ConnectorError(f"{self._name} did not confirm the webhook subscription")

    async def subscribed_fields(self) -> list[str]:
        """The webhook fields the app is subscribed to on this account (empty: not installed)."""
        result = await self._graph.get(f"{self.account_id}/subscribed_apps")
        fields: set[str] = set()
        data = result.get("data")
        for app in data if isinstance(data, list) else []:
            listed = app.get("subscribed_fields") if isinstance(app, dict) else None
            if isinstance(listed, list):
                fields.update(str(f.get("name", f) if isinstance(f, dict) else f) for f in listed)
        return sorted(fields)

    async def hide(self, comment_id: str, hidden: bool = True) -> None:
        result = await self._graph.post(comment_id, {self._hide_field: hidden})
        if result.get("success") is not True:
            raise ConnectorError(f"{self._name} did not confirm hiding comment {comment_id}")

    async def reply(self, comment_id: str, text: str, *, private: bool = False) -> str:
        if private:
            result = await self._graph.post(
                f"{self.account_id}/messages",
                {"recipient": {"comment_id": comment_id}, "message": {"text": text}},
            )
            key = "message_id"
        else:
            result = await self._graph.post(f"{comment_id}/{self._reply_edge}", {"message": text})
            key = "id"
        reply_id = result.get(key)
        if not isinstance(reply_id, str):
            raise ConnectorError(f"{self._name} sent no {key} for the reply to {comment_id}")
        return reply_id

    async def find_reply(
        self, comment_id: str, text: str, *, private: bool = False
    ) -> Reply | None:
        if private:
            return None  # unreadable; a second private reply fails with AlreadyDone instead
        first = await self._graph.get(f"{comment_id}/{self._reply_edge}", self._reply_lookup)
        async with aclosing(self._graph.pages(first)) as pages:
            async for replies in pages:
                for item in replies:
                    if not isinstance(item, dict):
                        continue
                    sender = item.get("from")
                    if (
                        isinstance(sender, dict)
                        and sender.get("id") == self.account_id
                        and str(item.get(self._text_field, "")).strip() == text.strip()
                    ):
                        return Reply(id=str(item["id"]), text=str(item[self._text_field]))
        return None

    async def follower_snapshot(self) -> FollowerSnapshot:
        node = await self._graph.get(self.account_id, {"fields": self._follower_fields})
        try:
            followers = int(node["followers_count"])
            fans = int(node["fan_count"]) if "fan_count" in node else None
        except (KeyError, TypeError, ValueError) as exc:
            raise ConnectorError(f"{self._name} sent no readable followers_count") from exc
        return FollowerSnapshot(
            platform=self.platform,
            account_id=self.account_id,
            taken_at=self._now(),
            followers_count=followers,
            fan_count=fans,
        )
