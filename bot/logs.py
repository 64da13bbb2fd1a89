"""Structured logging: one line per event, ``key=value`` fields, secrets redacted.

Call sites log with lazy ``%s`` arguments and pass ids in ``extra``:
``_LOGGER.warning("poll failed: %s", err, extra={"account": "facebook:123"})``.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterable
from typing import TextIO

from connectors.scrub import Scrubber

_FIELDS = ("school", "account", "comment", "action", "job", "user")
_REDACTED = "[redacted]"


class RedactingFilter(logging.Filter):
    """Replaces every known secret in a record's final text, whatever path it took there."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        super().__init__()
        self._secrets: set[str] = set()
        self._scrub = Scrubber(())
        self.add(secrets)

    def add(self, secrets: Iterable[str]) -> None:
        self._secrets.update(secret for secret in secrets if secret and len(secret) >= 4)
        self._scrub = Scrubber(self._secrets, mask=_REDACTED)

    def redact(self, text: str) -> str:
        """Every known secret, raw or URL-encoded, replaced."""
        return self._scrub(text)

    def filter(self, record: logging.LogRecord) -> bool:
        if not self._secrets:
            return True
        record.msg = self.redact(record.getMessage())
        record.args = None
        if record.exc_info:
            record.exc_text = self.redact(logging.Formatter().formatException(record.exc_info))
            record.exc_info = None
        for name in _FIELDS:
            value = getattr(record, name, None)
            if isinstance(value, str):
                setattr(record, name, self.redact(value))
        return True


class KeyValueFormatter(logging.Formatter):
    """``2026-11-21T18:30:00Z level=INFO logger=bot.poll account=facebook:1 msg="..."``"""

    def format(self, record: logging.LogRecord) -> str:
        message = record.getMessage()
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            message = f"{message} | {record.exc_text}"
        parts = [
            self.formatTime(record, "%Y-%m-%dT%H:%M:%S"),
            f"level={record.levelname}",
            f"logger={record.name}",
        ]
        for name in _FIELDS:
            value = getattr(record, name, None)
            if value is not None:
                parts.append(f"{name}={value}")
        escaped = message.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
        parts.append(f'msg="{escaped}"')
        return " ".join(parts)


_FILTER = RedactingFilter()


def redactor() -> RedactingFilter:
    """The process-wide filter; register secrets with ``redactor().add(...)``."""
    return _FILTER


class _StderrHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to whatever ``sys.stderr`` is at the time, so a swapped stream is never stale."""

    @property  # type: ignore[override]
    def stream(self) -> TextIO:
        return sys.stderr

    @stream.setter
    def stream(self, _value: TextIO) -> None:
        pass


def configure_logging(level: str | int = "INFO", stream: TextIO | None = None) -> None:
    handler: logging.Handler = (
        logging.StreamHandler(stream) if stream is not None else _StderrHandler()
    )
    handler.setFormatter(KeyValueFormatter())
    handler.addFilter(_FILTER)
    root = logging.getLogger()
    for existing in list(root.handlers):
        if getattr(existing, "_hallmonitor", False):
            root.removeHandler(existing)
    handler._hallmonitor = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    root.setLevel(level)
    for noisy in ("aiohttp.access", "apscheduler", "sentence_transformers", "alembic"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
