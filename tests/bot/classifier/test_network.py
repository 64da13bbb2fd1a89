"""The hand-written MiniLM network against sentence-transformers, and its windows."""

from __future__ import annotations

import numpy as np
import pytest

from bot.classifier.corpus import embed
from bot.classifier.network import packaged_model_dir
from bot.classifier.tokens import CommentTokenizer, model_text

TEXTS = [
    "What time is the disco?",
    "Ollie in 4B says he doesn't want to go home after school",
    "Dzień dobry, czy jutro jest wycieczka?",
]


def test_pretrained_network_matches_sentence_transformers() -> None:
    sentence_transformers = pytest.importorskip("sentence_transformers")
    reference = sentence_transformers.SentenceTransformer(
        str(packaged_model_dir()), device="cpu", local_files_only=True
    ).encode(TEXTS, normalize_embeddings=True)
    cosine = (embed(TEXTS) * reference).sum(axis=1)
    assert cosine.min() > 0.999


def test_emoji_are_spelled_out_for_the_model() -> None:
    thermometer = "face with thermometer"
    assert model_text("no school 🤒🤒") == f"no school {thermometer} {thermometer}"
    assert model_text("👍🏽 thanks") == "thumbs up sign thanks"  # the skin tone carries no meaning
    assert model_text("plain text") == "plain text"


def test_long_text_is_read_in_windows_that_reach_the_last_word() -> None:
    tokenizer = CommentTokenizer()
    text = "the fair was lovely " * 300 + "zebra"
    windows = tokenizer.windows([text, "short"], window=64)
    first = [ids for ids, owner in zip(windows.ids, windows.owners, strict=True) if owner == 0]
    assert len(first) > 10
    assert all(len(ids) <= 64 for ids in windows.ids)
    zebra = tokenizer.windows(["zebra"]).ids[0][1:-1]
    assert first[-1][-1 - len(zebra) : -1] == zebra
    assert windows.owners.count(1) == 1


@pytest.mark.parametrize("text", ["", "\ud83d broken", "\x00\x01", "مرحبا", "<b>hi</b>"])
def test_odd_text_gets_at_least_one_window(text: str) -> None:
    windows = CommentTokenizer().windows([text])
    assert len(windows.ids) == 1
    assert windows.ids[0][0] == 101
    assert windows.ids[0][-1] == 102
    assert np.all(np.array(windows.ids[0]) >= 0)
