"""Plain records that leave the connectors; raw platform JSON never does."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum


class Platform(StrEnum):
    FACEBOOK = "facebook"
    INSTAGRAM = "instagram"
    X = "x"


class Capability(StrEnum):
    """Operations a connector may offer beyond reading comments."""

    HIDE = "hide"
    REPLY = "reply"
    PRIVATE_REPLY = "private_reply"
    BLOCK = "block"
    FOLLOWER_LIST = "follower_list"


REPLY_LIMITS: dict[str, int] = {Platform.X: 280, Platform.INSTAGRAM: 2200, Platform.FACEBOOK: 8000}
"""The longest reply each platform takes, in characters."""


@dataclass(frozen=True, slots=True)
class Author:
    id: str
    name: str
    username: str | None = None


@dataclass(frozen=True, slots=True)
class Comment:
    """A comment, reply or mention, as read from a platform."""

    platform: Platform
    account_id: str
    id: str
    post_id: str
    author: Author
    text: str
    created_at: datetime
    parent_id: str | None = None
    permalink: str | None = None
    hidden: bool = False
    post_text: str | None = None


@dataclass(frozen=True, slots=True)
class FetchResult:
    """One poll: the comments read and the cursor to pass next time.

    ``cursor`` covers exactly ``comments``: store both together or neither.
    """

    comments: tuple[Comment, ...]
    cursor: str | None


@dataclass(frozen=True, slots=True)
class Reply:
    """A reply the account has made, found when checking before a resend."""

    id: str
    text: str
    private: bool = False


@dataclass(frozen=True, slots=True)
class Follower:
    id: str
    name: str
    username: str | None = None
    description: str | None = None


@dataclass(frozen=True, slots=True)
class FollowerSnapshot:
    platform: Platform
    account_id: str
    taken_at: datetime
    followers_count: int
    fan_count: int | None = None
    followers: tuple[Follower, ...] | None = field(default=None)


@dataclass(frozen=True, slots=True)
class OAuth1Keys:
    """OAuth 1.0a user context: the app's consumer key pair and the account's token secret.

    The access token itself is the connector's ``token``. Unlike OAuth 2.0 user tokens, which
    X expires after two hours, these last until revoked: what an unattended server needs.
    """

    consumer_key: str = field(repr=False)
    consumer_secret: str = field(repr=False)
    token_secret: str = field(repr=False)
