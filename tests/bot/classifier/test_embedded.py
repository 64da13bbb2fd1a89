"""The embedded backend end to end: traps, odd input, long text, the async interface."""

from __future__ import annotations

import asyncio
import threading

import pytest

from bot.classifier import ClassifierSettings, load_classifier
from bot.classifier.embedded import EmbeddedClassifier
from bot.labels import Label

# A verdict these tests expect and the committed model does not give: kept visible, strict,
# so a model that gets it right has to take the mark off.
MISS = pytest.mark.xfail(strict=True, reason="known miss of the committed model (README, Limits)")

# Written for these tests; none of them is in the training or evaluation files.
TRAPS = [
    ("That trip looked sick! 🔥 well done all", Label.POSITIVE),
    ("The orchestra absolutely killed it tonight 👏", Label.POSITIVE),
    ("Year 5 smashed it at the quiz, so proud", Label.POSITIVE),
    pytest.param("I'm off sick of the state of this car park", Label.COMPLAINT, marks=MISS),
    ("Mr Hussain is the best, thank you for this year", Label.POSITIVE),
    ("What time does the Easter fair start?", Label.QUESTION),
    ("Poppy won't be in today, she's got a temperature", Label.ABSENCE),
    ("my mate says she wants to kill herself, were in year 9", Label.SAFEGUARDING),
    ("You're a useless f***ing joke of a head", Label.ABUSE),
    ("Earn £400 a week from home, DM me for info 💰", Label.SPAM),
    ("ring me on 07700 900765 about the lift share", Label.PERSONAL_DATA),
    ("This is sick, well done Year 6!", Label.POSITIVE),
    ("No school for us today, Evie's been up all night coughing", Label.ABSENCE),
    pytest.param(
        "I'll be at the gates tomorrow and that teacher better watch out", Label.ABUSE, marks=MISS
    ),
    ("I could kill for a coffee after that drop off 😂", Label.OTHER),
    ("The car park is lethal, someone will get killed one of these days", Label.COMPLAINT),
    (
        "Some bloke in a silver car keeps pulling up by the infant gate calling kids over",
        Label.SAFEGUARDING,
    ),
    ("Happy 8th birthday to our gorgeous Isla Thompson in 3R 🎂", Label.PERSONAL_DATA),
    ("Claim your free Tesco gift card now 👉 tesco-gifts.example.net", Label.SPAM),
]


# Look-alikes that keyword rules used to be tested on; now the model must read them.
LOOK_ALIKES = [
    ("I'm off sick of this parking", Label.ABSENCE),
    ("How long do they have to stay off after a sickness bug?", Label.ABSENCE),
    ("The choir absolutely killed it tonight", Label.ABUSE),
    ("This school is the bomb", Label.ABUSE),
    ("These homework packs are killing us", Label.SAFEGUARDING),
    ("third time his PE kit has gone missing", Label.SAFEGUARDING),
    ("Has anyone seen a navy coat with a dinosaur lining?", Label.SAFEGUARDING),
    ("This decision is a disgrace", Label.ABUSE),
    ("Scunthorpe and Cockermouth schools did well", Label.ABUSE),
    pytest.param("Why wasn't my son in any of the photos? Again?", Label.SAFEGUARDING, marks=MISS),
    ("Why does my kid never get picked for anything?", Label.SAFEGUARDING),
]


@pytest.mark.parametrize(("text", "label"), TRAPS)
def test_traps(embedded: EmbeddedClassifier, text: str, label: Label) -> None:
    [verdict] = embedded.classify_sync([text])
    assert verdict.label is label, verdict.reasons


@pytest.mark.parametrize(("text", "label"), LOOK_ALIKES)
def test_look_alikes_are_not_given_the_label_they_resemble(
    embedded: EmbeddedClassifier, text: str, label: Label
) -> None:
    [verdict] = embedded.classify_sync([text])
    assert verdict.label is not label, verdict.reasons


@MISS
def test_the_head_should_be_sacked_is_a_complaint_not_praise(
    embedded: EmbeddedClassifier,
) -> None:
    [verdict] = embedded.classify_sync(["this school is a joke, the head should be sacked"])
    assert verdict.label is Label.COMPLAINT, verdict.reasons


def test_verdict_has_reasons_a_champion_can_check(embedded: EmbeddedClassifier) -> None:
    [phone, abuse, plain] = embedded.classify_sync(
        ["my number is 07700 900123", "shut up you absolute sh*t", "Is it PE on Monday?"]
    )
    assert "phone number 07700 900123" in phone.reasons
    assert phone.label is Label.PERSONAL_DATA
    assert abuse.label is Label.ABUSE
    assert abuse.abuse_subtype == "toxicity"
    assert plain.label is Label.QUESTION
    assert plain.reasons[0].startswith("model: question ")
    # The two most similar training comments, quoted with their labels.
    similar = [reason for reason in plain.reasons if reason.startswith("like: «")]
    assert len(similar) == 2
    assert all(reason.endswith(")") for reason in similar)
    assert phone.model == "embedded"
    assert phone.version.startswith("minilm-ft-")
    assert 0.0 <= plain.hide_score < 0.5 <= phone.hide_score


BAD_INPUT = [
    "",
    "   ",
    "x" * 20_000,
    "😂😂😂🙈🙈❤️",
    "<script>alert(1)</script><p>Hello <b>there</b></p>",
    "zero\u200bwidth\u200c\u200djoiners\ufeff",
    "مرحبا، متى تبدأ المدرسة؟",  # Arabic, right to left
    "ברוכים הבאים",  # Hebrew
    "Mae Osian yn sâl heddiw, ni fydd e yn yr ysgol",  # Welsh
    "Dzień dobry, czy jutro jest wycieczka?",  # Polish
    "کیا کل اسکول کھلا ہے؟",  # Urdu
    "\x00\x01\x02",
    "broken emoji \ud83d here",  # a lone surrogate, as some API payloads carry
    "\n\n\n",
]


def test_bad_input_gets_a_verdict_each(embedded: EmbeddedClassifier) -> None:
    verdicts = embedded.classify_sync(BAD_INPUT)
    assert len(verdicts) == len(BAD_INPUT)
    for verdict in verdicts:
        assert verdict.label in Label
        assert all(0.0 <= score <= 1.0 for score in verdict.scores.values())


def test_non_string_input_gets_a_verdict(embedded: EmbeddedClassifier) -> None:
    [verdict] = embedded.classify_sync([None])  # type: ignore[list-item]
    assert verdict.label in Label


def test_disclosure_in_the_last_sentence_of_a_long_comment(embedded: EmbeddedClassifier) -> None:
    filler = "The summer fair was lovely and the cakes were great, thank you to the PTA. " * 250
    text = filler + "Also my friend in year 8 told me her uncle touches her and she is scared."
    assert len(text) > 18_000
    [verdict] = embedded.classify_sync([text])
    assert verdict.label is Label.SAFEGUARDING
    [without] = embedded.classify_sync([filler])
    assert without.label is Label.POSITIVE


def test_long_text_is_not_truncated_by_the_encoder(embedded: EmbeddedClassifier) -> None:
    filler = "We had a lovely time at the fair. " * 200
    [end_phone] = embedded.classify_sync([filler + "Call me on 07700 900321"])
    assert end_phone.label is Label.PERSONAL_DATA


async def test_classify_runs_off_the_event_loop(embedded: EmbeddedClassifier) -> None:
    threads: list[str] = []
    original = embedded.classify_sync

    def spy(texts: list[str]) -> list[object]:
        threads.append(threading.current_thread().name)
        return original(texts)  # type: ignore[return-value]

    embedded.classify_sync = spy  # type: ignore[method-assign,assignment]
    try:
        ticks = 0

        async def ticker() -> None:
            nonlocal ticks
            while True:
                ticks += 1
                await asyncio.sleep(0)

        task = asyncio.create_task(ticker())
        verdicts = await embedded.classify(["Is it PE tomorrow?"] * 64)
        task.cancel()
    finally:
        del embedded.classify_sync
    assert len(verdicts) == 64
    assert threads
    assert threads[0] != threading.main_thread().name
    assert ticks > 1  # the loop kept running while the batch was classified
    assert await embedded.classify([]) == []


def test_factory_picks_the_embedded_backend_lazily() -> None:
    classifier = load_classifier(ClassifierSettings())
    assert isinstance(classifier, EmbeddedClassifier)
    assert classifier._stored is None  # nothing loaded until asked
