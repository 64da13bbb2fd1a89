"""What one rule found: a label, a strength and a reason a champion can check."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

from bot.labels import Label


@dataclass(frozen=True, slots=True)
class Finding:
    """One rule that matched: which label it supports, how strongly and why."""

    label: Label
    score: float
    reason: str
    subtype: str | None = None


Detector = Callable[[str], Iterator[Finding]]


def quote(text: str, limit: int = 60) -> str:
    """The matched words, shortened for a one-line reason."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
