"""Fixtures for whole-bot tests: the simulator on a loopback port and a demo-shaped config."""

from __future__ import annotations

import email
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from bot.classifier import Classifier, ClassifierSettings, load_classifier
from bot.config import Config, load_config
from bot.demo import PLATFORM_IDS, SCHOOLS, DemoOptions, config_text, sim_accounts, token_env
from connectors.simulator import create_app


@pytest.fixture(scope="session")
def classifier() -> Iterator[Classifier]:
    """The real default classifier, loaded once for the session."""
    loaded = load_classifier(ClassifierSettings())
    loaded.load()
    yield loaded
    loaded.close()


@pytest.fixture
async def simulator() -> AsyncIterator[TestServer]:
    server = TestServer(create_app(sim_accounts(), posts_per_account=2), host="127.0.0.1")
    await server.start_server()
    yield server
    await server.close()


@pytest.fixture
def trust_config(simulator: TestServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Config:
    """The demo trust (3 schools x 3 platforms) pointed at the simulator, mail to a maildir."""
    options = DemoOptions(folder=tmp_path, port=0, sim_port=simulator.port or 0)
    path = tmp_path / "config.toml"
    path.write_text(config_text(options), encoding="utf-8")
    for school_id, *_ in SCHOOLS:
        for platform in PLATFORM_IDS:
            monkeypatch.setenv(token_env(school_id, platform), f"demo-token-{school_id}-{platform}")
    return load_config(path)


def account_id(school: str, platform: str) -> str:
    number = next(n for school_id, _name, _phone, n in SCHOOLS if school_id == school)
    return PLATFORM_IDS[platform].format(n=number)


class SimControl:
    """The simulator's control endpoints, as a test uses them."""

    def __init__(self, server: TestServer) -> None:
        self.url = str(server.make_url(""))

    async def post(self, school: str, platform: str, text: str, **extra: Any) -> str:
        body = {"platform": platform, "account": account_id(school, platform), "text": text}
        async with (
            aiohttp.ClientSession() as session,
            session.post(f"{self.url}/_sim/comments", json=body | extra) as response,
        ):
            assert response.status == 201, await response.text()
            return str((await response.json())["id"])

    async def new_post(self, school: str, platform: str, text: str) -> str:
        """A post of the school's account; comments are added to it with ``post=``."""
        body = {"platform": platform, "account": account_id(school, platform), "text": text}
        async with (
            aiohttp.ClientSession() as session,
            session.post(f"{self.url}/_sim/posts", json=body) as response,
        ):
            assert response.status == 201, await response.text()
            return str((await response.json())["id"])

    async def fault(self, **spec: Any) -> None:
        async with (
            aiohttp.ClientSession() as session,
            session.post(f"{self.url}/_sim/faults", json=spec) as response,
        ):
            assert response.status < 300, await response.text()

    async def clear_faults(self) -> None:
        async with (
            aiohttp.ClientSession() as session,
            session.delete(f"{self.url}/_sim/faults") as response,
        ):
            assert response.status < 300, await response.text()

    async def state_of(self, comment_id: str) -> dict[str, Any]:
        """One comment as the simulator holds it (``hidden``, ``replies``...)."""
        found = [c for c in (await self.state())["comments"] if c["id"] == comment_id]
        assert found, f"no comment {comment_id} in the simulator"
        return dict(found[0])

    async def state(self) -> dict[str, Any]:
        async with (
            aiohttp.ClientSession() as session,
            session.get(f"{self.url}/_sim/state") as response,
        ):
            return dict(await response.json())


@pytest.fixture
def sim(simulator: TestServer) -> SimControl:
    return SimControl(simulator)


class Inbox:
    """An aiosmtpd handler that keeps every message it is given."""

    def __init__(self) -> None:
        self.messages: list[email.message.Message] = []

    async def handle_DATA(self, server: object, session: object, envelope: object) -> str:
        self.messages.append(email.message_from_bytes(envelope.content))  # type: ignore[attr-defined]
        return "250 OK"


@dataclass
class Webhook:
    """A Teams or Slack stand-in: what was posted, and the URL to post to."""

    received: list[dict[str, str]]
    url: str


@pytest.fixture
async def webhook() -> AsyncIterator[Webhook]:
    received: list[dict[str, str]] = []

    async def hook(request: web.Request) -> web.Response:
        received.append(await request.json())
        return web.Response(text="1")

    app = web.Application()
    app.router.add_post("/hook", hook)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    yield Webhook(received, str(server.make_url("/hook")))
    await server.close()
