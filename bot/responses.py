"""Suggested responses: Jinja2 templates per label, filled with the school's details."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from functools import cache

from jinja2 import PackageLoader, StrictUndefined, Template, TemplateError, select_autoescape
from jinja2.sandbox import SandboxedEnvironment

from bot.config import SchoolConfig
from bot.labels import Label

_LOGGER = logging.getLogger(__name__)

REPLY_LABELS = frozenset(
    {
        Label.SAFEGUARDING,
        Label.ABSENCE,
        Label.PERSONAL_DATA,
        Label.COMPLAINT,
        Label.QUESTION,
        Label.POSITIVE,
    }
)
PRIVATE_LABELS = frozenset({Label.SAFEGUARDING, Label.ABSENCE, Label.PERSONAL_DATA})


@dataclass(frozen=True, slots=True)
class Suggestion:
    text: str
    private: bool


@cache
def _environment() -> SandboxedEnvironment:
    """Sandboxed: a school's override in the config can fill in details, not run code."""
    return SandboxedEnvironment(
        loader=PackageLoader("bot", "templates/replies"),
        autoescape=select_autoescape(default=False, default_for_string=False),
        undefined=StrictUndefined,
        keep_trailing_newline=False,
    )


def _default(label: Label) -> Template:
    return _environment().get_template(f"{label.value}.j2")


def first_name(author_name: str) -> str:
    """A greeting name: the first word of a display name, or a neutral fallback."""
    word = author_name.strip().split(" ")[0] if author_name.strip() else ""
    return word if word.isalpha() else "there"


def suggest(
    label: Label, school: SchoolConfig, *, author_name: str, can_private: bool
) -> Suggestion | None:
    """The reply a champion is offered, or ``None`` where the policy wants no reply."""
    if label not in REPLY_LABELS:
        return None
    private = label in PRIVATE_LABELS and can_private
    details = {
        "first_name": first_name(author_name),
        "school_name": school.name,
        "office_phone": school.office_phone or "the school office",
        "absence_line": school.absence_line or school.office_phone or "the school office",
        "office_email": school.office_email,
        "private": private,
        "can_private": can_private,
    }
    text = None
    override = school.templates.get(label)
    if override is not None:
        try:
            text = _environment().from_string(override).render(details)
        except TemplateError as exc:
            _LOGGER.warning(
                "template override for %s failed (%s); using the default",
                label.value,
                exc,
                extra={"school": school.id},
            )
    if text is None:
        text = _default(label).render(details)
    return Suggestion(text=" ".join(text.split()), private=private)
