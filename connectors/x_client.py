"""tweepy's AsyncClient on our session and base URL, remembering X's rate-limit windows."""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Mapping
from typing import Any

import aiohttp
import tweepy
from tweepy.asynchronous import AsyncClient

DEFAULT_X_URL = "https://api.x.com"


def route_key(method: str, route: str) -> str:
    """``GET /2/users/:id/mentions`` for ``GET /2/users/123/mentions``: one rate window each."""
    return f"{method} " + re.sub(r"(?<=.)/\d+", "/:id", route.split("?")[0])


class XClient(AsyncClient):  # type: ignore[misc]
    """AsyncClient whose ``request`` uses our session and base URL (tweepy hard-codes its host).

    Only OAuth 2.0 user tokens (Bearer) are used; headers are never logged. A failed call
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
    ) -> None:
        super().__init__(bearer_token=token, return_type=dict, wait_on_rate_limit=False)
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

    async def request(
        self,
        method: str,
        route: str,
        params: Mapping[str, Any] | None = None,
        json: Mapping[str, Any] | None = None,
        user_auth: bool = False,
    ) -> aiohttp.ClientResponse:
        if user_auth:
            raise TypeError("OAuth 1.0a is not used: pass an OAuth 2.0 user token")
        headers = {"User-Agent": self.user_agent, "Authorization": f"Bearer {self.bearer_token}"}
        async with self._session_factory().request(
            method,
            self._base_url + route,
            params=params,
            json=json,
            headers=headers,
            timeout=self._timeout,
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
