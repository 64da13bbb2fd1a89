"""A question that matches the school's knowledge base gets an answer, with the entry named."""

from __future__ import annotations

import pytest

from bot.config import Config, ConfigError, parse_config
from bot.knowledge import KnowledgeEntry, SavedReply, best_entry
from tests.bot.web.conftest import sign_in
from tests.bot.web.factory import CHAMPION, OTHER_CHAMPION, make_config

TERM = KnowledgeEntry(
    topic="Term dates",
    answer="Spring term ends on Friday 4 April; we are back on Tuesday 22 April.",
    keywords=["term", "holiday", "half term", "inset"],
)
EVENING = KnowledgeEntry(
    topic="Parents evening",
    answer="Parents evening is on Thursday 13 March, 3.30 to 7pm; book on the school app.",
    keywords=["parents evening", "parent evening", "teacher meeting"],
)
UNIFORM = KnowledgeEntry(topic="Uniform", answer="Green jumper, grey trousers or skirt.")


@pytest.fixture
def config() -> Config:
    base = make_config()
    oak, birch = base.schools
    oak = oak.model_copy(
        update={
            "knowledge": [TERM, EVENING, UNIFORM],
            "saved_replies": [
                SavedReply(title="Ring the office", text="Please ring 01632 960001.")
            ],
        }
    )
    return base.model_copy(update={"schools": [oak, birch]})


def test_best_entry_matches_whole_words_and_phrases() -> None:
    entries = [TERM, EVENING, UNIFORM]
    assert best_entry("When is the next parents evening?", entries) is EVENING
    assert best_entry("when does half term start", entries) is TERM
    assert best_entry("is the uniform shop open", entries) is UNIFORM
    assert best_entry("Is it determined yet?", entries) is None  # "term" inside a word
    assert best_entry("Lovely assembly today", entries) is None


async def test_a_matching_question_gets_the_answer_with_the_entry_named(client, seeded):
    await sign_in(client, CHAMPION)
    html = await (await client.get(f"/items/{seeded.question}")).text()
    assert "From the knowledge base entry “Parents evening”." in html
    assert (
        ">Hello Pat, thank you for asking. Parents evening is on Thursday 13 March, 3.30 to 7pm;"
        in html
    )
    abuse = await (await client.get(f"/items/{seeded.abuse}")).text()
    assert 'id="reply-source"' not in abuse  # only questions get knowledge-base answers
    assert ">We expect respectful comments on this page.</textarea>" in abuse


async def test_saved_replies_per_school(client, seeded):
    await sign_in(client, CHAMPION)
    html = await (await client.get(f"/items/{seeded.abuse}")).text()
    assert f'href="/items/{seeded.abuse}?use=0#reply-h">Ring the office</a>' in html
    used = await (await client.get(f"/items/{seeded.abuse}?use=0")).text()
    assert ">Please ring 01632 960001.</textarea>" in used
    assert "From your saved reply “Ring the office”." in used
    await sign_in(client, OTHER_CHAMPION)
    birch = await (await client.get(f"/items/{seeded.question_birchwood}?use=0")).text()
    assert "Ring the office" not in birch  # Birchwood has none


def test_knowledge_in_the_config_is_checked() -> None:
    school = {
        "id": "oak",
        "name": "Oak",
        "knowledge": [{"topic": "Clubs", "answer": "Football on Mondays.", "keywords": ["club"]}],
        "saved_replies": [{"title": "Thanks", "text": "Thank you!"}],
    }
    config = parse_config({"trust": {"name": "T"}, "schools": [school]})
    assert config.schools[0].knowledge[0].topic == "Clubs"
    with pytest.raises(ConfigError, match="knowledge"):
        parse_config(
            {"trust": {"name": "T"}, "schools": [{**school, "knowledge": [{"topic": "Clubs"}]}]}
        )
