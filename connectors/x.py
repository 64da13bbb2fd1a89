"""X (API v2) connector on tweepy's AsyncClient; tweepy never leaves connectors/x*.py."""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Awaitable, Callable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar

import aiohttp
import tweepy

from connectors.base import Connector
from connectors.errors import (
    AuthError,
    ConnectorError,
    NotFound,
    PermissionMissing,
    RateLimited,
    TransientError,
    Unsupported,
)
from connectors.records import (
    Capability,
    Comment,
    FetchResult,
    Follower,
    FollowerSnapshot,
    OAuth1Keys,
    Platform,
    Reply,
)
from connectors.scrub import Scrubber
from connectors.x_client import DEFAULT_X_URL, XClient
from connectors.x_payloads import comments_in, full_text

_LOGGER = logging.getLogger(__name__)

_DEFAULT_RETRY_AFTER = 60.0
_MAX_PAGES = 50  # a guard against a paging token that never ends
_LEADING_MENTIONS = re.compile(r"^(?:@\w+\s+)+")

#: Capabilities by X API access tier. Reading mentions needs Basic or above.
TIER_CAPABILITIES: Mapping[str, frozenset[Capability]] = {
    "free": frozenset({Capability.REPLY}),
    "basic": frozenset({Capability.HIDE, Capability.REPLY}),
    "pro": frozenset(
        {Capability.HIDE, Capability.REPLY, Capability.BLOCK, Capability.FOLLOWER_LIST}
    ),
    "enterprise": frozenset(
        {Capability.HIDE, Capability.REPLY, Capability.BLOCK, Capability.FOLLOWER_LIST}
    ),
}

_TWEET_FIELDS = ["author_id", "conversation_id", "created_at", "in_reply_to_user_id"]
_TWEET_FIELDS += ["referenced_tweets", "note_tweet"]


def _problem(exc: tweepy.HTTPException) -> dict[str, Any]:
    problem = getattr(exc, "problem", None)
    return problem if isinstance(problem, dict) else {}


class XConnector(Connector):
    """An X account (``account_id`` is its numeric user id), on an OAuth 2.0 user token, or
    on an OAuth 1.0a access token when ``oauth1`` holds the keys that sign it.

    Cursor: the ``newest_id`` of the last poll; the next poll asks for mentions
    ``since_id`` it. The mentions timeline returns @mentions and the replies to the
    account's posts (replies carry the @handle): an idle poll costs one request.
    """

    platform: ClassVar[Platform] = Platform.X
    capabilities: ClassVar[frozenset[Capability]] = TIER_CAPABILITIES["pro"]

    def __init__(
        self,
        *,
        account_id: str,
        token: str,
        session: aiohttp.ClientSession | None = None,
        base_url: str | None = None,
        lookback_days: int = 7,
        tier: str = "basic",
        page_size: int = 100,
        max_followers: int = 10_000,
        timeout: float = 30.0,
        wall_clock: Callable[[], float] = time.time,
        oauth1: OAuth1Keys | None = None,
    ) -> None:
        super().__init__(account_id=account_id, session=session)
        if tier not in TIER_CAPABILITIES:
            raise ValueError(
                f"unknown X tier {tier!r}; expected one of {sorted(TIER_CAPABILITIES)}"
            )
        self.tier = tier
        self.capabilities = TIER_CAPABILITIES[tier]  # type: ignore[misc]
        self._client = XClient(
            token=token,
            base_url=base_url or DEFAULT_X_URL,
            session_factory=lambda: self.session,
            timeout=timeout,
            wall_clock=wall_clock,
            oauth1=oauth1,
        )
        keys = (oauth1.consumer_key, oauth1.consumer_secret, oauth1.token_secret) if oauth1 else ()
        self._scrub = Scrubber([token, *keys])
        self._lookback = timedelta(days=lookback_days)
        self._page_size = max(5, min(page_size, 100))
        self._max_followers = max_followers
        self._wall = wall_clock

    async def _request(self, endpoint: str, call: Callable[[], Awaitable[Any]]) -> dict[str, Any]:
        """Run one tweepy call: the one place where X's HTTP becomes our errors.

        ``endpoint`` is the route key (``GET /2/users/:id/mentions``): its rate window is
        checked first, so a used-up window costs no request. No error leaves with the token
        or an OAuth 1.0a key in it, in any form, whichever branch made it.
        """
        try:
            return await self._exchange(endpoint, call)
        except ConnectorError as exc:
            raise exc.scrubbed(self._scrub) from exc.__cause__

    async def _exchange(self, endpoint: str, call: Callable[[], Awaitable[Any]]) -> dict[str, Any]:
        wait = self._client.wait_for(endpoint)
        if wait > 0:
            raise RateLimited(f"X {endpoint}: rate window used up", retry_after=wait)
        try:
            result = await call()
        except tweepy.TooManyRequests as exc:
            raise RateLimited(
                self._message(endpoint, exc), retry_after=self._wait_from(exc.response.headers)
            ) from None
        except tweepy.Unauthorized as exc:
            raise AuthError(self._message(endpoint, exc), code=401) from None
        except tweepy.Forbidden as exc:
            if "client-forbidden" in str(_problem(exc).get("type", "")):
                raise Unsupported(self._message(endpoint, exc), code=403) from None
            raise PermissionMissing(self._message(endpoint, exc), code=403) from None
        except tweepy.NotFound as exc:
            raise NotFound(self._message(endpoint, exc), code=404) from None
        except tweepy.TwitterServerError as exc:
            raise TransientError(self._message(endpoint, exc), code=exc.response.status) from None
        except tweepy.HTTPException as exc:
            raise ConnectorError(self._message(endpoint, exc), code=exc.response.status) from None
        except TimeoutError as exc:
            raise TransientError(f"X {endpoint} timed out") from exc
        except aiohttp.ClientError as exc:
            raise TransientError(f"X {endpoint} failed: {type(exc).__name__}") from exc
        except ValueError as exc:
            raise TransientError(f"X {endpoint} sent unreadable JSON") from exc
        if not isinstance(result, dict):
            raise TransientError(f"X {endpoint} sent a {type(result).__name__}, not an object")
        errors = result.get("errors")
        if "data" not in result and isinstance(errors, list) and errors:
            first = errors[0] if isinstance(errors[0], dict) else {}
            detail = str(first.get("detail", "unknown error"))
            if "not-found" in str(first.get("type", "")):
                raise NotFound(f"X {endpoint}: {detail}", code=404)
            raise ConnectorError(f"X {endpoint}: {detail}")
        return result

    def _message(self, endpoint: str, exc: tweepy.HTTPException) -> str:
        problem = _problem(exc)
        title = problem.get("title") or getattr(exc.response, "reason", "")
        detail = problem.get("detail") or ""
        return f"X {endpoint}: HTTP {exc.response.status} {title}: {detail}".rstrip(": ")

    def _wait_from(self, headers: Mapping[str, str]) -> float:
        try:
            return max(1.0, float(headers["x-rate-limit-reset"]) - self._wall())
        except (KeyError, ValueError):
            return _DEFAULT_RETRY_AFTER

    async def fetch_comments(self, cursor: str | None) -> FetchResult:
        params: dict[str, Any] = {
            "expansions": ["author_id", "referenced_tweets.id"],
            "tweet_fields": _TWEET_FIELDS,
            "user_fields": ["name", "username"],
            "max_results": self._page_size,
        }
        if cursor and not cursor.isdigit():
            _LOGGER.warning("Ignoring an unreadable X cursor: reading the lookback again")
            cursor = None
        if cursor:
            params["since_id"] = cursor
        else:
            params["start_time"] = datetime.now(UTC) - self._lookback
        found: list[Comment] = []
        newest = int(cursor) if cursor and cursor.isdigit() else 0
        token: str | None = None
        for _ in range(_MAX_PAGES):
            page_params = {**params, "pagination_token": token} if token else params
            page = await self._request(
                "GET /2/users/:id/mentions",
                lambda p=page_params: self._client.get_users_mentions(  # type: ignore[misc]
                    self.account_id, user_auth=False, **p
                ),
            )
            read_at = datetime.fromtimestamp(self._wall(), UTC)
            found.extend(comments_in(page, self.account_id, read_at=read_at))
            raw_meta = page.get("meta")
            meta: dict[str, Any] = raw_meta if isinstance(raw_meta, dict) else {}
            newest_id = str(meta.get("newest_id", ""))
            if newest_id.isdigit():
                newest = max(newest, int(newest_id))
            token = meta.get("next_token")
            if not isinstance(token, str) or not token:
                break
        else:
            _LOGGER.warning(
                "Stopped reading X mentions of %s after %s pages", self.account_id, _MAX_PAGES
            )
        found = [c for c in found if c.author.id != self.account_id]
        found.sort(key=lambda c: int(c.id) if c.id.isdigit() else 0)
        return FetchResult(tuple(found), str(newest) if newest else cursor)

    async def hide(self, comment_id: str, hidden: bool = True) -> None:
        self._require(Capability.HIDE)
        method = self._client.hide_reply if hidden else self._client.unhide_reply
        try:
            result = await self._request(
                "PUT /2/tweets/:id/hidden", lambda: method(comment_id, user_auth=False)
            )
        except PermissionMissing:
            if await self._started_elsewhere(comment_id):
                raise Unsupported(
                    f"X lets an account hide replies only in conversations it started; "
                    f"post {comment_id} is in a conversation someone else started",
                    code=403,
                ) from None
            raise
        if result.get("data", {}).get("hidden") is not hidden:
            raise ConnectorError(f"X did not confirm hiding post {comment_id}")

    async def _started_elsewhere(self, tweet_id: str) -> bool:
        """Whether the conversation of ``tweet_id`` was started by another account."""
        try:
            tweet = await self._request(
                "GET /2/tweets/:id",
                lambda: self._client.get_tweet(
                    tweet_id, tweet_fields=["conversation_id"], user_auth=False
                ),
            )
            root_id = tweet["data"]["conversation_id"]
            root = await self._request(
                "GET /2/tweets/:id",
                lambda: self._client.get_tweet(
                    root_id, tweet_fields=["author_id"], user_auth=False
                ),
            )
            return bool(root["data"]["author_id"] != self.account_id)
        except (ConnectorError, KeyError, TypeError):
            return False

    async def reply(self, comment_id: str, text: str, *, private: bool = False) -> str:
        if private:
            raise Unsupported("X has no private reply to a post")
        self._require(Capability.REPLY)
        result = await self._request(
            "POST /2/tweets",
            lambda: self._client.create_tweet(
                text=text, in_reply_to_tweet_id=comment_id, user_auth=False
            ),
        )
        try:
            return str(result["data"]["id"])
        except (KeyError, TypeError) as exc:
            raise ConnectorError(f"X sent no id for the reply to {comment_id}") from exc

    async def find_reply(
        self, comment_id: str, text: str, *, private: bool = False
    ) -> Reply | None:
        if private:
            return None
        wanted = _LEADING_MENTIONS.sub("", text.strip())
        token: str | None = None
        for _ in range(_MAX_PAGES):
            extra = {"pagination_token": token} if token else {}
            page = await self._request(
                "GET /2/users/:id/tweets",
                lambda e=extra: self._client.get_users_tweets(  # type: ignore[misc]
                    self.account_id,
                    since_id=comment_id,
                    max_results=100,
                    tweet_fields=["referenced_tweets", "note_tweet"],
                    user_auth=False,
                    **e,
                ),
            )
            for item in page.get("data") or []:
                refs = item.get("referenced_tweets") or []
                replies_to = any(
                    r.get("type") == "replied_to" and r.get("id") == comment_id for r in refs
                )
                said = str(full_text(item)) if "text" in item else ""
                if replies_to and _LEADING_MENTIONS.sub("", said.strip()) == wanted:
                    return Reply(id=str(item["id"]), text=said)
            token = (page.get("meta") or {}).get("next_token")
            if not token:
                return None
        return None

    async def block(self, author_id: str) -> None:
        self._require(Capability.BLOCK)
        result = await self._request(
            "POST /2/users/:id/blocking",
            lambda: self._client._make_request(
                "POST",
                f"/2/users/{self.account_id}/blocking",
                json={"target_user_id": author_id},
                user_auth=False,
            ),
        )
        if result.get("data", {}).get("blocking") is not True:
            raise ConnectorError(f"X did not confirm blocking user {author_id}")

    async def follower_snapshot(self) -> FollowerSnapshot:
        user = await self._request(
            "GET /2/users/:id",
            lambda: self._client.get_user(
                id=self.account_id, user_fields=["public_metrics"], user_auth=False
            ),
        )
        try:
            count = int(user["data"]["public_metrics"]["followers_count"])
        except (KeyError, TypeError, ValueError) as exc:
            raise ConnectorError("X sent no readable followers_count") from exc
        followers = None
        if self.supports(Capability.FOLLOWER_LIST):
            try:
                followers = await self._follower_list()
            except (Unsupported, PermissionMissing) as exc:
                _LOGGER.warning(
                    "X refused the follower list for %s (%s): recording the count only",
                    self.account_id,
                    type(exc).__name__,
                )
        return FollowerSnapshot(
            platform=self.platform,
            account_id=self.account_id,
            taken_at=datetime.now(UTC),
            followers_count=count,
            followers=followers,
        )

    async def _follower_list(self) -> tuple[Follower, ...]:
        followers: list[Follower] = []
        token: str | None = None
        for _ in range(_MAX_PAGES):
            if len(followers) >= self._max_followers:
                break
            extra = {"pagination_token": token} if token else {}
            page = await self._request(
                "GET /2/users/:id/followers",
                lambda e=extra: self._client.get_users_followers(  # type: ignore[misc]
                    self.account_id,
                    max_results=1000,
                    user_fields=["description", "name", "username"],
                    user_auth=False,
                    **e,
                ),
            )
            for item in page.get("data") or []:
                if isinstance(item, dict) and isinstance(item.get("id"), str):
                    followers.append(
                        Follower(
                            id=item["id"],
                            name=str(item.get("name", "")),
                            username=item.get("username"),
                            description=item.get("description"),
                        )
                    )
            token = (page.get("meta") or {}).get("next_token")
            if not token:
                break
        return tuple(followers[: self._max_followers])
