"""A school's own answers: short knowledge-base entries and saved replies, from the config."""

from __future__ import annotations

import re

from pydantic import BaseModel, ConfigDict, Field

_WORD = re.compile(r"[a-z0-9']+")
_STOP = frozenset({"the", "and", "for", "what", "when", "where", "does", "with", "this", "that"})


class KnowledgeEntry(BaseModel):
    """``[[schools.knowledge]]``: a topic parents ask about, and the school's answer."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    topic: str = Field(min_length=1, max_length=80)
    answer: str = Field(min_length=1, max_length=1000)
    keywords: list[str] = Field(default_factory=list)
    """Words or phrases that mean a comment asks about this; default: the topic's words."""

    def match_keys(self) -> list[str]:
        words = self.keywords or [w for w in _WORD.findall(self.topic.lower()) if w not in _STOP]
        return [word.strip().lower() for word in words if word.strip()]


class SavedReply(BaseModel):
    """``[[schools.saved_replies]]``: a reply the school sends often."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    title: str = Field(min_length=1, max_length=80)
    text: str = Field(min_length=1, max_length=2000)


def best_entry(text: str, entries: list[KnowledgeEntry]) -> KnowledgeEntry | None:
    """The entry whose keywords the comment uses most (whole words or phrases); ties: first."""
    lowered = " ".join(_WORD.findall(text.lower()))
    padded = f" {lowered} "
    best, score = None, 0
    for entry in entries:
        hits = 0
        for key in entry.match_keys():
            phrase = " ".join(_WORD.findall(key))
            if phrase and (f" {phrase} " in padded or f" {phrase}s " in padded):
                hits += 1
        if hits > score:
            best, score = entry, hits
    return best


def answer_text(entry: KnowledgeEntry, author_first_name: str = "") -> str:
    greeting = (
        f"Hello {author_first_name}, thank you for asking. "
        if author_first_name
        else ("Thank you for asking. ")
    )
    return greeting + entry.answer
