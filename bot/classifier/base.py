"""The ``Classifier`` interface and the factory that picks a backend from the settings."""

from __future__ import annotations

import asyncio
import logging
import threading
from abc import ABC, abstractmethod
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor

from bot.classifier.settings import ClassifierSettings
from bot.classifier.verdict import Verdict

_LOGGER = logging.getLogger(__name__)


class ClassifierError(Exception):
    """The classifier cannot be loaded (missing file, wrong checkpoint); never raised per text."""


class Classifier(ABC):
    """Classifies batches of comment texts; one instance per process, loaded once.

    Model work runs on one dedicated thread: the event loop stays free, and torch never
    runs two batches at once on a 2-core server (they would only slow each other down).
    """

    name: str
    version: str

    def __init__(self) -> None:
        self._executor: ThreadPoolExecutor | None = None
        self._executor_lock = threading.Lock()

    @abstractmethod
    def classify_sync(self, texts: Sequence[str]) -> list[Verdict]:
        """One verdict per text, in order; never raises for odd text."""

    @abstractmethod
    def load(self) -> None:
        """Load the model now (idempotent), so the first comment does not pay for it."""

    async def classify(self, texts: Sequence[str]) -> list[Verdict]:
        """``classify_sync`` off the event loop, on the classifier's own thread."""
        batch = list(texts)
        if not batch:
            return []
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._get_executor(), self.classify_sync, batch)

    def close(self) -> None:
        """Stop the worker thread; a later ``classify`` starts a new one."""
        with self._executor_lock:
            if self._executor is not None:
                self._executor.shutdown(wait=True)
                self._executor = None

    def _get_executor(self) -> ThreadPoolExecutor:
        with self._executor_lock:
            if self._executor is None:
                self._executor = ThreadPoolExecutor(
                    max_workers=1, thread_name_prefix=f"classifier-{self.name}"
                )
            return self._executor


def load_classifier(settings: ClassifierSettings) -> Classifier:
    """The backend the settings name, not yet loaded (call ``load()`` at start-up)."""
    if settings.backend == "detoxify":
        from bot.classifier.detoxify_backend import DetoxifyClassifier

        return DetoxifyClassifier(settings)
    from bot.classifier.embedded import EmbeddedClassifier

    _LOGGER.debug("embedded classifier selected, model %s", settings.model_dir or "committed")
    return EmbeddedClassifier(settings)
