"""Meta webhooks: checking a delivery's signature and reading its changes as plain records.

A delivery is ``{"object": "page"|"instagram", "entry": [{"id", "time", "changes": [...]}]}``;
each change is ``{"field": ..., "value": {...}}``. :func:`parse_delivery` splits a delivery into
:class:`WebhookChange` rows, which the bot stores before it answers; :func:`read_change` later
turns one stored change into a :class:`CommentChange`. Readers are a table keyed by
``(object, field)``, so a new field (Messenger ``messages``) is one more entry.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from connectors.graph import parse_graph_time
from connectors.records import Author, Comment, Platform

SIGNATURE_HEADER = "X-Hub-Signature-256"
_OBJECTS = {"page": Platform.FACEBOOK, "instagram": Platform.INSTAGRAM}


class MalformedDelivery(ValueError):
    """The body is not a webhook delivery we can read (the message never quotes the body)."""


class ChangeKind(StrEnum):
    ADD = "add"
    EDIT = "edit"
    HIDE = "hide"
    UNHIDE = "unhide"
    REMOVE = "remove"


@dataclass(frozen=True, slots=True)
class WebhookChange:
    """One change of a delivery, as stored: ``payload`` is its own canonical JSON."""

    platform: Platform
    account_id: str
    field: str
    payload: str

    @property
    def dedupe_key(self) -> str:
        """The same change delivered twice (a retry, a duplicate) has the same key."""
        text = f"{self.platform.value}|{self.account_id}|{self.field}|{self.payload}"
        return hashlib.sha256(text.encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class CommentChange:
    """What a change says about a comment; ``comment`` is None when it carries too little.

    ``mention`` marks an Instagram mention: the comment is on someone else's media and is
    read through the account's ``mentioned_comment`` field.
    """

    kind: ChangeKind
    comment_id: str
    post_id: str | None
    comment: Comment | None = None
    mention: bool = False


def verify_signature(body: bytes, header: str | None, app_secret: str) -> bool:
    """Whether ``header`` is ``sha256=`` + HMAC-SHA256 of the raw body keyed with the app secret."""
    if not header or not header.startswith("sha256="):
        return False
    expected = hmac.new(app_secret.encode(), body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(header.removeprefix("sha256=").strip().lower(), expected)


def sign(body: bytes, app_secret: str) -> str:
    """The ``X-Hub-Signature-256`` value Meta sends with ``body`` (for the simulator and tests)."""
    return "sha256=" + hmac.new(app_secret.encode(), body, hashlib.sha256).hexdigest()


def parse_delivery(body: bytes) -> list[WebhookChange]:
    """Every change of the delivery, entries of any object Meta sends (unknown ones skipped)."""
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise MalformedDelivery("the body is not JSON") from None
    if not isinstance(data, dict) or not isinstance(data.get("entry"), list):
        raise MalformedDelivery("the body has no entry list")
    platform = _OBJECTS.get(str(data.get("object")))
    if platform is None:
        return []
    changes = []
    for entry in data["entry"]:
        if not isinstance(entry, dict) or not isinstance(entry.get("id"), str | int):
            raise MalformedDelivery("an entry has no id")
        entry_time = entry.get("time")
        for change in entry.get("changes") or []:
            if not isinstance(change, dict) or not isinstance(change.get("field"), str):
                raise MalformedDelivery("a change has no field")
            payload = json.dumps(
                {"time": entry_time, "value": change.get("value")},
                sort_keys=True,
                separators=(",", ":"),
            )
            changes.append(WebhookChange(platform, str(entry["id"]), change["field"][:32], payload))
    return changes


def read_change(
    platform: Platform, account_id: str, field: str, payload: str
) -> CommentChange | None:
    """The stored change as a record; None for changes that are not about comments (likes).

    Raises :class:`MalformedDelivery` when a change about a comment lacks its id.
    """
    reader = _READERS.get((platform, field))
    if reader is None:
        return None
    try:
        data = json.loads(payload)
    except ValueError:
        raise MalformedDelivery("a stored change is not JSON") from None
    value = data.get("value") if isinstance(data, dict) else None
    if not isinstance(value, dict):
        raise MalformedDelivery("a change has no value object")
    return reader(account_id, value, _time(data.get("time")))


def _time(value: object) -> datetime:
    if isinstance(value, int | float) and not isinstance(value, bool):
        seconds = value / 1000 if value > 10**11 else value  # Instagram sends milliseconds
        return datetime.fromtimestamp(int(seconds), UTC)
    if isinstance(value, str):
        try:
            return parse_graph_time(value)
        except ValueError:
            pass
    return datetime.now(UTC).replace(microsecond=0)


def _text(value: object) -> str | None:
    return value if isinstance(value, str) else None


_FEED_VERBS = {
    "add": ChangeKind.ADD,
    "edited": ChangeKind.EDIT,
    "edit": ChangeKind.EDIT,
    "update": ChangeKind.EDIT,
    "hide": ChangeKind.HIDE,
    "unhide": ChangeKind.UNHIDE,
    "remove": ChangeKind.REMOVE,
    "delete": ChangeKind.REMOVE,
}
_VISITOR_POSTS = frozenset({"post", "status", "photo", "video", "share"})


def _feed(page_id: str, value: dict[str, Any], when: datetime) -> CommentChange | None:
    """A Page ``feed`` change: a comment (added, edited, hidden, removed) or a visitor's post."""
    item, kind = value.get("item"), _FEED_VERBS.get(str(value.get("verb")))
    if kind is None or (item != "comment" and item not in _VISITOR_POSTS):
        return None
    sender = value.get("from")
    if isinstance(sender, dict) and str(sender.get("id")) == page_id:
        return None  # the Page's own post or reply
    post_id = _text(value.get("post_id"))
    comment_id = _text(value.get("comment_id")) if item == "comment" else post_id
    if not comment_id:
        raise MalformedDelivery(f"a feed {item} change has no id")
    message = _text(value.get("message"))
    comment = None
    if (
        kind in (ChangeKind.ADD, ChangeKind.EDIT)
        and message is not None
        and isinstance(sender, dict)
    ):
        parent = _text(value.get("parent_id"))
        created = value.get("created_time")
        comment = Comment(
            platform=Platform.FACEBOOK,
            account_id=page_id,
            id=comment_id,
            post_id=post_id or comment_id,
            author=Author(id=str(sender.get("id", "")), name=str(sender.get("name", ""))),
            text=message,
            created_at=_time(created) if created is not None else when,
            parent_id=parent if parent and parent != post_id else None,
            post_text=None,
        )
    return CommentChange(kind, comment_id, post_id, comment)


def _instagram_comment(
    account_id: str, value: dict[str, Any], when: datetime
) -> CommentChange | None:
    """Instagram ``comments`` and ``live_comments``: always new comments, with their text."""
    comment_id = _text(value.get("id"))
    if not comment_id:
        raise MalformedDelivery("an Instagram comment change has no id")
    media = value.get("media")
    media_id = _text(media.get("id")) if isinstance(media, dict) else None
    sender = value.get("from")
    if isinstance(sender, dict) and str(sender.get("id")) == account_id:
        return None  # the account's own reply
    text = _text(value.get("text"))
    comment = None
    if text is not None and isinstance(sender, dict) and media_id:
        username = _text(sender.get("username"))
        comment = Comment(
            platform=Platform.INSTAGRAM,
            account_id=account_id,
            id=comment_id,
            post_id=media_id,
            author=Author(id=str(sender.get("id", "")), name=username or "", username=username),
            text=text,
            created_at=when,
            parent_id=_text(value.get("parent_id")),
        )
    return CommentChange(ChangeKind.ADD, comment_id, media_id, comment)


def _instagram_mention(account_id: str, value: dict[str, Any], when: datetime) -> CommentChange:
    """Instagram ``mentions``: only ids; the comment is read with ``mentioned_comment``."""
    comment_id = _text(value.get("comment_id"))
    if not comment_id:
        raise MalformedDelivery("an Instagram mention has no comment_id")
    return CommentChange(ChangeKind.ADD, comment_id, _text(value.get("media_id")), mention=True)


_Reader = Callable[[str, dict[str, Any], datetime], CommentChange | None]
_READERS: dict[tuple[Platform, str], _Reader] = {
    (Platform.FACEBOOK, "feed"): _feed,
    (Platform.INSTAGRAM, "comments"): _instagram_comment,
    (Platform.INSTAGRAM, "live_comments"): _instagram_comment,
    (Platform.INSTAGRAM, "mentions"): _instagram_mention,
}
