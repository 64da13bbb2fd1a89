"""The hand-written MiniLM forward pass against sentence-transformers' own."""

from __future__ import annotations

import numpy as np
import pytest

from bot.classifier.embedded import EmbeddedClassifier
from bot.classifier.encoder import WINDOW, packaged_model_dir

TEXTS = [
    "What time is the disco?",
    "Ollie in 4B says he doesn't want to go home after school",
    "😂😂",
    "Dzień dobry, czy jutro jest wycieczka?",
]


def test_matches_sentence_transformers(embedded: EmbeddedClassifier) -> None:
    sentence_transformers = pytest.importorskip("sentence_transformers")
    reference = sentence_transformers.SentenceTransformer(
        str(packaged_model_dir()), device="cpu", local_files_only=True
    ).encode(TEXTS, normalize_embeddings=True)
    ours = np.stack([item.text for item in embedded._encoder.encode(TEXTS)])
    cosine = (ours * reference).sum(axis=1)
    assert cosine.min() > 0.999


def test_long_text_uses_every_window(embedded: EmbeddedClassifier) -> None:
    encoder = embedded._encoder
    start = "Lovely fair. " * 300
    text_a = start + "my stepdad hits me"
    text_b = start + "thank you all"
    [a, b] = encoder.encode(
        [text_a, text_b], [[(len(start), len(text_a))], [(len(start), len(text_b))]]
    )
    assert len(encoder._tokenizer.encode(text_a).ids) > 3 * WINDOW
    assert float(a.text @ b.text) < 0.99999  # the end of the text changed the embedding
    assert float(a.spans[0] @ b.spans[0]) < 0.9  # and the last sentence's own embedding
