"""Connector test fixtures: the simulator on port 0, a replay server for recorded payloads."""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from connectors import Connector, create_connector
from connectors.simulator import SimAccount, create_app, start

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
PLATFORMS = ("facebook", "instagram", "x")


def load_fixture(platform: str, name: str) -> Any:
    """A recorded payload from tests/fixtures/<platform>/<name>.json."""
    return json.loads((FIXTURES / platform / f"{name}.json").read_text(encoding="utf-8"))


def make_accounts() -> dict[str, SimAccount]:
    return {
        "facebook": SimAccount(
            "facebook", "101", "fb-SECRET-token-101", "Oakfield Primary",
            followers=1500, fan_count=1400,
        ),
        "instagram": SimAccount(
            "instagram", "17841400000000202", "ig-SECRET-token-202", "Oakfield Primary",
            username="oakfieldschool", followers=900,
        ),
        "x": SimAccount(
            "x", "303", "x-SECRET-token-303", "Oakfield Primary", username="oakfieldsch",
            followers=500, tier="pro", follower_list_size=30,
        ),
    }  # fmt: skip


class FakeClock:
    """A clock that only moves when the code under test sleeps."""

    def __init__(self, start: float) -> None:
        self.now = start
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


@dataclass
class Sim:
    """A running simulator, driven through its control endpoints over HTTP."""

    base_url: str
    session: aiohttp.ClientSession
    accounts: dict[str, SimAccount]
    runner: web.AppRunner = field(repr=False)

    @property
    def app(self) -> web.Application:
        return self.runner.app

    async def _call(self, method: str, path: str, body: Any = None) -> Any:
        async with self.session.request(method, self.base_url + path, json=body) as response:
            assert response.status < 300, await response.text()
            return await response.json()

    async def add_comment(self, platform: str, text: str, **extra: Any) -> str:
        account = self.accounts[platform].account_id
        body = {"platform": platform, "account": account, "text": text, **extra}
        return str((await self._call("POST", "/_sim/comments", body))["id"])

    async def add_post(self, platform: str, text: str = "News from school") -> str:
        body = {"platform": platform, "account": self.accounts[platform].account_id, "text": text}
        return str((await self._call("POST", "/_sim/posts", body))["id"])

    async def fault(self, **spec: Any) -> None:
        await self._call("POST", "/_sim/faults", spec)

    async def state(self) -> dict[str, Any]:
        result: dict[str, Any] = await self._call("GET", "/_sim/state")
        return result

    async def comment(self, comment_id: str) -> dict[str, Any]:
        found = [c for c in (await self.state())["comments"] if c["id"] == comment_id]
        assert found, f"no comment {comment_id} in the simulator"
        return found[0]

    async def requests(self, platform: str) -> int:
        account = self.accounts[platform].account_id
        rows = (await self._call("GET", "/_sim/requests"))["requests"]
        return sum(r["count"] for r in rows if r["account"] == account)

    def connector(self, platform: str, **options: Any) -> Connector:
        account = self.accounts[platform]
        return create_connector(
            platform,
            account_id=account.account_id,
            token=account.token,
            session=self.session,
            base_url=self.base_url,
            **options,
        )


SimFactory = Callable[..., Awaitable[Sim]]


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as client:
        yield client


@pytest.fixture
async def sim_factory(session: aiohttp.ClientSession) -> AsyncIterator[SimFactory]:
    runners: list[web.AppRunner] = []

    async def make(accounts: dict[str, SimAccount] | None = None, **options: Any) -> Sim:
        accounts = accounts or make_accounts()
        options.setdefault("posts_per_account", 3)
        runner = await start(create_app(list(accounts.values()), **options), "127.0.0.1", 0)
        runners.append(runner)
        port = runner.addresses[0][1]
        return Sim(f"http://127.0.0.1:{port}", session, accounts, runner)

    yield make
    for runner in runners:
        await runner.cleanup()


@pytest.fixture
async def sim(sim_factory: SimFactory) -> Sim:
    return await sim_factory()


@dataclass(frozen=True)
class Seen:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: Any


@dataclass
class Replay:
    """A server that answers each (method, path) with a recorded payload."""

    base_url: str
    routes: dict[tuple[str, str], list[tuple[int, Any, dict[str, str]]]]
    seen: list[Seen]
    session: aiohttp.ClientSession

    def add(
        self,
        method: str,
        path: str,
        body: Any,
        status: int = 200,
        headers: dict[str, str] | None = None,
    ) -> None:
        """Answer ``method path`` with this; several adds answer in turn (the last repeats)."""
        self.routes.setdefault((method, path), []).append((status, body, headers or {}))


@pytest.fixture
async def replay(session: aiohttp.ClientSession) -> AsyncIterator[Replay]:
    routes: dict[tuple[str, str], list[tuple[int, Any, dict[str, str]]]] = {}
    seen: list[Seen] = []

    async def answer(request: web.Request) -> web.Response:
        body = await request.json() if request.can_read_body else None
        seen.append(
            Seen(request.method, request.path, dict(request.query), dict(request.headers), body)
        )
        answers = routes.get((request.method, request.path))
        if not answers:
            return web.json_response({"error": "no recording"}, status=599)
        status, payload, headers = answers.pop(0) if len(answers) > 1 else answers[0]
        return web.json_response(payload, status=status, headers=headers)

    app = web.Application()
    app.router.add_route("*", "/{path:.*}", answer)
    runner = await start(app, "127.0.0.1", 0)
    yield Replay(f"http://127.0.0.1:{runner.addresses[0][1]}", routes, seen, session)
    await runner.cleanup()


def wall_clock() -> FakeClock:
    return FakeClock(time.time())
