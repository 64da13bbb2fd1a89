"""X API v2 payloads into our records: a page of the mentions timeline into comments.

A malformed post is logged (its id and what was wrong, never its text) and skipped, so
one bad item never costs the rest of the page. A post whose only fault is an unreadable
``created_at`` is kept with the time it was read: skipping it would let the cursor pass it.
A long post's ``text`` is cut at 280 characters; the whole of it is in ``note_tweet``.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

from connectors.records import Author, Comment, Platform

_LOGGER = logging.getLogger(__name__)


def comments_in(page: dict[str, Any], account_id: str, *, read_at: datetime) -> list[Comment]:
    """The page's posts as comments, with authors and conversation roots from ``includes``."""
    raw_includes = page.get("includes")
    includes: dict[str, Any] = raw_includes if isinstance(raw_includes, dict) else {}
    users = {u["id"]: u for u in includes.get("users", []) if isinstance(u, dict) and "id" in u}
    tweets = {t["id"]: t for t in includes.get("tweets", []) if isinstance(t, dict) and "id" in t}
    data = page.get("data")
    out = []
    for item in data if isinstance(data, list) else []:
        comment = _comment(item, users, tweets, account_id, read_at)
        if comment is not None:
            out.append(comment)
    return out


def full_text(tweet: dict[str, Any]) -> Any:
    """The whole text: ``note_tweet.text`` for a long post, else ``text``."""
    note = tweet.get("note_tweet")
    if isinstance(note, dict) and isinstance(note.get("text"), str) and note["text"]:
        return note["text"]
    return tweet["text"]


def _created_at(item: dict[str, Any], read_at: datetime, account_id: str) -> datetime:
    try:
        return datetime.fromisoformat(str(item["created_at"])).astimezone(UTC)
    except (KeyError, ValueError):
        _LOGGER.warning(
            "X post %s for account %s has no readable created_at; keeping it with the read time",
            item["id"],
            account_id,
        )
        return read_at


def _comment(
    item: object,
    users: dict[str, Any],
    tweets: dict[str, Any],
    account_id: str,
    read_at: datetime,
) -> Comment | None:
    item_id = item.get("id") if isinstance(item, dict) else None
    try:
        if not isinstance(item, dict):
            raise TypeError("tweet is not an object")
        tweet_id, text, author_id = item["id"], full_text(item), item["author_id"]
        if not all(isinstance(v, str) for v in (tweet_id, text, author_id)):
            raise TypeError("id, text or author_id is not a string")
        user = users.get(author_id, {})
        username = user.get("username")
        parent = next(
            (
                r["id"]
                for r in item.get("referenced_tweets") or []
                if isinstance(r, dict) and r.get("type") == "replied_to"
            ),
            None,
        )
        conversation = str(item.get("conversation_id") or tweet_id)
        root = tweets.get(conversation) or tweets.get(parent or "")
        return Comment(
            platform=Platform.X,
            account_id=account_id,
            id=tweet_id,
            post_id=conversation,
            author=Author(id=author_id, name=str(user.get("name", "")), username=username),
            text=text,
            created_at=_created_at(item, read_at, account_id),
            parent_id=str(parent) if parent else None,
            permalink=f"https://x.com/{username or 'i/web'}/status/{tweet_id}",
            post_text=str(full_text(root)) if isinstance(root, dict) and "text" in root else None,
        )
    except (KeyError, TypeError, ValueError) as exc:
        _LOGGER.warning(
            "Skipping malformed X post %s for account %s: %s",
            item_id if isinstance(item_id, str) else "(no id)",
            account_id,
            type(exc).__name__,
        )
        return None
