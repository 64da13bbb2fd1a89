"""Polling as the safety net: slowed while webhooks arrive, back when they fall silent, and
able to find new comments on posts of any age."""

from __future__ import annotations

from datetime import datetime, timedelta

import aiohttp
from aiohttp.test_utils import TestServer
from sqlalchemy import Engine
from sqlmodel import Session, select

from bot.poller import PollReport
from bot.runtime import Bot
from bot.webhooks.reconcile import Mode, Reconciler
from connectors.simulator.keys import STATE
from models import Action, ActionKind, Comment, WebhookHealth, session_scope
from models.types import utcnow
from tests.bot.conftest import account_id


class Clock:
    def __init__(self) -> None:
        self.now = utcnow()

    def __call__(self) -> datetime:
        return self.now


def handle(bot: Bot, platform: str, school: str = "oakfield") -> int:
    wanted = account_id(school, platform)
    return next(a.id for a in bot.accounts if a.platform_account_id == wanted)


def heard(engine: Engine, account: int, at: datetime) -> None:
    with session_scope(engine) as session:
        session.add(WebhookHealth(account_id=account, last_event_at=at))


def reconciler(bot: Bot, clock: Clock) -> Reconciler:
    return Reconciler(bot.engine, bot.pipeline, bot.connectors, bot.config.webhooks, clock=clock)


async def sim_requests(simulator: TestServer, account: str) -> int:
    async with (
        aiohttp.ClientSession() as session,
        session.get(simulator.make_url("/_sim/requests")) as response,
    ):
        rows = (await response.json())["requests"]
    return sum(r["count"] for r in rows if r["account"] == account)


def stored(engine: Engine) -> set[str]:
    with Session(engine) as session:
        return set(session.exec(select(Comment.platform_id)).all())


async def test_without_webhook_events_an_account_is_polled_as_usual(bot: Bot) -> None:
    clock = Clock()
    assert reconciler(bot, clock).plan(handle(bot, "facebook")).mode is Mode.POLL


async def test_healthy_webhooks_slow_polls_to_at_most_four_requests_an_hour(
    engine: Engine, bot: Bot, simulator: TestServer
) -> None:
    clock = Clock()
    gate = reconciler(bot, clock)
    for platform in ("facebook", "instagram"):
        account = handle(bot, platform)
        heard(engine, account, clock.now)
        before = await sim_requests(simulator, account_id("oakfield", platform))
        normal_polls = 0

        async def poll(account_id: int) -> PollReport:
            nonlocal normal_polls
            normal_polls += 1
            return PollReport(account_id)

        start = clock.now
        reports = []
        for minute in range(60):  # the normal poll job, once a minute for an hour
            clock.now = start + timedelta(minutes=minute)
            reports.append(await gate.poll(account, poll))
        used = await sim_requests(simulator, account_id("oakfield", platform)) - before

        assert sum(r.skipped is None for r in reports) == 4  # minutes 0, 15, 30 and 45
        assert normal_polls == 0
        assert used <= 4


async def test_a_comment_on_a_two_week_old_post_is_found_by_the_reconcile(
    engine: Engine, bot: Bot, simulator: TestServer
) -> None:
    state = simulator.app[STATE]
    page = state.account("facebook", account_id("oakfield", "facebook"))
    old_post = state.add_post(page, "Sports day 2026", created=utcnow() - timedelta(days=14))
    late = state.add_comment(page, "Can I still order the photos?", post=old_post.id)
    account = handle(bot, "facebook")

    await bot.poller.poll(account)
    assert late.id not in stored(engine)  # a poll reads the last lookback_days of posts

    clock = Clock()
    heard(engine, account, clock.now)
    report = await reconciler(bot, clock).poll(account, bot.poller.poll)

    assert late.id in stored(engine)
    assert report.stored == 1


async def test_a_new_comment_on_old_instagram_media_is_found_by_a_later_reconcile(
    engine: Engine, bot: Bot, simulator: TestServer
) -> None:
    state = simulator.app[STATE]
    ig = state.account("instagram", account_id("oakfield", "instagram"))
    old_media = state.add_post(ig, "Harvest festival", created=utcnow() - timedelta(days=30))
    account = handle(bot, "instagram")
    clock = Clock()
    heard(engine, account, clock.now)
    gate = reconciler(bot, clock)
    await gate.poll(account, bot.poller.poll)  # notes every media's comment count

    late = state.add_comment(ig, "Is there one this year?", post=old_media.id)
    clock.now += timedelta(minutes=16)
    await gate.poll(account, bot.poller.poll)

    assert late.id in stored(engine)


async def test_silent_webhooks_bring_back_polling_and_tell_the_admin_once(
    engine: Engine, bot: Bot
) -> None:
    clock = Clock()
    gate = reconciler(bot, clock)
    account = handle(bot, "facebook")
    heard(engine, account, clock.now - timedelta(hours=25))

    assert gate.plan(account).mode is Mode.POLL
    assert gate.plan(account).mode is Mode.POLL

    with Session(engine) as session:
        alerts = session.exec(select(Action).where(Action.kind == ActionKind.ALERT)).all()
    assert [a.payload["reason"] for a in alerts] == ["webhooks_silent"]
