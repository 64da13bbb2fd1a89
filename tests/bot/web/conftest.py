"""Fixtures for the dashboard: a seeded trust and a real HTTP test server."""

from __future__ import annotations

import re
import secrets
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import pytest
from aiohttp.test_utils import TestClient, TestServer
from cryptography.fernet import Fernet
from sqlalchemy import Engine

from bot.config import Config
from bot.web.app import create_app
from tests.bot.web.factory import NOW, PASSWORD, Seeded, make_config, seed


@pytest.fixture
def config() -> Config:
    return make_config()


@pytest.fixture
def seeded(engine: Engine, config: Config) -> Seeded:
    return seed(engine, config)


@dataclass
class Clock:
    now: object = NOW

    def __call__(self):  # type: ignore[no-untyped-def]
        return self.now


@dataclass
class Wakes:
    count: int = 0
    calls: list[int] = field(default_factory=list)

    def __call__(self) -> None:
        self.count += 1


@pytest.fixture
def wakes() -> Wakes:
    return Wakes()


@pytest.fixture
async def client(
    engine: Engine, config: Config, seeded: Seeded, wakes: Wakes
) -> AsyncIterator[TestClient]:
    app = create_app(
        config,
        engine,
        wake_outbox=wakes,
        secret_key=Fernet(Fernet.generate_key()),
        clock=Clock(),
        action_wait=0.0,
    )
    async with TestClient(TestServer(app)) as test_client:
        yield test_client


def form_value(html: str, name: str) -> str:
    match = re.search(rf'name="{name}" value="([^"]*)"', html)
    assert match, f"no {name} field in the page"
    return match.group(1)


async def csrf_of(client: TestClient, path: str = "/login") -> str:
    response = await client.get(path)
    return form_value(await response.text(), "csrf")


async def sign_in(client: TestClient, email: str, password: str = PASSWORD) -> None:
    token = await csrf_of(client)
    response = await client.post(
        "/login",
        data={"csrf": token, "email": email, "password": password},
        allow_redirects=False,
    )
    assert response.status == 303, await response.text()


async def act(client: TestClient, item_id: int, action: str, **fields: str) -> object:
    """Post an item action with the page's own CSRF token and a fresh nonce."""
    page = await client.get(f"/items/{item_id}")
    html = await page.text()
    token = form_value(html, "csrf") if page.status == 200 else await csrf_of(client, "/queue")
    data = {
        "csrf": token,
        "nonce": fields.pop("nonce", secrets.token_urlsafe(12)),
        "action": action,
        **fields,
    }
    return await client.post(f"/items/{item_id}/act", data=data, allow_redirects=False)
