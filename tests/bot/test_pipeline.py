"""The pipeline: backlogs, odd text and broken templates never stop an account."""

from __future__ import annotations

import logging

import pytest
from sqlalchemy import Engine, func
from sqlmodel import Session, select

from bot.classifier import Classifier
from bot.config import Config
from bot.labels import Label
from bot.poller import Poller
from bot.responses import suggest
from bot.runtime import Bot
from models import Classification, Comment, QueueItem
from tests.bot.conftest import SimControl

DISCLOSURE = "My daughter says a man in a car keeps taking photos of the children at the gate"
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


@pytest.mark.parametrize("platform", ["facebook", "instagram", "x"])
async def test_half_an_emoji_is_kept_whole_and_the_account_keeps_moving(
    engine: Engine, trust_config: Config, classifier: Classifier, sim: SimControl, platform: str
) -> None:
    """Issue 12.2: a lone UTF-16 surrogate failed every later poll of the account."""
    post_text = "Trip photos \ud83d are up"
    comment_text = "Lovely \udc4d trip, thank you"
    post = await sim.new_post("oakfield", platform, post_text)
    odd = await sim.post("oakfield", platform, comment_text, post=post)
    bot = await Bot.create(trust_config, engine=engine, classifier=classifier)
    poller = Poller(engine, bot.pipeline, bot.connectors)
    account = next(a for a in bot.accounts if a.school_id == "oakfield" and a.platform == platform)
    try:
        await poller.poll(account.id)
        later = await sim.post("oakfield", platform, f"{INSULTS[0]} again", post=post)
        await poller.poll(account.id)
    finally:
        await bot.stop()

    with Session(engine) as session:
        rows = session.exec(select(Comment).where(Comment.account_id == account.id)).all()
        stored = {row.platform_id: row for row in rows}
        verdicts = session.exec(select(Classification.comment_id)).all()
    assert {odd, later} <= set(stored)
    assert stored[odd].as_read("text") == comment_text
    assert stored[odd].as_read("post_text") == post_text
    assert stored[odd].text == "Lovely \ufffd trip, thank you"
    assert stored[odd].text.encode("utf-8")
    assert stored[later].as_read("text") == stored[later].text == f"{INSULTS[0]} again"
    assert {stored[odd].id, stored[later].id} <= set(verdicts)


async def test_a_reply_template_that_fails_when_filled_in_stops_nothing(
    engine: Engine,
    trust_config: Config,
    classifier: Classifier,
    sim: SimControl,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Issue 12.3: every batch holding a question failed, abuse and disclosures with it."""
    # Logged once per school, label and template in a process: this test's own template.
    backend = engine.url.get_backend_name()
    broken = {Label.QUESTION: "Ring {{ office_phone + 1 }}{# " + backend + " #}"}
    schools = [
        school.model_copy(update={"templates": broken}) if school.id == "oakfield" else school
        for school in trust_config.schools
    ]
    config = trust_config.model_copy(update={"schools": schools})
    await sim.post("oakfield", "facebook", "When do the school gates open in the morning?")
    await sim.post("oakfield", "facebook", INSULTS[0])
    await sim.post("oakfield", "facebook", DISCLOSURE)
    bot = await Bot.create(config, engine=engine, classifier=classifier)
    poller = Poller(engine, bot.pipeline, bot.connectors)
    account = next(
        a for a in bot.accounts if a.school_id == "oakfield" and a.platform == "facebook"
    )
    caplog.set_level(logging.WARNING, logger="bot.responses")
    try:
        first = await poller.poll(account.id)
        await sim.post("oakfield", "facebook", "Is there a uniform sale this term?")
        second = await poller.poll(account.id)
    finally:
        await bot.stop()

    labels = [o.label for o in first.outcomes + second.outcomes]
    assert labels.count(Label.QUESTION) == 2
    assert {o.label for o in first.outcomes if o.hidden} == {Label.ABUSE, Label.SAFEGUARDING}
    assert [o.label for o in first.outcomes if o.alerted] == [Label.SAFEGUARDING]
    with Session(engine) as session:
        replies = session.exec(
            select(QueueItem.suggested_reply).where(QueueItem.label == Label.QUESTION.value)
        ).all()
    builtin = suggest(
        Label.QUESTION, trust_config.school("oakfield"), author_name="", can_private=True
    )
    assert builtin is not None
    assert [reply.split(",", 1)[1] for reply in replies if reply] == [
        builtin.text.split(",", 1)[1]
    ] * 2
    (warning,) = [r for r in caplog.records if r.name == "bot.responses"]
    assert "question" in warning.getMessage()
