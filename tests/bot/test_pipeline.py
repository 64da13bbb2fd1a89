"""The pipeline on a large backlog: hides go out batch by batch, not after the last batch."""

from __future__ import annotations

from sqlalchemy import Engine, func
from sqlmodel import Session, select

from bot.classifier import Classifier
from bot.config import Config
from bot.poller import Poller
from bot.runtime import Bot
from models import Classification
from tests.bot.conftest import SimControl

INSULTS = [
    "The head is a useless f***ing idiot and the teachers are a pathetic joke, absolute scum",
    "You are all a bunch of brainless morons, shut the f*** up and get a real job",
    "Absolute scum running this place, the lot of you are worthless idiots",
]


async def test_a_viral_backlog_wakes_the_outbox_after_each_batch_with_hides(
    engine: Engine, trust_config: Config, classifier: Classifier, sim: SimControl
) -> None:
    for n in range(100):
        await sim.post(
            "oakfield", "x", f"{INSULTS[n % 3]} #{n}", author={"id": f"troll-{n}", "name": "T"}
        )
    bot = await Bot.create(trust_config, engine=engine, classifier=classifier)
    classified_at_wake: list[int] = []

    def count_verdicts() -> None:
        with Session(engine) as session:
            classified_at_wake.append(session.exec(select(func.count(Classification.id))).one())

    poller = Poller(engine, bot.pipeline, bot.connectors, wake_outbox=count_verdicts)
    x_account = next(a for a in bot.accounts if a.school_id == "oakfield" and a.platform == "x")
    try:
        report = await poller.poll(x_account.id)
    finally:
        await bot.stop()
    assert report.fetched == 100
    assert sum(outcome.hidden for outcome in report.outcomes) >= 90
    assert classified_at_wake == [64, 100]
