"""Behind a trusted reverse proxy the sign-in limiter counts each client, not the proxy."""

from __future__ import annotations

import ipaddress

from aiohttp.test_utils import TestClient, TestServer
from cryptography.fernet import Fernet
from sqlalchemy import Engine

from bot.web.app import create_app
from bot.web.proxy import client_address
from bot.workspace.auth import SignInLimiter
from tests.bot.web.conftest import csrf_of
from tests.bot.web.factory import CHAMPION, PASSWORD, make_config

LOCAL = [ipaddress.ip_network("127.0.0.1"), ipaddress.ip_network("10.0.0.0/8")]


def test_the_client_is_the_first_untrusted_hop_from_the_right() -> None:
    forwarded = ["198.51.100.7, 203.0.113.9", "10.1.2.3"]
    assert client_address("127.0.0.1", forwarded, LOCAL) == "203.0.113.9"


def test_the_header_is_ignored_from_an_untrusted_peer() -> None:
    assert client_address("203.0.113.50", ["198.51.100.7"], LOCAL) == "203.0.113.50"


def test_without_a_header_the_proxy_itself_is_the_client() -> None:
    assert client_address("127.0.0.1", [], LOCAL) == "127.0.0.1"
    assert client_address("127.0.0.1", ["10.0.0.5"], LOCAL) == "10.0.0.5"


async def _sign_in(client: TestClient, email: str, password: str, forwarded_for: str) -> int:
    token = await csrf_of(client)
    response = await client.post(
        "/login",
        data={"csrf": token, "email": email, "password": password},
        headers={"X-Forwarded-For": forwarded_for},
        allow_redirects=False,
    )
    return response.status


async def _after_three_failures_from_one_client(engine: Engine, **dashboard: object) -> int:
    limiter = SignInLimiter(per_address=3, per_email=100)
    config = make_config(**dashboard)
    app = create_app(config, engine, secret_key=Fernet(Fernet.generate_key()), limiter=limiter)
    async with TestClient(TestServer(app)) as client:
        for n in range(3):
            status = await _sign_in(client, f"guess{n}@x.example", "wrong-123", "203.0.113.66")
            assert status == 401
        return await _sign_in(client, CHAMPION, PASSWORD, "198.51.100.7")


async def test_one_client_failing_behind_a_trusted_proxy_does_not_lock_out_the_others(
    engine: Engine, seeded: object
) -> None:
    status = await _after_three_failures_from_one_client(engine, trusted_proxies=["127.0.0.1"])
    assert status == 303


async def test_without_trusted_proxies_a_forged_header_buys_no_fresh_attempts(
    engine: Engine, seeded: object
) -> None:
    assert await _after_three_failures_from_one_client(engine) == 401
