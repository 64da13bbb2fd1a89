"""The rule detectors: what they must find and the look-alikes they must leave alone."""

from __future__ import annotations

import pytest

from bot.classifier.detectors import find_all
from bot.classifier.text import normalise, sentence_spans
from bot.labels import Label


def _labels(text: str, floor: float = 0.8) -> set[Label]:
    return {f.label for f in find_all(normalise(text)) if f.score >= floor}


def _reasons(text: str) -> list[str]:
    return [f.reason for f in find_all(normalise(text))]


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("ring me on 07700 900123 thanks", "phone number 07700 900123"),
        ("text 07700900417", "phone number 07700900417"),
        ("call +44 7700 900456 anytime", "phone number +44 7700 900456"),
        ("landline 01632 960244", "phone number 01632 960244"),
        ("email me kerry.bates82@example.com", "email address kerry.bates82@example.com"),
        ("drop it at 4 Meadow Lane, LS12 3AB", "postcode LS12 3AB"),
        ("the white Transit KP66 RBN clipped me", "car registration KP66 RBN"),
        ("we're at 41 Greenway Road", "home address '41 Greenway Road'"),
    ],
)
def test_personal_data_found_with_its_reason(text: str, reason: str) -> None:
    assert reason in _reasons(text)
    assert Label.PERSONAL_DATA in _labels(text)


@pytest.mark.parametrize(
    "text",
    [
        "Grace Okonkwo 3F left her lunchbox",
        "well done to Noah Whitfield (Y5) for the swim",
        "Happy birthday Ellie-Mae Robinson, 7 today!!",
        "Congratulations to Sophie Marsh, age 9, for winning",
        "the boy in the video is Ruben Castell, he's in 6T",
    ],
)
def test_child_full_name_with_class_or_age(text: str) -> None:
    assert any("child's full name" in reason for reason in _reasons(text))


@pytest.mark.parametrize(
    "text",
    [
        "Massive thank you to Mrs Adeyemi and the Year 2 team",  # staff, with a title
        "Gemma Reid didn't you used to go here?",  # a name, no class
        "Well done Year 6, brilliant assembly",
        "Tickets are £12 each, 300 sold so far",  # numbers that are not phones
        "Year 4 trip is on 12/06, back at 3:15",
        "stuck on the M6 since 8am",  # not a postcode
        "email the office: office@oakfield.sch.uk",  # a school address is public
        "the chippy on Station Road has shut",  # a street, no house number
        "There's a lad who must be 18 or 19 trying to get the Year 6 girls to walk",
    ],
)
def test_personal_data_look_alikes_are_left_alone(text: str) -> None:
    assert Label.PERSONAL_DATA not in _labels(text)


@pytest.mark.parametrize(
    ("text", "label"),
    [
        ("ds wont b in 2day d&v", Label.ABSENCE),
        ("Archie's off today, he was sick at 3am", Label.ABSENCE),
        ("keeping her home, temperature", Label.ABSENCE),
        ("running late!! stuck behind the bin lorry", Label.ABSENCE),
        ("Ella is off with a bad cold", Label.ABSENCE),
        ("sh*t at communicating as always", Label.ABUSE),
        ("Headteacher needs a slap.", Label.ABUSE),
        ("go back to where you came from", Label.ABUSE),
        ("my mate keeps saying shes gonna take all her mums tablets", Label.SAFEGUARDING),
        ("her stepdad hits her when her mum is out", Label.SAFEGUARDING),
        ("a man taking photos of the kids on the field", Label.SAFEGUARDING),
        ("he doesn't want to go home after school", Label.SAFEGUARDING),
        ("Forex signals 95% win rate, join today", Label.SPAM),
        ("cheap trainers, link in bio", Label.SPAM),
    ],
)
def test_phrase_rules_fire(text: str, label: Label) -> None:
    assert label in _labels(text)


@pytest.mark.parametrize(
    ("text", "label"),
    [
        ("I'm off sick of this parking", Label.ABSENCE),  # idiom
        ("That Year 6 trip looked sick!", Label.ABSENCE),  # slang
        ("How long do they have to stay off after a sickness bug?", Label.ABSENCE),
        ("The choir absolutely killed it tonight", Label.ABUSE),
        ("This school is the bomb", Label.ABUSE),
        ("Bit rubbish that the trip clashes with Eid", Label.ABUSE),
        ("These homework packs are killing us", Label.SAFEGUARDING),
        ("third time his PE kit has gone missing", Label.SAFEGUARDING),
        ("the letters never come home in book bags", Label.SAFEGUARDING),
        ("Has anyone seen a navy coat with a dinosaur lining?", Label.SAFEGUARDING),
        ("This decision is a disgrace", Label.ABUSE),
        ("Scunthorpe and Cockermouth schools did well", Label.ABUSE),
        ("We are not in agreement about the menu", Label.ABSENCE),
        ("she picked it off with one shot", Label.ABSENCE),
        ("he is off with the kids today", Label.ABSENCE),
        ("news: a suicide bombing in the capital", Label.SAFEGUARDING),
    ],
)
def test_idioms_and_look_alikes_do_not_fire(text: str, label: Label) -> None:
    assert label not in _labels(text)


def test_normalise_strips_html_and_invisible_characters() -> None:
    assert normalise("<b>f\u200buck</b> &amp; more") == "fuck & more"
    assert normalise("𝐬𝐡𝐢𝐭") == "shit"
    assert normalise("") == ""


def test_sentence_spans_cover_each_sentence() -> None:
    text = "Lovely assembly today. Separately, my son says his dad hits him at home."
    spans = sentence_spans(text)
    assert [text[a:b] for a, b in spans][-1] == "Separately, my son says his dad hits him at home."
    assert sentence_spans("One sentence only") == []


def test_question_cue_is_weak_and_needs_the_model() -> None:
    [cue] = [f for f in find_all("Is it PE tomorrow") if f.label is Label.QUESTION]
    assert cue.score < 0.5
    assert cue.reason == "asks something: 'Is it PE tomorrow'"
    assert not [f for f in find_all("Lovely assembly today") if f.label is Label.QUESTION]
