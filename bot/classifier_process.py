"""The classifier in a process of its own, batching across accounts.

In the bot's process the model shared one GIL with the event loop and the database threads:
a burst starved all three. Here a child process holds the model; the bot sends it batches
over a pipe and waits without holding the GIL. Texts from every account that ask while a
batch is being classified go together in the next one.

The child never outlives the bot: on Linux the kernel kills it when its parent dies
(``PR_SET_PDEATHSIG``), and anywhere it exits when the pipe reaches end-of-file, which a
SIGKILLed parent's closed descriptors cause.
"""

from __future__ import annotations

import asyncio
import collections
import ctypes
import importlib
import logging
import multiprocessing
import os
import signal
import sys
import threading
from collections.abc import Sequence
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from typing import Any

from bot.classifier import Classifier, ClassifierSettings, Verdict
from bot.labels import Label

_LOGGER = logging.getLogger(__name__)
DEFAULT_FACTORY = "bot.classifier:load_classifier"
_PR_SET_PDEATHSIG = 1

#: One verdict on the wire (a Verdict's mapping proxy does not pickle).
_Wire = tuple[str, dict[str, float], tuple[str, ...], str, str, str | None]


class ClassifierProcessError(Exception):
    """The classifier process could not be started or died twice in a row."""


def _to_wire(verdict: Verdict) -> _Wire:
    scores = {label.value: score for label, score in verdict.scores.items()}
    return (verdict.label.value, scores, verdict.reasons, verdict.model, verdict.version,
            verdict.abuse_subtype)  # fmt: skip


def _from_wire(wire: _Wire) -> Verdict:
    label, scores, reasons, model, version, subtype = wire
    return Verdict(
        label=Label(label),
        scores={Label(k): v for k, v in scores.items()},
        reasons=tuple(reasons),
        model=model,
        version=version,
        abuse_subtype=subtype,
    )


def _die_with_parent(parent_pid: int) -> None:
    if sys.platform.startswith("linux"):
        try:
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
        except (OSError, AttributeError):
            _LOGGER.debug("prctl is not available: relying on the pipe")
    if os.getppid() != parent_pid:  # the parent died before prctl took effect
        os._exit(0)


def serve(factory: str, settings: ClassifierSettings, conn: Connection, parent_pid: int) -> None:
    """The child: load the model, then answer batches until the pipe closes."""
    _die_with_parent(parent_pid)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C stops the bot, which stops us
    module, _, name = factory.partition(":")
    classifier: Classifier = getattr(importlib.import_module(module), name)(settings)
    classifier.load()
    conn.send(("ready", classifier.name, str(classifier.version)))
    while True:
        try:
            texts = conn.recv()
        except (EOFError, OSError):
            return
        try:
            reply: Any = ("ok", [_to_wire(v) for v in classifier.classify_sync(texts)])
        except Exception as exc:  # the child's edge: report, keep serving
            reply = ("error", f"{type(exc).__name__}: {exc}")
        try:
            conn.send(reply)
        except (BrokenPipeError, OSError):
            return


class ClassifierProcess(Classifier):
    """A :class:`Classifier` whose model runs in a child process; see the module docstring."""

    def __init__(
        self,
        settings: ClassifierSettings,
        *,
        factory: str = DEFAULT_FACTORY,
        max_batch: int = 128,
    ) -> None:
        super().__init__()
        self._settings = settings
        self._factory = factory
        self._max_batch = max_batch
        self._process: BaseProcess | None = None
        self._conn: Connection | None = None
        self._lock = threading.Lock()
        self._waiting: collections.deque[tuple[list[str], asyncio.Future[list[Verdict]]]] = (
            collections.deque()
        )
        self._runner: asyncio.Task[None] | None = None
        self.name = "process"
        self.version = ""
        self.exchanges = 0
        """Batches sent to the child, for tests and the benchmark."""

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None else None

    def load(self) -> None:
        with self._lock:
            if self._process is None or not self._process.is_alive():
                self._start()

    def _start(self) -> None:
        context = multiprocessing.get_context("spawn")
        ours, theirs = context.Pipe()
        process = context.Process(
            target=serve,
            args=(self._factory, self._settings, theirs, os.getpid()),
            name="hallmonitor-classifier",
            daemon=True,
        )
        process.start()
        theirs.close()  # only the child holds its end: its death is our end-of-file
        _LOGGER.info("classifier process %s loading the model", process.pid)
        try:
            ready = ours.recv()
        except (EOFError, OSError) as exc:
            process.join(timeout=5)
            raise ClassifierProcessError(
                f"the classifier process exited while loading (exit code {process.exitcode})"
            ) from exc
        _, self.name, self.version = ready
        self._process, self._conn = process, ours
        _LOGGER.info("classifier %s ready in process %s", self.name, process.pid)

    def classify_sync(self, texts: Sequence[str]) -> list[Verdict]:
        """One exchange with the child; a dead child is started again once."""
        with self._lock:
            for attempt in (1, 2):
                if self._conn is None or self._process is None or not self._process.is_alive():
                    self._start()
                assert self._conn is not None
                try:
                    self._conn.send(list(texts))
                    kind, body = self._conn.recv()
                except (EOFError, OSError) as exc:
                    _LOGGER.warning("the classifier process died: starting it again")
                    self._stop_child()
                    if attempt == 2:
                        raise ClassifierProcessError("the classifier process died twice") from exc
                    continue
                self.exchanges += 1
                if kind != "ok":
                    raise ClassifierProcessError(f"the classifier failed: {body}")
                return [_from_wire(wire) for wire in body]
        raise AssertionError("unreachable")

    async def classify(self, texts: Sequence[str]) -> list[Verdict]:
        """Queued with every other caller's texts; sent together when the child is free."""
        batch = list(texts)
        if not batch:
            return []
        future: asyncio.Future[list[Verdict]] = asyncio.get_running_loop().create_future()
        self._waiting.append((batch, future))
        if self._runner is None or self._runner.done():
            self._runner = asyncio.create_task(self._run())
        return await future

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        while self._waiting:
            taken: list[tuple[list[str], asyncio.Future[list[Verdict]]]] = []
            size = 0
            while self._waiting and (
                not taken or size + len(self._waiting[0][0]) <= self._max_batch
            ):
                texts, future = self._waiting.popleft()
                if future.done():  # its caller gave up
                    continue
                taken.append((texts, future))
                size += len(texts)
            if not taken:
                continue
            joined = [text for texts, _ in taken for text in texts]
            try:
                verdicts = await loop.run_in_executor(
                    self._get_executor(), self.classify_sync, joined
                )
            except Exception as exc:  # every waiting caller hears of it
                for _, future in taken:
                    if not future.done():
                        future.set_exception(exc)
                continue
            start = 0
            for texts, future in taken:
                if not future.done():
                    future.set_result(verdicts[start : start + len(texts)])
                start += len(texts)

    def _stop_child(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None
        if self._process is not None:
            self._process.join(timeout=5)
            if self._process.is_alive():
                self._process.kill()
                self._process.join(timeout=5)
            self._process = None

    def close(self) -> None:
        super().close()
        with self._lock:
            self._stop_child()
