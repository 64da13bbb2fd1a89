"""Live updates: the /events stream sends each viewer's open counts, and again on a change."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from aiohttp import ClientResponse
from aiohttp.test_utils import TestClient, TestServer
from cryptography.fernet import Fernet
from sqlalchemy import Engine
from sqlmodel import select

from bot.config import Config
from bot.labels import Label
from bot.web.app import create_app
from models import Account, session_scope
from tests.bot.web.conftest import Clock, act, sign_in
from tests.bot.web.factory import CHAMPION, DSL, Seeded, add_item


@pytest.fixture
async def live_client(engine: Engine, config: Config, seeded: Seeded) -> AsyncIterator[TestClient]:
    app = create_app(
        config,
        engine,
        secret_key=Fernet(Fernet.generate_key()),
        clock=Clock(),
        action_wait=0.0,
        live_interval=0.02,
    )
    async with TestClient(TestServer(app)) as client:
        yield client


async def _next_counts(stream: ClientResponse) -> dict[str, object]:
    """Read the stream until the next ``counts`` event (a state, bounded by a generous guard)."""
    async with asyncio.timeout(20):
        event = ""
        while True:
            line = (await stream.content.readline()).decode().rstrip("\n")
            if line.startswith("event: "):
                event = line.removeprefix("event: ")
            elif line.startswith("data: ") and event == "counts":
                return dict(json.loads(line.removeprefix("data: ")))


async def test_counts_now_and_after_each_change(live_client, seeded, engine):
    await sign_in(live_client, CHAMPION)
    stream = await live_client.get("/events")
    assert stream.headers["Content-Type"] == "text/event-stream"
    first = await _next_counts(stream)
    # Oakfield for the champion: abuse, the complaint, the question; the safeguarding one apart.
    assert (first["open"], first["with_dsl"], first["mine"]) == (3, 1, 0)
    with session_scope(engine) as session:
        oak = session.exec(select(Account).where(Account.platform_account_id == "oak-fb")).one()
        add_item(session, account=oak, text="New one", label=Label.QUESTION, age=timedelta(0))
    arrived = await _next_counts(stream)
    assert arrived["open"] == 4
    assert arrived["stamp"] != first["stamp"]
    await act(live_client, seeded.abuse, "handled")
    handled = await _next_counts(stream)
    assert handled["open"] == 3
    stream.close()


async def test_a_dsl_counts_the_safeguarding_items_as_their_own(live_client, seeded):
    await sign_in(live_client, DSL)
    stream = await live_client.get("/events")
    counts = await _next_counts(stream)
    assert (counts["open"], counts["with_dsl"]) == (4, 0)
    stream.close()


async def test_the_stream_needs_a_sign_in(live_client):
    response = await live_client.get("/events", allow_redirects=False)
    assert response.status in (302, 303)
