"""Detectors for structured UK personal data: phones, emails, postcodes, car regs, addresses."""

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
_DOB = re.compile(
    r"\b(?:DOB|D\.O\.B\.?|date of birth|born on)\b[:\s]*\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}", _I
)


def personal_data(text: str) -> Iterator[Finding]:
    """Phone numbers, personal emails, postcodes, car registrations, addresses, birth dates.

    Only structured data, which a pattern finds better than a model; names, medical and SEN
    details are left to the fine-tuned model, which reads them in context.
    """
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
    for match in _DOB.finditer(text):
        yield Finding(Label.PERSONAL_DATA, 0.95, f"date of birth '{quote(match.group())}'")
