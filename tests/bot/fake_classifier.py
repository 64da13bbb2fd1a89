"""A rule-of-thumb classifier for tests of the classifier process: quick to load anywhere."""

from __future__ import annotations

import os
from collections.abc import Sequence

from bot.classifier import Classifier, ClassifierSettings, Verdict
from bot.labels import Label


class WordClassifier(Classifier):
    """``idiot`` is abuse, a ``?`` a question, anything else other; ``__die__`` kills it."""

    name = "words"
    version = "1"

    def __init__(self, settings: ClassifierSettings) -> None:
        super().__init__()

    def load(self) -> None:
        pass

    def classify_sync(self, texts: Sequence[str]) -> list[Verdict]:
        if "__die__" in texts:
            os._exit(3)
        return [self._one(text) for text in texts]

    def _one(self, text: str) -> Verdict:
        label = Label.ABUSE if "idiot" in text else Label.QUESTION if "?" in text else Label.OTHER
        scores = {each: 1.0 if each is label else 0.0 for each in Label}
        return Verdict(label, scores, (f"pid {os.getpid()}",), self.name, self.version)


def make(settings: ClassifierSettings) -> Classifier:
    return WordClassifier(settings)
