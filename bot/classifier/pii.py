"""Detectors for UK personal data: phones, emails, postcodes, car regs, addresses, children."""

from __future__ import annotations

import re
from collections.abc import Iterator

from bot.classifier.findings import Finding, quote
from bot.labels import Label

_I = re.IGNORECASE

# --- personal data ------------------------------------------------------------------------

_PHONE = re.compile(
    r"(?<![\d£$])(?:\+44[\s-]?\(?0?\)?[\s-]?\d{2,4}|\(?0\d{2,4}\)?)[\s-]?\d{3,4}[\s-]?\d{3,4}(?!\d)"
)
_EMAIL = re.compile(r"\b[\w.+-]{1,64}@[\w-]{1,63}(?:\.[\w-]{1,63})+\b")
_OFFICIAL_EMAIL = re.compile(
    r"\.sch\.uk$|\.gov\.uk$|\.nhs\.uk$|^(?:office|admin|enquiries|info)@", _I
)
_POSTCODE = re.compile(r"\b(?:[A-Z]{1,2}\d[A-Z\d]?) ?\d[A-Z]{2}\b")
_CAR_REG = re.compile(r"\b[A-Z]{2}\d{2} ?[A-Z]{3}\b")
_STREET = (
    r"(?:Road|Rd|Street|St|Avenue|Ave|Close|Lane|Drive|Way|Grove|Court|Crescent|Place|"
    r"Gardens|Rise|Terrace|Walk|View|Mews|Row|Green|Parade|Square|Hill|Fold|Croft|Meadow)"
)
_ADDRESS = re.compile(
    r"\b(?i:(?:number|no\.?|flat|house)\s+)?\d{1,4}[a-z]?,?\s+(?:[A-Z][a-z'’]+\s+){1,3}"
    + _STREET
    + r"\b"
    r"|\b(?i:flat)\s+\d{1,4}[a-z]?,\s+(?:[A-Z][a-z'’]+\s+){0,2}" + _STREET + r"?\s*[A-Z][a-z]+",
)
_LIVES_AT = re.compile(
    r"\b(?:lives?|living|we're|we are|staying)\s+(?:on|at|in|above|opposite|next to|near)\s+"
    r"(?:the\s+\w+\s+on\s+)?(?:[A-Z][a-z'’]+\s+){1,3}" + _STREET + r"\b",
)
_TITLE = r"(?:Mr|Mrs|Miss|Ms|Mx|Dr|Sir|Dame|Mrs\.|Mr\.|Ms\.)"
_NOT_FIRST_NAMES = frozenset(
    [
        "The",
        "This",
        "That",
        "Thank",
        "Thanks",
        "Happy",
        "Well",
        "Congratulations",
        "Congrats",
        "Hi",
        "Hello",
        "Dear",
        "Good",
        "Merry",
        "Year",
        "Class",
        "Reception",
        "Team",
        "Our",
        "Your",
        "My",
        "His",
        "Her",
        "Mr",
        "Mrs",
        "Miss",
        "Ms",
        "Dr",
        "Sir",
        "St",
        "Saint",
        "New",
        "Old",
        "Primary",
        "Junior",
        "Juniors",
        "Infants",
        "High",
        "Academy",
        "School",
        "Sports",
        "Summer",
        "Christmas",
        "Easter",
        "World",
        "Book",
        "Day",
        "Tagging",
        "Just",
        "Lovely",
        "Massive",
        "Huge",
        "Big",
        "Little",
        "Proud",
        "Mum",
        "Dad",
        "Nan",
        "Grandad",
        "Miss",
        "Top",
        "Best",
        "Great",
        "Brilliant",
        "Fab",
        "Amazing",
        "Shout",
        "Love",
        "Loved",
        "Found",
        "Lost",
        "Please",
        "Sorry",
        "Tell",
        "Ask",
    ]
)
_FULL_NAME = re.compile(
    r"(?<![\w@])([A-Z][a-z]+(?:-[A-Z][a-z]+)?) ([A-Z][a-z]+(?:-[A-Z][a-z]+)?)\b"
)
_CHILD_MARKER = re.compile(
    r"^[\s,()-]{0,3}(?:(?:he|she)(?:'s| is)\s+in\s+|in\s+|from\s+|of\s+)?\(?"
    r"(?:Y(?:ea)?r?\s?\d{1,2}\b|\d{1,2}[A-Z]{1,2}\b|reception\b|nursery\b|class\s+\w+|"
    r"tutor group|form\s+\w+|age[d]?\s+\d{1,2}\b|\d{1,2}\s+today\b|\d{1,2}\s+years?\s+old\b|"
    r"DOB\b|date of birth)",
    _I,
)
_DOB = re.compile(
    r"\b(?:DOB|D\.O\.B\.?|date of birth|born on)\b[:\s]*\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}", _I
)
_CONDITION = re.compile(
    r"\b(?:epilep\w+|autis\w+|ADHD|dyslexi\w+|dyspraxi\w+|diabet\w+|heart condition|cancer|"
    r"chemo\w*|leukaemia|leukemia|EHCP|SEN plan|Down'?s syndrome|cerebral palsy|pregnant|"
    r"depression|breakdown|hearing aid|allerg\w+|tourette'?s|ASD|OCD)\b",
    _I,
)
_PERSON_REF = re.compile(
    r"\b(?:he|she|he's|she's|his|her|son|daughter|boy|girl|lad|child|kid)\b|"
    r"(?:" + _TITLE + r"\s+[A-Z][a-z]+)|\b[A-Z][a-z]+(?:'s)?\s+(?:has|is|in)\b",
)


def personal_data(text: str) -> Iterator[Finding]:
    """Phone numbers, personal emails, postcodes, car registrations, addresses, children."""
    for match in _PHONE.finditer(text):
        digits = re.sub(r"\D", "", match.group())
        if (digits.startswith("0") and len(digits) in (10, 11)) or (
            digits.startswith("44") and len(digits) in (12, 13)
        ):
            yield Finding(Label.PERSONAL_DATA, 0.97, f"phone number {match.group().strip()}")
    for match in _EMAIL.finditer(text):
        if not _OFFICIAL_EMAIL.search(match.group()):
            yield Finding(Label.PERSONAL_DATA, 0.95, f"email address {match.group()}")
    for match in _POSTCODE.finditer(text):
        yield Finding(Label.PERSONAL_DATA, 0.9, f"postcode {match.group()}")
    for match in _CAR_REG.finditer(text):
        yield Finding(Label.PERSONAL_DATA, 0.9, f"car registration {match.group()}")
    for match in _ADDRESS.finditer(text):
        yield Finding(Label.PERSONAL_DATA, 0.92, f"home address '{quote(match.group())}'")
    for match in _LIVES_AT.finditer(text):
        yield Finding(Label.PERSONAL_DATA, 0.85, f"where someone lives '{quote(match.group())}'")
    for match in _DOB.finditer(text):
        yield Finding(Label.PERSONAL_DATA, 0.95, f"date of birth '{quote(match.group())}'")
    yield from _child_names(text)
    condition = _CONDITION.search(text)
    if condition and _PERSON_REF.search(text):
        yield Finding(
            Label.PERSONAL_DATA, 0.6, f"medical or SEN detail about a person: '{condition.group()}'"
        )


def _child_names(text: str) -> Iterator[Finding]:
    for match in _FULL_NAME.finditer(text):
        first, last = match.group(1), match.group(2)
        if first in _NOT_FIRST_NAMES or last in _NOT_FIRST_NAMES:
            continue
        before = text[max(0, match.start() - 6) : match.start()]
        if re.search(_TITLE + r"\.?\s*$", before):
            continue
        after = text[match.end() : match.end() + 40]
        if _CHILD_MARKER.search(after):
            marker = _CHILD_MARKER.search(after)
            detail = after[: marker.end()].strip(" ,(") if marker else ""
            yield Finding(
                Label.PERSONAL_DATA,
                0.9,
                f"child's full name with identifying details '{quote(f'{first} {last} {detail}')}'",
            )
