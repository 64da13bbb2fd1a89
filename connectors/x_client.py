"""tweepy's AsyncClient on our session and base URL, remembering X's rate-limit windows."""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Mapping
from typing import Any

import aiohttp
import tweepy
from oauthlib.oauth1 import Client as OAuth1Client
from tweepy.asynchronous import AsyncClient
from yarl import URL

from connectors.records import OAuth1Keys

DEFAULT_X_URL = "https://api.x.com"


def route_key(method: str, route: str) -> str:
    """``GET /2/users/:id/mentions`` for ``GET /2/users/123/mentions``: one rate window each."""
    return f"{method} " + re.sub(r"(?<=.)/\d+", "/:id", route.split("?")[0])


class XClient(AsyncClient):  # type: ignore[misc]
    """AsyncClient whose ``request`` uses our session and base URL (tweepy hard-codes its host).

    Requests carry the OAuth 2.0 user token as a Bearer token, or, given ``oauth1``, an OAuth
    1.0a signature (HMAC-SHA1) over the token; headers are never logged. A failed call
    raises tweepy's own exception with the problem JSON attached as ``problem``. When a
    response says a rate window is used up, its reset time is kept in ``resets``.
    """

    def __init__(
        self,
        *,
        token: str,
        base_url: str,
        session_factory: Callable[[], aiohttp.ClientSession],
        timeout: float = 30.0,
        wall_clock: Callable[[], float] = time.time,
        oauth1: OAuth1Keys | None = None,
    ) -> None:
        super().__init__(bearer_token=token, return_type=dict, wait_on_rate_limit=False)
        self._oauth1 = oauth1
        self._base_url = base_url.rstrip("/")
        self._session_factory = session_factory
        self._timeout = aiohttp.ClientTimeout(total=timeout)
        self._wall = wall_clock
        self.resets: dict[str, float] = {}

    def wait_for(self, key: str) -> float:
        """Seconds until the window of ``key`` reopens (0 when it is open)."""
        return max(0.0, self.resets.get(key, 0.0) - self._wall())

    def _note_window(self, key: str, headers: Mapping[str, str]) -> None:
        try:
            remaining = int(headers["x-rate-limit-remaining"])
            reset = float(headers["x-rate-limit-reset"])
        except (KeyError, ValueError):
            return
        if remaining <= 0:
            self.resets[key] = reset
        else:
            self.resets.pop(key, None)

    def _signed(
        self, method: str, url: str, params: Mapping[str, Any], headers: dict[str, str]
    ) -> tuple[URL, dict[str, str]]:
        """The URL with its query and an OAuth 1.0a header signed over both, as tweepy does.

        A JSON body is not signed (OAuth 1.0a signs form bodies only), so it travels as is.
        """
        assert self._oauth1 is not None
        keys = self._oauth1
        client = OAuth1Client(
            keys.consumer_key,
            client_secret=keys.consumer_secret,
            resource_owner_key=self.bearer_token,
            resource_owner_secret=keys.token_secret,
        )
        query = sorted((key, str(value)) for key, value in params.items())
        signed, headers, _ = client.sign(str(URL(url).with_query(query)), method, headers=headers)
        before, _, query_string = signed.partition("?")
        encoded = f"{before}?{query_string.replace(':', '%3A')}" if query_string else before
        return URL(encoded, encoded=True), headers

    async def request(
        self,
        method: str,
        route: str,
        params: Mapping[str, Any] | None = None,
        json: Mapping[str, Any] | None = None,
        user_auth: bool = False,
    ) -> aiohttp.ClientResponse:
        url: str | URL = self._base_url + route
        headers = {"User-Agent": self.user_agent}
        if self._oauth1 is None:
            headers["Authorization"] = f"Bearer {self.bearer_token}"
        else:
            url, headers = self._signed(method, str(url), params or {}, headers)
            params = None
        async with self._session_factory().request(
            method, url, params=params, json=json, headers=headers, timeout=self._timeout
        ) as response:
            await response.read()
        self._note_window(route_key(method, route), response.headers)
        if 200 <= response.status < 300:
            return response
        try:
            problem = await response.json(content_type=None)
        except ValueError:
            problem = None
        problem = problem if isinstance(problem, dict) else {}
        error_type: type[tweepy.HTTPException] = {
            400: tweepy.BadRequest,
            401: tweepy.Unauthorized,
            403: tweepy.Forbidden,
            404: tweepy.NotFound,
            429: tweepy.TooManyRequests,
        }.get(response.status, tweepy.HTTPException)
        if response.status >= 500:
            error_type = tweepy.TwitterServerError
        error = error_type(response, response_json=problem)
        error.problem = problem
        raise error
