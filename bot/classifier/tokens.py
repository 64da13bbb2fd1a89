"""From a comment to the token windows the network reads.

Emoji carry meaning in comments ("🤒🤒 no school today", "🐷🐷" under a photo of a teacher),
but MiniLM's uncased WordPiece vocabulary maps nearly all of them to ``[UNK]``. Each symbol is
therefore spelled out with its Unicode name before tokenising, the way the model would read it
if a person had typed it out.

Long comments are never truncated: their tokens are cut into overlapping windows, each window
is classified, and the caller combines the windows, so a disclosure in the last sentence of a
20,000-character post still counts.
"""

from __future__ import annotations

import threading
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import torch
from tokenizers import Tokenizer

from bot.classifier.network import packaged_model_dir
from bot.classifier.text import normalise

WINDOW = 128
STRIDE = 96
_CLS, _SEP, _UNK = 101, 102, 100
_SKIPPED_CATEGORIES = frozenset(("Mn", "Me", "Cf", "Sk"))


def model_text(text: str) -> str:
    """Normalised text with each emoji or pictographic symbol replaced by its name."""
    cleaned = normalise(text)
    if cleaned.isascii():
        return cleaned
    out: list[str] = []
    for char in cleaned:
        category = unicodedata.category(char)
        if category == "So":
            name = unicodedata.name(char, "").lower()
            out.append(f" {name} " if name else " ")
        elif category in _SKIPPED_CATEGORIES and ord(char) > 0x2000:
            continue  # skin tones, variation selectors, joiners: no meaning of their own
        else:
            out.append(char)
    return " ".join("".join(out).split())


@dataclass(frozen=True, slots=True)
class Windows:
    """Token windows of a batch of texts; ``owners[i]`` is the text window ``i`` came from."""

    ids: list[list[int]]
    owners: list[int]


class CommentTokenizer:
    """The packaged WordPiece tokenizer, cutting long texts into overlapping windows."""

    def __init__(self, model_dir: Path | None = None) -> None:
        directory = model_dir or packaged_model_dir()
        self._tokenizer = Tokenizer.from_file(str(directory / "tokenizer.json"))
        self._tokenizer.no_truncation()
        self._tokenizer.no_padding()
        self._lock = threading.Lock()

    def windows(self, texts: Sequence[str], window: int = WINDOW) -> Windows:
        """Every text as one or more windows of at most ``window`` tokens."""
        with self._lock:
            encodings = self._tokenizer.encode_batch(
                [model_text(text) for text in texts], add_special_tokens=False
            )
        inner, stride = window - 2, min(STRIDE, window - 2)
        ids: list[list[int]] = []
        owners: list[int] = []
        for index, encoding in enumerate(encodings):
            tokens = encoding.ids or [_UNK]  # empty text still gets a verdict
            start = 0
            while True:
                ids.append([_CLS, *tokens[start : start + inner], _SEP])
                owners.append(index)
                if start + inner >= len(tokens):
                    break
                start += stride
        return Windows(ids, owners)


def pad(batch: Sequence[Sequence[int]]) -> tuple[torch.Tensor, torch.Tensor]:
    """Right-padded ids and a mask that is True on real tokens."""
    length = max(len(ids) for ids in batch)
    ids = torch.zeros((len(batch), length), dtype=torch.long)
    mask = torch.zeros((len(batch), length), dtype=torch.bool)
    for row, tokens in enumerate(batch):
        ids[row, : len(tokens)] = torch.tensor(tokens, dtype=torch.long)
        mask[row, : len(tokens)] = True
    return ids, mask


def by_length(windows: Sequence[Sequence[int]], batch_size: int) -> list[list[int]]:
    """Indices of the windows grouped into batches of similar length: little padding."""
    order = sorted(range(len(windows)), key=lambda i: len(windows[i]))
    return [order[begin : begin + batch_size] for begin in range(0, len(order), batch_size)]
