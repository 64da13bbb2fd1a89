"""The structured personal-data detectors: what they find and the look-alikes they leave."""

from __future__ import annotations

import pytest

from bot.classifier.pii import personal_data
from bot.classifier.text import normalise, sentence_spans
from bot.labels import Label


def _labels(text: str, floor: float = 0.8) -> set[Label]:
    return {f.label for f in personal_data(normalise(text)) if f.score >= floor}


def _reasons(text: str) -> list[str]:
    return [f.reason for f in personal_data(normalise(text))]


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
        ("Maisie, DOB 14/03/2016, lost her coat", "date of birth 'DOB 14/03/2016'"),
    ],
)
def test_personal_data_found_with_its_reason(text: str, reason: str) -> None:
    assert reason in _reasons(text)
    assert Label.PERSONAL_DATA in _labels(text)


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


def test_normalise_strips_html_and_invisible_characters() -> None:
    assert normalise("<b>f\u200buck</b> &amp; more") == "fuck & more"
    assert normalise("𝐬𝐡𝐢𝐭") == "shit"
    assert normalise("") == ""


def test_sentence_spans_cover_each_sentence() -> None:
    text = "Lovely assembly today. Separately, my son says his dad hits him at home."
    spans = sentence_spans(text)
    assert [text[a:b] for a, b in spans][-1] == "Separately, my son says his dad hits him at home."
    assert sentence_spans("One sentence only") == []
