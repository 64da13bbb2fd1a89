"""Simulator → bot → platform: comments reach the bot as Meta's webhooks (signed, batched,
duplicated, out of order, retried) and end hidden and alerted, each stored once."""

from __future__ import annotations

from aiohttp.test_utils import TestServer
from sqlalchemy import Engine
from sqlmodel import Session, select

from bot.runtime import Bot
from models import Action, ActionKind, ActionStatus, Comment, WebhookEvent
from tests.bot.conftest import SimControl
from tests.bot.webhooks.conftest import (
    APP_SECRET,
    Meta,
    configure_sim_webhooks,
    sim_webhook_counters,
    until,
)
from tests.bot.webhooks.test_receiver import ABUSE

DISCLOSURE = "My son told me his stepdad hits him when mum is at work and he is scared to go home"
CHAT = ["Lovely photos!", "What time is pick-up on Friday?", "Well done everyone", "Brilliant"]


async def test_comments_arrive_as_webhooks_and_are_hidden_and_alerted_once(
    engine: Engine, bot: Bot, meta: Meta, sim: SimControl, simulator: TestServer
) -> None:
    await configure_sim_webhooks(
        simulator, url=meta.url, app_secret=APP_SECRET, duplicate_rate=0.5, reorder_rate=0.5,
        batch_ms=20, seed=4,
    )  # fmt: skip
    await bot.start(serve_dashboard=False)
    abuse = await sim.post("oakfield", "facebook", ABUSE, author={"id": "u-1", "name": "Al"})
    disclosure = await sim.post("birchwood", "instagram", DISCLOSURE, author={"id": "u-2"})
    chat = [await sim.post("cedar-grove", "facebook", text) for text in CHAT]

    async def settled() -> bool:
        with Session(engine) as session:
            alerts = session.exec(
                select(Action).where(
                    Action.kind == ActionKind.ALERT, Action.status == ActionStatus.DONE
                )
            ).all()
            pending = session.exec(select(WebhookEvent).where(WebhookEvent.status != "done")).all()
        hidden = {c["id"] for c in (await sim.state())["comments"] if c["hidden"]}
        return abuse in hidden and disclosure in hidden and len(alerts) == 1 and not pending

    await until(settled, "the abuse and the disclosure hidden, the DSL alerted, all processed")

    with Session(engine) as session:
        stored = [c.platform_id for c in session.exec(select(Comment)).all()]
        hides = session.exec(select(Action).where(Action.kind == ActionKind.HIDE)).all()
    assert sorted(stored) == sorted([abuse, disclosure, *chat])
    assert len(hides) == 2
    counters = await sim_webhook_counters(simulator)
    assert counters["duplicates"] >= 1
    assert counters["retries"] == 0


async def test_a_delivery_the_bot_refuses_is_retried_and_stores_nothing(
    engine: Engine, bot: Bot, meta: Meta, sim: SimControl, simulator: TestServer
) -> None:
    await configure_sim_webhooks(
        simulator, url=meta.url, app_secret="a-different-secret", retry_seconds=0.01
    )
    await sim.post("oakfield", "facebook", ABUSE)

    async def retried() -> bool:
        return (await sim_webhook_counters(simulator))["retries"] >= 3

    await until(retried, "three retries of the refused delivery")
    with Session(engine) as session:
        assert session.exec(select(WebhookEvent)).all() == []
