"""Fixtures for webhook tests: the bot's web server with ``/webhooks/meta`` on a loopback port."""

from __future__ import annotations

import asyncio
import io
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp.test_utils import TestServer
from sqlalchemy import Engine

from bot.classifier import Classifier
from bot.config import Config, load_config
from bot.demo import PLATFORM_IDS, SCHOOLS, DemoOptions, config_text, token_env
from bot.runtime import Bot
from bot.web.app import create_app
from bot.webhooks.settings import WebhooksConfig
from connectors.meta_webhooks import sign

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "meta_webhooks"
APP_SECRET = "test-app-secret-5f2c"
VERIFY_TOKEN = "verify-token-91ab"


def delivery(name: str, **values: str) -> dict[str, Any]:
    """A recorded delivery from tests/fixtures/meta_webhooks, its ``{placeholders}`` filled."""
    text = (FIXTURES / f"{name}.json").read_text(encoding="utf-8")
    for key, value in values.items():
        text = text.replace("{" + key + "}", json.dumps(value)[1:-1])
    return dict(json.loads(text))


def batched(*deliveries: dict[str, Any]) -> dict[str, Any]:
    """Deliveries of one object merged into one, as Meta batches entries."""
    return {
        "object": deliveries[0]["object"],
        "entry": [entry for d in deliveries for entry in d["entry"]],
    }


@pytest.fixture
def webhook_config(
    simulator: TestServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Config:
    """The demo trust on the simulator, webhooks on; polls hourly, so events do the work."""
    options = DemoOptions(folder=tmp_path, port=0, sim_port=simulator.port or 0, poll_minutes=60)
    path = tmp_path / "config.toml"
    path.write_text(config_text(options), encoding="utf-8")
    for school_id, *_ in SCHOOLS:
        for platform in PLATFORM_IDS:
            monkeypatch.setenv(token_env(school_id, platform), f"demo-token-{school_id}-{platform}")
    trust_config = load_config(path)
    monkeypatch.setenv("META_APP_SECRET", APP_SECRET)
    monkeypatch.setenv("META_VERIFY_TOKEN", VERIFY_TOKEN)
    webhooks = WebhooksConfig(
        enabled=True, app_secret_env="META_APP_SECRET", verify_token_env="META_VERIFY_TOKEN"
    )
    return trust_config.model_copy(update={"webhooks": webhooks})


@pytest.fixture
async def bot(engine: Engine, webhook_config: Config, classifier: Classifier) -> AsyncIterator[Bot]:
    bot = await Bot.create(webhook_config, engine=engine, classifier=classifier)
    yield bot
    await bot.stop()


class Meta:
    """Sends deliveries to the bot as Meta does: raw JSON, signed with the app secret."""

    def __init__(self, server: TestServer) -> None:
        self.url = str(server.make_url("/webhooks/meta"))

    async def send(
        self, body: dict[str, Any] | bytes, *, signature: str | None = "good"
    ) -> tuple[int, str]:
        raw = body if isinstance(body, bytes) else json.dumps(body).encode()
        headers = {"Content-Type": "application/json"}
        if signature == "good":
            headers["X-Hub-Signature-256"] = sign(raw, APP_SECRET)
        elif signature is not None:
            headers["X-Hub-Signature-256"] = signature
        async with (
            aiohttp.ClientSession() as session,
            session.post(self.url, data=io.BytesIO(raw), headers=headers) as response,
        ):
            return response.status, await response.text()

    async def verify(self, **query: str) -> tuple[int, str]:
        async with (
            aiohttp.ClientSession() as session,
            session.get(self.url, params=query) as response,
        ):
            return response.status, await response.text()


async def until(check: Callable[[], Awaitable[bool]], what: str, limit: float = 30.0) -> None:
    """Wait for a state (not for a time); fail after ``limit`` seconds."""
    deadline = asyncio.get_running_loop().time() + limit
    while not await check():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"never reached: {what}")
        await asyncio.sleep(0.05)


async def configure_sim_webhooks(simulator: TestServer, **settings: Any) -> dict[str, Any]:
    async with (
        aiohttp.ClientSession() as session,
        session.post(simulator.make_url("/_sim/webhooks"), json=settings) as response,
    ):
        assert response.status == 200, await response.text()
        return dict(await response.json())


async def sim_webhook_counters(simulator: TestServer) -> dict[str, int]:
    async with (
        aiohttp.ClientSession() as session,
        session.get(simulator.make_url("/_sim/webhooks")) as response,
    ):
        return dict(await response.json())


@pytest.fixture
async def meta(bot: Bot, engine: Engine) -> AsyncIterator[Meta]:
    """The dashboard application with the receiver installed, as ``Bot.start`` serves it."""
    app = create_app(bot.config, engine)
    bot.install_webhooks(app)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    yield Meta(server)
    await server.close()
