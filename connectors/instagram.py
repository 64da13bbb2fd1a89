"""Instagram business account connector on the Graph API."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import ClassVar

from connectors.errors import ConnectorError, Unsupported
from connectors.graph import JSON, TimeCursor, parse_graph_time
from connectors.graph_connector import GraphConnector
from connectors.records import Author, Capability, Comment, FetchResult, Platform

_COMMENT_FIELDS = "id,text,timestamp,username,from{id,username},hidden,parent_id"


class InstagramConnector(GraphConnector):
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

    _name = "Instagram"
    _parents_edge = "media"
    _parent_noun = "media"
    _parent_time_field = "timestamp"
    _newest_first = False  # comments come in no promised order: read them all
    _reply_edge = "replies"
    _nested_replies = True
    _reply_lookup: ClassVar[Mapping[str, str | int]] = {
        "fields": "id,text,username,from{id,username}"
    }
    _text_field = "text"
    _hide_field = "hide"
    _follower_fields = "followers_count,username"
    webhook_fields = ("comments", "live_comments", "mentions")
    _comment_fields = f"{_COMMENT_FIELDS},media{{id}}"

    def _parent_fields(self) -> str:
        n = self._page_size
        return (
            "id,caption,timestamp,permalink,"
            f"comments.limit({n}){{{_COMMENT_FIELDS},replies.limit({n}){{{_COMMENT_FIELDS}}}}}"
        )

    async def reconcile(
        self, cursor: str | None, state: str | None
    ) -> tuple[FetchResult, str | None]:
        """New comments on media of any age, one page of media per call.

        Instagram media have no ``updated_time``, but they have ``comments_count``. Each call
        reads the next page of 100 media (back to the newest after the last page) and reads the
        comments of those whose count grew since that page was last read. ``state`` keeps the
        page cursor and the counts. A comment on old media is found within (pages x interval).
        """
        bookmark = _Bookmark.parse(state)
        params: dict[str, str | int] = {
            "fields": "id,caption,timestamp,permalink,comments_count",
            "limit": _MEDIA_PAGE,
        }
        if bookmark.after:
            params["after"] = bookmark.after
        page = await self._graph.get(f"{self.account_id}/media", params)
        found: list[Comment] = []
        everything = TimeCursor(0)  # a changed media's comments all; stored once by id
        data = page.get("data")
        for media in data if isinstance(data, list) else []:
            if not isinstance(media, dict) or not isinstance(media.get("id"), str):
                continue
            count, before = media.get("comments_count"), bookmark.counts.get(media["id"])
            if isinstance(count, int) and before is not None and count > before:
                n = self._page_size
                first = await self._graph.get(
                    f"{media['id']}/comments",
                    {
                        "fields": f"{_COMMENT_FIELDS},replies.limit({n}){{{_COMMENT_FIELDS}}}",
                        "limit": n,
                    },
                )
                await self._read_edge(first, media, everything, found, replies=True)
            if isinstance(count, int):
                bookmark.counts[media["id"]] = count
        paging = page.get("paging")
        after = None
        if isinstance(paging, dict) and paging.get("next"):
            cursors = paging.get("cursors")
            after = cursors.get("after") if isinstance(cursors, dict) else None
        bookmark.after = after if isinstance(after, str) else None
        theirs = tuple(c for c in found if c.author.id != self.account_id)
        return FetchResult(theirs, cursor), bookmark.dump()

    def _parse_comment(self, item: JSON, parent: JSON) -> Comment:
        comment_id = item["id"]
        text = item.get("text", "")
        if not isinstance(comment_id, str) or not isinstance(text, str):
            raise TypeError("id or text is not a string")
        sender = item.get("from")
        username = item.get("username") or (
            sender.get("username") if isinstance(sender, dict) else None
        )
        author_id = _author_id(sender, username, comment_id)
        author = Author(id=author_id, name=str(username or "(unknown)"), username=username)
        replied_to = item.get("parent_id")
        caption = parent.get("caption")
        return Comment(
            platform=self.platform,
            account_id=self.account_id,
            id=comment_id,
            post_id=parent["id"],
            author=author,
            text=text,
            created_at=parse_graph_time(item["timestamp"]),
            parent_id=str(replied_to) if replied_to else None,
            permalink=parent.get("permalink") or None,
            hidden=bool(item.get("hidden", False)),
            post_text=caption if isinstance(caption, str) else None,
        )

    async def fetch_mention(self, comment_id: str) -> Comment:
        """A comment on someone else's media that mentions the account (``mentions`` webhook)."""
        fields = f"mentioned_comment.comment_id({comment_id}){{{_COMMENT_FIELDS},media{{id}}}}"
        node = await self._graph.get(self.account_id, {"fields": fields})
        item = node.get("mentioned_comment")
        media = item.get("media") if isinstance(item, dict) else None
        media_id = media.get("id") if isinstance(media, dict) else None
        comment = self._comment(item, {"id": media_id}) if isinstance(media_id, str) else None
        if comment is None:
            raise ConnectorError(f"Instagram sent an unreadable mentioned comment {comment_id}")
        return comment

    async def block(self, author_id: str) -> None:
        raise Unsupported("Instagram's API offers no way to block a user")


def _author_id(sender: object, username: object, comment_id: str) -> str:
    """``from.id``; without it the username, else an id of this comment alone.

    An empty id would merge every such author into one for blocks and repeat-abuse counts.
    """
    if isinstance(sender, dict) and sender.get("id"):
        return str(sender["id"])
    if isinstance(username, str) and username:
        return f"@{username}"
    return f"unknown:{comment_id}"


_MEDIA_PAGE = 100


class _Bookmark:
    """Where the Instagram reconcile is in the account's media, and their comment counts."""

    def __init__(self, after: str | None, counts: dict[str, int]) -> None:
        self.after = after
        self.counts = counts

    @classmethod
    def parse(cls, text: str | None) -> _Bookmark:
        try:
            data = json.loads(text) if text else {}
        except ValueError:
            data = {}
        after = data.get("after") if isinstance(data, dict) else None
        counts = data.get("counts") if isinstance(data, dict) else None
        return cls(
            after if isinstance(after, str) else None,
            {str(k): int(v) for k, v in counts.items() if isinstance(v, int)}
            if isinstance(counts, dict)
            else {},
        )

    def dump(self) -> str:
        return json.dumps({"after": self.after, "counts": self.counts}, sort_keys=True)
