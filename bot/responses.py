"""Suggested responses: Jinja2 templates per label, filled with the school's details."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from functools import cache
from itertools import product

from jinja2 import PackageLoader, StrictUndefined, Template, select_autoescape
from jinja2.sandbox import SandboxedEnvironment

from bot.config import Config, SchoolConfig
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


def _details(
    school: SchoolConfig, author_name: str, *, private: bool, can_private: bool
) -> dict[str, object]:
    return {
        "first_name": first_name(author_name),
        "school_name": school.name,
        "office_phone": school.office_phone or "the school office",
        "absence_line": school.absence_line or school.office_phone or "the school office",
        "office_email": school.office_email,
        "private": private,
        "can_private": can_private,
    }


def _fill(source: str, details: dict[str, object]) -> str:
    """Fill in a school's override; whatever it raises is the template's fault."""
    return _environment().from_string(source).render(details)


@cache
def _warn_once(school_id: str, label: Label, source: str, problem: str) -> None:
    _LOGGER.warning(
        "template override for %s failed (%s); using the default",
        label.value,
        problem,
        extra={"school": school_id},
    )


def suggest(
    label: Label, school: SchoolConfig, *, author_name: str, can_private: bool
) -> Suggestion | None:
    """The reply a champion is offered, or ``None`` where the policy wants no reply.

    A school's override that fails is logged once and the built-in template used: a reply
    suggestion must never stop a batch holding abuse or a disclosure.
    """
    if label not in REPLY_LABELS:
        return None
    private = label in PRIVATE_LABELS and can_private
    details = _details(school, author_name, private=private, can_private=can_private)
    text = None
    override = school.templates.get(label)
    if override is not None:
        try:
            text = _fill(override, details)
        except Exception as exc:  # a school's template is a boundary
            _warn_once(school.id, label, override, f"{type(exc).__name__}: {exc}")
    if text is None:
        text = _default(label).render(details)
    return Suggestion(text=" ".join(text.split()), private=private)


_SAMPLE_AUTHORS = ("Sarah Jones", "")


def template_problems(config: Config) -> list[str]:
    """Every school's overrides filled in with sample values; what fails, keyed by its path."""
    problems = []
    for index, school in enumerate(config.schools):
        for label, source in school.templates.items():
            if label not in REPLY_LABELS:
                continue
            for can_private, author in product((True, False), _SAMPLE_AUTHORS):
                private = label in PRIVATE_LABELS and can_private
                details = _details(school, author, private=private, can_private=can_private)
                try:
                    _fill(source, details)
                except Exception as exc:  # reported, as at run time
                    problems.append(
                        f"schools[{index}].templates.{label.value}: fails when filled in "
                        f"({type(exc).__name__}: {exc}); the built-in reply would be used"
                    )
                    break
    return problems
