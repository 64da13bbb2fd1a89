"""The demo mailbox: the .eml alerts in ``email.maildir``, listed and read as plain text."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from email import policy
from email.errors import MessageError
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import getaddresses, parsedate_to_datetime
from pathlib import Path

from bot.workspace.access import Viewer
from models import Role

_LOGGER = logging.getLogger(__name__)

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,200}\.eml$")
_PARSE_ERRORS = (OSError, ValueError, TypeError, LookupError, IndexError, MessageError)


class MalformedMessage(ValueError):
    """A file in the maildir is not a usable message (no Date or no recipient)."""


@dataclass(frozen=True, slots=True)
class MessageSummary:
    name: str
    date: datetime
    sender: str
    to: str
    subject: str
    recipients: frozenset[str]
    """Lower-cased addresses from To and Cc: who may read it besides trust admins."""

    @property
    def safeguarding(self) -> bool:
        return "safeguarding" in self.subject.casefold()


@dataclass(frozen=True, slots=True)
class MessageView:
    summary: MessageSummary
    body: str
    attachments: tuple[str, ...]


def body_parts(body: str, base_url: str) -> list[tuple[str, str | None]]:
    """The body as (text, link) runs: the dashboard's own item links become clickable paths.

    Only ``{base_url}/items/{n}`` is linked, and as a path on this dashboard, so a message can
    never turn into a link elsewhere."""
    pattern = re.compile(re.escape(base_url.rstrip("/")) + r"(/items/\d+)\b")
    parts: list[tuple[str, str | None]] = []
    start = 0
    for match in pattern.finditer(body):
        if match.start() > start:
            parts.append((body[start : match.start()], None))
        parts.append((match.group(0), match.group(1)))
        start = match.end()
    if start < len(body):
        parts.append((body[start:], None))
    return parts


def may_open(viewer: Viewer) -> bool:
    """Trust admins and DSLs; champions never see alerts, which carry safeguarding text."""
    return viewer.is_admin or viewer.role is Role.DSL


def may_read(viewer: Viewer, summary: MessageSummary) -> bool:
    if viewer.is_admin:
        return True
    return viewer.role is Role.DSL and viewer.email.casefold() in summary.recipients


def valid_name(name: str) -> bool:
    """Only a plain ``*.eml`` file name: no path separators, no ``..``."""
    return bool(_NAME.fullmatch(name)) and ".." not in name


def list_messages(maildir: Path, viewer: Viewer) -> list[MessageSummary]:
    """The messages ``viewer`` may read, newest first; a malformed file is skipped and logged."""
    if not may_open(viewer):
        return []
    found = []
    for path in _eml_files(maildir):
        message = _load(path, headers_only=True)
        if message is None:
            continue
        try:
            summary = _summary(path.name, message)
        except _PARSE_ERRORS as exc:
            _skip(path.name, exc)
            continue
        if may_read(viewer, summary):
            found.append(summary)
    found.sort(key=lambda s: (s.date, s.name), reverse=True)
    return found


def read_message(maildir: Path, name: str, viewer: Viewer) -> MessageView | None:
    """One message, or ``None`` when it is missing, malformed or not ``viewer``'s to read."""
    if not may_open(viewer) or not valid_name(name):
        return None
    path = maildir / name
    if path.is_symlink() or not path.is_file():
        return None
    message = _load(path, headers_only=False)
    if message is None:
        return None
    try:
        summary = _summary(name, message)
        if not may_read(viewer, summary):
            return None
        return MessageView(summary, _plain_body(message), tuple(_attachment_names(message)))
    except _PARSE_ERRORS as exc:
        _skip(name, exc)
        return None


def _eml_files(maildir: Path) -> Iterable[Path]:
    try:
        entries = list(maildir.iterdir())
    except FileNotFoundError:
        return []
    return [
        path
        for path in entries
        if valid_name(path.name) and not path.is_symlink() and path.is_file()
    ]


def _load(path: Path, *, headers_only: bool) -> EmailMessage | None:
    parser = BytesParser(policy=policy.default)
    try:
        with path.open("rb") as handle:
            return parser.parse(handle, headersonly=headers_only)
    except _PARSE_ERRORS as exc:
        _skip(path.name, exc)
        return None


def _skip(name: str, exc: Exception) -> None:
    # The file name and the error type only: never a header or body, which may be safeguarding.
    _LOGGER.warning("mailbox: skipping malformed message %s (%s)", name, type(exc).__name__)


def _summary(name: str, message: EmailMessage) -> MessageSummary:
    raw_date = message.get("Date")
    if raw_date is None:
        raise MalformedMessage("no Date header")
    date = parsedate_to_datetime(str(raw_date))
    if date.tzinfo is None:
        date = date.replace(tzinfo=UTC)
    to = _header(message, "To")
    recipients = frozenset(
        address.casefold()
        for _, address in getaddresses([to, _header(message, "Cc")])
        if "@" in address
    )
    if not recipients:
        raise MalformedMessage("no recipient")
    return MessageSummary(
        name=name,
        date=date,
        sender=_header(message, "From"),
        to=to,
        subject=_header(message, "Subject"),
        recipients=recipients,
    )


def _header(message: EmailMessage, key: str) -> str:
    value = message.get(key)
    return "" if value is None else str(value)


def _plain_body(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain",))
    if part is None:
        return ""
    try:
        return str(part.get_content())
    except LookupError:  # an unknown charset: show what can be read
        payload = part.get_payload(decode=True)
        return payload.decode("utf-8", "replace") if isinstance(payload, bytes) else ""


def _attachment_names(message: EmailMessage) -> list[str]:
    return [
        filename
        for part in message.walk()
        if part.get_content_disposition() == "attachment" and (filename := part.get_filename())
    ]
