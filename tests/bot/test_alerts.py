"""A safeguarding comment emails the DSL in full, and a webhook gets no comment text."""

from __future__ import annotations

import email
import email.policy
from pathlib import Path

import pytest
from sqlalchemy import Engine

from bot.classifier import Classifier
from bot.config import Config
from bot.runtime import Bot
from tests.bot.conftest import SimControl, Webhook

DISCLOSURE = "My little brother says his dad locks him in the shed at night and he is scared"


async def test_the_dsl_email_and_the_webhook_say_what_each_should(
    engine: Engine,
    trust_config: Config,
    classifier: Classifier,
    sim: SimControl,
    monkeypatch: pytest.MonkeyPatch,
    webhook: Webhook,
) -> None:
    monkeypatch.setenv("OAKFIELD_WEBHOOK", webhook.url)
    schools = [
        school.model_copy(update={"webhook_url_env": "OAKFIELD_WEBHOOK"})
        if school.id == "oakfield"
        else school
        for school in trust_config.schools
    ]
    config = trust_config.model_copy(update={"schools": schools})
    await sim.post("oakfield", "instagram", DISCLOSURE, author={"id": "u1", "name": "Alex Smith"})
    bot = await Bot.create(config, engine=engine, classifier=classifier)
    try:
        await bot.run_once()
    finally:
        await bot.stop()

    (path,) = Path(config.email.maildir or "").glob("*.eml")  # noqa: ASYNC240
    message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
    body = message.get_content()
    assert message["To"] == "dsl@oakfield.example"
    assert message["Subject"].strip().startswith("[Hallmonitor] Safeguarding concern: Oakfield")
    for expected in (
        DISCLOSURE,
        "alexsmith",
        "instagram",
        "Oakfield Primary School",
        "Europe/London",
        "hiding the comment from public view",
        "/items/",
    ):
        assert expected in body

    (payload,) = webhook.received
    assert set(payload) == {"text"}
    assert "Oakfield Primary School" in payload["text"]
    assert "instagram" in payload["text"]
    assert "safeguarding" in payload["text"]
    assert "/items/" in payload["text"]
    assert "shed" not in payload["text"]
    assert "alexsmith" not in payload["text"]
