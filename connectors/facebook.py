"""Facebook Page connector on the Graph API."""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

from connectors.errors import ConnectorError
from connectors.graph import JSON, TimeCursor, parse_graph_time
from connectors.graph_connector import GraphConnector
from connectors.records import Author, Capability, Comment, FetchResult, Platform

_COMMENT_FIELDS = "id,message,created_time,from{id,name},parent{id},is_hidden,permalink_url"
#: Seconds read again before the cursor's time: a comment's post may be updated a moment late.
_RECONCILE_MARGIN = 120


class FacebookConnector(GraphConnector):
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

    _name = "Facebook"
    _parents_edge = "posts"
    _parent_noun = "post"
    _parent_time_field = "created_time"
    _newest_first = True
    _reply_edge = "comments"
    _nested_replies = False  # filter(stream) lists replies among the comments
    _reply_lookup: ClassVar[Mapping[str, str | int]] = {
        "fields": "id,message,from{id,name}",
        "limit": 100,
    }
    _text_field = "message"
    _hide_field = "is_hidden"
    _follower_fields = "followers_count,fan_count"
    webhook_fields = ("feed",)
    _comment_fields = _COMMENT_FIELDS

    def _parent_fields(self) -> str:
        comments_edge = (
            f"comments.filter(stream).order(reverse_chronological).limit({self._page_size})"
            f"{{{_COMMENT_FIELDS}}}"
        )
        return f"id,message,created_time,permalink_url,{comments_edge}"

    async def reconcile(
        self, cursor: str | None, state: str | None
    ) -> tuple[FetchResult, str | None]:
        """New comments on posts of any age: the Page feed's ``since`` filters on each post's
        ``updated_time``, which a new comment moves, so reading the feed since the cursor's time
        finds every post with a comment newer than the cursor, with those comments expanded.
        Idle, one request."""
        floor = TimeCursor.parse(cursor) or TimeCursor(
            int((self._now() - self._lookback).timestamp())
        )
        first = await self._graph.get(
            f"{self.account_id}/feed",
            {
                "fields": self._parent_fields(),
                "limit": self._page_size,
                "since": max(0, floor.seconds - _RECONCILE_MARGIN),
            },
        )
        found: list[Comment] = []
        await self._read_parents(first, floor, found, stop_before=None)
        return self._result(found, floor, cursor), state

    def _parse_comment(self, item: JSON, parent: JSON) -> Comment:
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
        replied_to = item.get("parent")
        post_text = parent.get("message")
        return Comment(
            platform=self.platform,
            account_id=self.account_id,
            id=comment_id,
            post_id=parent["id"],
            author=author,
            text=message,
            created_at=parse_graph_time(item["created_time"]),
            parent_id=str(replied_to["id"]) if isinstance(replied_to, dict) else None,
            permalink=item.get("permalink_url") or None,
            hidden=bool(item.get("is_hidden", False)),
            post_text=post_text if isinstance(post_text, str) else None,
        )

    async def block(self, author_id: str) -> None:
        result = await self._graph.post(f"{self.account_id}/blocked", {"user": author_id})
        if result.get(author_id) is not True:
            raise ConnectorError(f"Facebook did not confirm blocking user {author_id}")
