"""Suggested replies: the school's details, a proper greeting, private where it can be."""

from __future__ import annotations

import pytest

from bot.config import SchoolConfig
from bot.labels import Label
from bot.responses import first_name, suggest

SCHOOL = SchoolConfig(
    id="oakfield",
    name="Oakfield Primary School",
    office_phone="01632 960001",
    absence_line="01632 960002",
    office_email="office@oakfield.example",
)


def test_absence_reply_is_private_and_points_to_the_absence_line() -> None:
    suggestion = suggest(Label.ABSENCE, SCHOOL, author_name="Sarah Jones", can_private=True)
    assert suggestion is not None
    assert suggestion.private
    assert suggestion.text.startswith("Hello Sarah,")
    assert "01632 960002" in suggestion.text


def test_without_private_replies_safeguarding_says_to_call_the_office() -> None:
    suggestion = suggest(Label.SAFEGUARDING, SCHOOL, author_name="Sam", can_private=False)
    assert suggestion is not None
    assert not suggestion.private
    assert "call Oakfield Primary School on 01632 960001" in suggestion.text
    assert "Designated Safeguarding Lead" in suggestion.text


@pytest.mark.parametrize("label", [Label.ABUSE, Label.SPAM, Label.OTHER])
def test_no_reply_is_suggested_where_the_policy_wants_none(label: Label) -> None:
    assert suggest(label, SCHOOL, author_name="A", can_private=True) is None


def test_a_school_can_override_a_template() -> None:
    school = SCHOOL.model_copy(
        update={
            "templates": {Label.POSITIVE: "Thank you, {{ first_name }}, from {{ school_name }}."}
        }
    )
    suggestion = suggest(Label.POSITIVE, school, author_name="Priya Shah", can_private=False)
    assert suggestion is not None
    assert suggestion.text == "Thank you, Priya, from Oakfield Primary School."


@pytest.mark.parametrize(
    ("name", "expected"),
    [("Sarah Jones", "Sarah"), ("", "there"), ("🦄 Mum", "there"), ("@dad_of_3", "there")],
)
def test_greeting_name_falls_back_when_it_is_not_a_word(name: str, expected: str) -> None:
    assert first_name(name) == expected


def test_an_override_naming_an_unknown_detail_falls_back_to_the_default(
    caplog: pytest.LogCaptureFixture,
) -> None:
    school = SCHOOL.model_copy(update={"templates": {Label.QUESTION: "Hi {{ headteacher }}"}})
    suggestion = suggest(Label.QUESTION, school, author_name="Sam", can_private=False)
    assert suggestion is not None
    assert suggestion.text.startswith("Hello Sam, thank you for your question.")
    assert "template override for question failed" in caplog.text
