"""Platform connectors: the same plain records and operations for every platform."""

from __future__ import annotations

from typing import Any

import aiohttp

from connectors.base import Connector
from connectors.errors import (
    AlreadyDone,
    AuthError,
    ConnectorError,
    NotFound,
    PermissionMissing,
    RateLimited,
    TransientError,
    Unsupported,
)
from connectors.records import (
    Author,
    Capability,
    Comment,
    FetchResult,
    Follower,
    FollowerSnapshot,
    OAuth1Keys,
    Platform,
    Reply,
)
from connectors.retry import DEFAULT_POLICY, RetryPolicy, call_with_retry

__all__ = [
    "DEFAULT_POLICY",
    "AlreadyDone",
    "AuthError",
    "Author",
    "Capability",
    "Comment",
    "Connector",
    "ConnectorError",
    "FetchResult",
    "Follower",
    "FollowerSnapshot",
    "NotFound",
    "OAuth1Keys",
    "PermissionMissing",
    "Platform",
    "RateLimited",
    "Reply",
    "RetryPolicy",
    "TransientError",
    "Unsupported",
    "call_with_retry",
    "create_connector",
]


def create_connector(
    platform: Platform | str,
    *,
    account_id: str,
    token: str,
    session: aiohttp.ClientSession | None = None,
    base_url: str | None = None,
    app_secret: str | None = None,
    lookback_days: int = 7,
    **platform_options: Any,
) -> Connector:
    """The connector for one account.

    ``base_url`` defaults to the real platform (Graph: https://graph.facebook.com,
    X: https://api.x.com). Facebook/Instagram options: ``api_version``, ``page_size``,
    ``timeout``. X options: ``tier`` ("free", "basic", "pro", "enterprise"),
    ``page_size``, ``max_followers``, ``timeout``, ``oauth1`` (:class:`OAuth1Keys`, to sign
    with OAuth 1.0a instead of sending ``token`` as a Bearer token); X's ``account_id`` is the
    numeric user id and ``app_secret`` is not used.
    """
    try:
        kind = Platform(platform)
    except ValueError:
        raise ValueError(
            f"unknown platform {platform!r}; expected one of {[p.value for p in Platform]}"
        ) from None
    common: dict[str, Any] = {
        "account_id": account_id,
        "token": token,
        "session": session,
        "base_url": base_url,
        "lookback_days": lookback_days,
        **platform_options,
    }
    if kind is Platform.X:
        from connectors.x import XConnector

        return XConnector(**common)
    from connectors.facebook import FacebookConnector
    from connectors.instagram import InstagramConnector

    graph = FacebookConnector if kind is Platform.FACEBOOK else InstagramConnector
    return graph(app_secret=app_secret, **common)
