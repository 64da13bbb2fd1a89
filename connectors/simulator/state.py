"""The simulator's in-memory world: accounts, posts, comments, faults and counters."""

from __future__ import annotations

import itertools
import re
import time
import zlib
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from connectors.records import Platform

_ID_BASE = {
    Platform.INSTAGRAM: 17_900_000_000_000_000,
    Platform.X: 1_860_000_000_000_000_000,
}

FAULT_KINDS = frozenset(
    {"rate_limit", "error", "malformed", "slow", "expired_token", "malformed_item", "usage"}
)


class SimError(Exception):
    """A request the simulator refuses; the API modules turn it into the platform's shape."""

    def __init__(self, message: str, *, status: int = 400, code: int = 100) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.code = code


@dataclass
class SimAccount:
    """One simulated account. ``app_secret`` set means ``appsecret_proof`` is required;
    ``token_secret`` set (X) means requests must be signed with OAuth 1.0a."""

    platform: Platform | str
    account_id: str
    token: str
    name: str
    username: str | None = None
    followers: int = 100
    fan_count: int | None = None
    app_secret: str | None = None
    tier: str = "pro"
    follower_list_size: int = 25
    consumer_key: str | None = None
    consumer_secret: str | None = None
    token_secret: str | None = None

    def __post_init__(self) -> None:
        self.platform = Platform(self.platform)
        if self.username is None:
            self.username = re.sub(r"[^a-z0-9_]", "", self.name.lower().replace(" ", "_"))[:15]

    @property
    def kind(self) -> Platform:
        return Platform(self.platform)


@dataclass
class SimItem:
    """A post or a comment (on X, both are tweets)."""

    platform: Platform
    account: str
    id: str
    kind: str  # "post" or "comment"
    text: str
    author_id: str
    author_name: str
    author_username: str
    created: datetime
    post_id: str
    parent_id: str | None = None
    hidden: bool = False
    private_replies: list[dict[str, str]] = field(default_factory=list)


@dataclass
class Fault:
    """A fault to inject into matching requests, ``count`` times or until cleared (None)."""

    id: int
    kind: str
    platform: str | None = None
    account: str | None = None
    endpoint: str | None = None
    count: int | None = 1
    status: int = 500
    retry_after: float = 30.0
    delay: float = 1.0
    usage: float = 96.0

    def matches(self, platform: str, account: str, endpoint: str) -> bool:
        return (
            (self.platform is None or self.platform == platform)
            and (self.account is None or self.account == account)
            and (self.endpoint is None or self.endpoint in endpoint)
        )


def now_seconds() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


class SimState:
    """Everything the simulator knows; no I/O here."""

    def __init__(self, accounts: list[SimAccount]) -> None:
        self.accounts = list(accounts)
        self._by_token = {a.token: a for a in self.accounts}
        self.listeners: list[Callable[[str, SimItem], None]] = []
        """Told of each new comment ("add") and hide ("hide", "unhide"): the webhook sender."""
        self.clear()

    def clear(self) -> None:
        """Forget every post, comment, block, fault and counter."""
        self.items: dict[str, SimItem] = {}
        self.blocks: list[dict[str, str]] = []
        self.subscriptions: dict[str, list[str]] = {}
        """Webhook fields each account's Page has subscribed the app to (``subscribed_apps``)."""
        self.faults: list[Fault] = []
        self.requests: Counter[tuple[str, str, str]] = Counter()
        self.hourly: Counter[tuple[str, int]] = Counter()
        self.x_windows: dict[tuple[str, str], tuple[float, int]] = {}
        self._ids = itertools.count(1001)
        self._fault_ids = itertools.count(1)

    def account_by_token(self, token: str | None) -> SimAccount | None:
        return self._by_token.get(token) if token else None

    def account(self, platform: Platform | str, account_id: str) -> SimAccount:
        for account in self.accounts:
            if account.platform == Platform(platform) and account.account_id == account_id:
                return account
        raise SimError(f"no {platform} account {account_id}", status=404)

    def _new_id(self, platform: Platform, post_id: str | None = None) -> str:
        n = next(self._ids)
        if platform is Platform.FACEBOOK:
            return f"{post_id.split('_')[-1]}_{n}" if post_id else str(n)
        return str(_ID_BASE[platform] + n)

    def add_post(
        self,
        account: SimAccount,
        text: str,
        created: datetime | None = None,
        *,
        author: dict[str, str] | None = None,
    ) -> SimItem:
        """A post by the account; on X, ``author`` makes it someone else's post (a mention)."""
        raw = self._new_id(account.kind)
        post_id = f"{account.account_id}_{raw}" if account.kind is Platform.FACEBOOK else raw
        by = author or {
            "id": account.account_id,
            "name": account.name,
            "username": account.username or "",
        }
        item = SimItem(
            platform=account.kind,
            account=account.account_id,
            id=post_id,
            kind="post",
            text=text,
            author_id=str(by.get("id") or 8_000_000 + zlib.crc32(text.encode()) % 10**6),
            author_name=str(by.get("name") or "Someone"),
            author_username=str(by.get("username") or "someone"),
            created=created or now_seconds(),
            post_id=post_id,
        )
        self.items[post_id] = item
        return item

    def updated(self, post: SimItem) -> datetime:
        """A post's ``updated_time``: when it was made or last commented on."""
        times = [c.created for c in self.comments_on(post, stream=True)]
        return max([post.created, *times])

    def posts(self, account: SimAccount) -> list[SimItem]:
        return [
            i
            for i in self.items.values()
            if i.kind == "post" and i.platform == account.kind and i.account == account.account_id
        ]

    def add_comment(
        self,
        account: SimAccount,
        text: str,
        *,
        author: dict[str, str] | None = None,
        post: str | None = None,
        parent: str | None = None,
        created: datetime | None = None,
    ) -> SimItem:
        """A comment as if a person (or, with the account's id as author, the account) posted it."""
        parent_item = self.get(account, parent) if parent else None
        if parent_item is not None:
            post_id = parent_item.post_id
        elif post:
            post_id = self.get(account, post).id
        else:
            posts = sorted(self.posts(account), key=lambda p: p.created)
            if not posts:
                raise SimError("the account has no post to comment on")
            post_id = posts[-1].id
        if parent_item is None and account.kind is Platform.X:
            parent_item = self.items[post_id]
        author = author or {}
        name = str(author.get("name") or "A Parent")
        author_id = str(author.get("id") or 9_000_000 + zlib.crc32(name.encode()) % 10**6)
        item = SimItem(
            platform=account.kind,
            account=account.account_id,
            id=self._new_id(account.kind, post_id),
            kind="comment",
            text=text,
            author_id=author_id,
            author_name=name,
            author_username=str(author.get("username") or re.sub(r"\W", "", name.lower())),
            created=created or now_seconds(),
            post_id=post_id,
            parent_id=parent_item.id if parent_item is not None else None,
        )
        self.items[item.id] = item
        self._emit("add", item)
        return item

    def set_hidden(self, item: SimItem, hidden: bool) -> None:
        item.hidden = hidden
        self._emit("hide" if hidden else "unhide", item)

    def _emit(self, verb: str, item: SimItem) -> None:
        for listener in self.listeners:
            listener(verb, item)

    def add_reply(self, account: SimAccount, parent: str, text: str) -> SimItem:
        """The account's own public reply."""
        me = {"id": account.account_id, "name": account.name, "username": account.username or ""}
        parent_item = self.get(account, parent)
        if parent_item.kind == "post" and account.kind is not Platform.X:
            return self.add_comment(account, text, author=me, post=parent_item.id)
        return self.add_comment(account, text, author=me, parent=parent)

    def get(self, account: SimAccount, item_id: str | None) -> SimItem:
        item = self.items.get(item_id or "")
        if item is None or item.platform != account.kind or item.account != account.account_id:
            raise SimError(
                f"Unsupported request. Object with ID '{item_id}' does not exist, cannot be "
                "loaded due to missing permissions, or does not support this operation.",
                status=400,
                code=100,
            )
        return item

    def children(self, item: SimItem) -> list[SimItem]:
        return sorted(
            (c for c in self.items.values() if c.parent_id == item.id and c.kind == "comment"),
            key=lambda c: (c.created, int(c.id.split("_")[-1])),
        )

    def comments_on(self, post: SimItem, *, stream: bool) -> list[SimItem]:
        return sorted(
            (
                c
                for c in self.items.values()
                if c.kind == "comment"
                and c.post_id == post.id
                and (stream or c.parent_id in (None, post.id))
            ),
            key=lambda c: (c.created, int(c.id.split("_")[-1])),
        )

    def private_reply(self, account: SimAccount, comment_id: str, text: str) -> dict[str, str]:
        comment = self.get(account, comment_id)
        if comment.private_replies:
            raise SimError("(#10900) Activity already replied to", code=10900)
        if comment.created < now_seconds() - timedelta(days=7):
            raise SimError("(#10903) This activity can't be replied to", code=10903)
        reply = {"id": f"m_{next(self._ids)}", "text": text}
        comment.private_replies.append(reply)
        return {"recipient_id": comment.author_id, "message_id": reply["id"]}

    def block(self, account: SimAccount, user_id: str) -> None:
        entry = {"platform": account.kind.value, "account": account.account_id, "user_id": user_id}
        if entry not in self.blocks:
            self.blocks.append(entry)

    def add_fault(self, spec: dict[str, Any]) -> Fault:
        kind = spec.get("kind")
        if kind not in FAULT_KINDS:
            raise SimError(f"unknown fault kind {kind!r}; expected one of {sorted(FAULT_KINDS)}")
        known = {"platform", "account", "endpoint", "count", "status", "retry_after", "delay"}
        extra = {k: v for k, v in spec.items() if k in known | {"usage"}}
        fault = Fault(id=next(self._fault_ids), kind=str(kind), **extra)
        self.faults.append(fault)
        return fault

    def take_faults(self, platform: str, account: str, endpoint: str) -> list[Fault]:
        """The faults that apply to this request, one use each consumed."""
        taken = []
        for fault in list(self.faults):
            if fault.matches(platform, account, endpoint):
                taken.append(fault)
                if fault.count is not None:
                    fault.count -= 1
                    if fault.count <= 0:
                        self.faults.remove(fault)
        return taken

    def count(self, platform: str, account: str, endpoint: str) -> None:
        self.requests[(platform, account, endpoint)] += 1
        self.hourly[(account, int(time.time() // 3600))] += 1

    def calls_this_hour(self, account: str) -> int:
        return self.hourly[(account, int(time.time() // 3600))]

    def snapshot(self) -> dict[str, Any]:
        comments = []
        for item in sorted(self.items.values(), key=lambda i: i.created):
            if item.kind != "comment" or item.author_id == item.account:
                continue
            comments.append(
                {
                    "platform": item.platform.value,
                    "account": item.account,
                    "id": item.id,
                    "post": item.post_id,
                    "parent": item.parent_id,
                    "author": {"id": item.author_id, "name": item.author_name},
                    "text": item.text,
                    "hidden": item.hidden,
                    "created_time": item.created.isoformat(),
                    "replies": [
                        {
                            "id": c.id,
                            "text": c.text,
                            "from_account": c.author_id == c.account,
                        }
                        for c in self.children(item)
                    ],
                    "private_replies": list(item.private_replies),
                }
            )
        return {"comments": comments, "blocks": list(self.blocks)}
