"""The running bot's schedule: every account polled, and the polls spread over the interval."""

from __future__ import annotations

from collections.abc import AsyncIterator
from itertools import pairwise
from pathlib import Path

import aiohttp
import pytest
from aiohttp.test_utils import TestServer
from sqlalchemy import Engine
from sqlmodel import Session, select

from bot.classifier import Classifier
from bot.config import Config, parse_config
from bot.poller import PollReport
from bot.runtime import OUTBOX_JOB, Bot
from connectors.simulator import SimAccount, create_app
from models import Comment, FollowerSnapshotRow

X_ACCOUNT = SimAccount(
    "x",
    "1500000000000000042",
    "x-access-token-42",
    "Elmhurst Primary",
    username="elmhurstsch",
    consumer_key="trust-app-key",
    consumer_secret="trust-app-SECRET",
    token_secret="x-token-SECRET-42",
)
OAUTH1_ENV = {
    "ELMHURST_X_TOKEN": "x-access-token-42",
    "ELMHURST_X_TOKEN_SECRET": "x-token-SECRET-42",
    "X_CONSUMER_KEY": "trust-app-key",
    "X_CONSUMER_SECRET": "trust-app-SECRET",
}


async def test_start_spreads_the_accounts_polls_evenly_over_their_interval(
    engine: Engine, trust_config: Config, classifier: Classifier
) -> None:
    bot = await Bot.create(trust_config, engine=engine, classifier=classifier)
    try:
        await bot.start(serve_dashboard=False)
        planned = [bot.jobs.next_run(account.job_id) for account in bot.accounts]
        assert OUTBOX_JOB in bot.jobs.job_ids()
    finally:
        await bot.stop()
    interval = bot.accounts[0].poll_seconds
    runs = sorted(run for run in planned if run is not None)
    assert len(runs) == len(bot.accounts) == 9
    gaps = [(later - earlier).total_seconds() for earlier, later in pairwise(runs)]
    for gap in gaps:
        assert abs(gap - interval / 9) < 0.5, f"polls {gaps} are not spread over {interval} s"


@pytest.fixture
async def oauth1_simulator() -> AsyncIterator[TestServer]:
    server = TestServer(create_app([X_ACCOUNT], posts_per_account=1), host="127.0.0.1")
    await server.start_server()
    yield server
    await server.close()


def _oauth1_config(server: TestServer, folder: Path) -> Config:
    return parse_config(
        {
            "trust": {"name": "Elmhurst Trust"},
            "email": {"enabled": False, "maildir": str(folder / "mail")},
            "platforms": {
                "x": {
                    "api_url": str(server.make_url("")).rstrip("/"),
                    "tier": "pro",
                    "consumer_key_env": "X_CONSUMER_KEY",
                    "consumer_secret_env": "X_CONSUMER_SECRET",
                }
            },
            "schools": [
                {
                    "id": "elmhurst",
                    "name": "Elmhurst Primary",
                    "dsl_emails": ["dsl@elmhurst.example"],
                    "accounts": [
                        {
                            "platform": "x",
                            "account_id": X_ACCOUNT.account_id,
                            "token_env": "ELMHURST_X_TOKEN",
                            "token_secret_env": "ELMHURST_X_TOKEN_SECRET",
                        }
                    ],
                }
            ],
        }
    )


async def _post(server: TestServer, text: str) -> str:
    body = {"platform": "x", "account": X_ACCOUNT.account_id, "text": text}
    async with (
        aiohttp.ClientSession() as session,
        session.post(server.make_url("/_sim/comments"), json=body) as response,
    ):
        assert response.status == 201, await response.text()
        return str((await response.json())["id"])


async def _poll_once(
    server: TestServer,
    folder: Path,
    environ: dict[str, str],
    engine: Engine,
    classifier: Classifier,
) -> PollReport:
    bot = await Bot.create(
        _oauth1_config(server, folder), environ, engine=engine, classifier=classifier
    )
    try:
        (report,) = await bot.run_once()
    finally:
        await bot.stop()
    return report


async def test_an_oauth1_x_account_is_polled_and_moderated_with_signed_requests(
    engine: Engine, classifier: Classifier, oauth1_simulator: TestServer, tmp_path: Path
) -> None:
    insult = await _post(
        oauth1_simulator, "The head is a useless f***ing idiot and the staff are absolute scum"
    )
    report = await _poll_once(oauth1_simulator, tmp_path, OAUTH1_ENV, engine, classifier)
    assert report.error is None
    assert [o.hidden for o in report.outcomes] == [True]
    with Session(engine) as session:
        assert session.exec(select(Comment.platform_id)).all() == [insult]
    async with (
        aiohttp.ClientSession() as http,
        http.get(oauth1_simulator.make_url("/_sim/state")) as response,
    ):
        state = await response.json()
    assert [c["hidden"] for c in state["comments"] if c["id"] == insult] == [True]


async def test_an_oauth1_account_missing_a_secret_is_not_polled(
    engine: Engine, classifier: Classifier, oauth1_simulator: TestServer, tmp_path: Path
) -> None:
    environ = {k: v for k, v in OAUTH1_ENV.items() if k != "X_CONSUMER_SECRET"}
    report = await _poll_once(oauth1_simulator, tmp_path, environ, engine, classifier)
    assert report.skipped == "no connector (token variable not set?)"


async def test_the_daily_follower_snapshot_stores_one_row_per_account(
    engine: Engine, trust_config: Config, classifier: Classifier
) -> None:
    bot = await Bot.create(trust_config, engine=engine, classifier=classifier)
    try:
        await bot.snapshot_followers()
    finally:
        await bot.stop()
    with Session(engine) as session:
        rows = session.exec(select(FollowerSnapshotRow.account_id)).all()
    assert sorted(rows) == sorted(account.id for account in bot.accounts)
