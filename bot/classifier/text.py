"""Cleaning odd input and cutting a comment into the sentences that may each decide it."""

from __future__ import annotations

import html
import re
import unicodedata

# Zero-width, joiner-less and bidirectional control characters: invisible, and used to slip
# words past filters ("f\u200buck"). The zero-width joiner is kept for emoji sequences.
_INVISIBLE = re.compile(
    "[\u00ad\u200b\u200c\u200e\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]"
)
_TAG = re.compile(r"<\s*/?\s*[a-zA-Z][^<>]{0,300}>")
_SPACE = re.compile(r"\s+")
# A sentence ends at . ! ? or an ellipsis followed by space, or at a line break.
_SENTENCE_END = re.compile(r"(?<=[.!?…])\s+|\s*\n+\s*")
_MIN_SEGMENT_CHARS = 12


def normalise(text: str) -> str:
    """Visible, NFKC-folded text with HTML tags and entities resolved and spaces collapsed.

    NFKC turns "𝐟𝐮𝐜𝐤" and full-width letters back into plain ones, so a disguised word
    reaches the detectors and the model as the word it is.
    """
    if not text:
        return ""
    # Lone surrogates (from broken emoji in some API payloads) cannot reach the tokenizer.
    text = text.encode("utf-8", "replace").decode("utf-8")
    cleaned = html.unescape(_TAG.sub(" ", text))
    cleaned = unicodedata.normalize("NFKC", cleaned)
    cleaned = _INVISIBLE.sub("", cleaned)
    return _SPACE.sub(" ", cleaned.replace("\r", "\n")).strip()


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of each sentence; short fragments are merged into their neighbour.

    Returns no spans for a one-sentence text: its whole-text reading already covers it.
    """
    spans: list[tuple[int, int]] = []
    start = 0
    for match in _SENTENCE_END.finditer(text):
        if match.start() > start:
            spans.append((start, match.start()))
        start = match.end()
    if start < len(text):
        spans.append((start, len(text)))
    merged: list[tuple[int, int]] = []
    for span in spans:
        if (merged and (span[1] - span[0] < _MIN_SEGMENT_CHARS)) or (
            merged and (merged[-1][1] - merged[-1][0] < _MIN_SEGMENT_CHARS)
        ):
            merged[-1] = (merged[-1][0], span[1])
        else:
            merged.append(span)
    return merged if len(merged) > 1 else []
