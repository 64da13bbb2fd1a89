"""The running bot's schedule: every account polled, and the polls spread over the interval."""

from __future__ import annotations

from itertools import pairwise

from sqlalchemy import Engine

from bot.classifier import Classifier
from bot.config import Config
from bot.runtime import OUTBOX_JOB, Bot


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
