"""Outgoing notifications: email through SMTP (and/or a maildir of .eml files), and webhooks.

Errors::

    NotifyError            the message could not be delivered; ``temporary`` says whether a
                           later try may work (no connection, a timeout, a 4xx reply) or not
                           (a 5xx reply such as "no such user")
"""

from __future__ import annotations

import asyncio
import logging
import os
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path
from typing import cast

import aiohttp
import aiosmtplib

from bot.config import EmailConfig

_LOGGER = logging.getLogger(__name__)


class NotifyError(Exception):
    """A notification could not be delivered."""

    def __init__(self, message: str, *, temporary: bool = True) -> None:
        super().__init__(message)
        self.temporary = temporary


@dataclass(frozen=True, slots=True)
class Attachment:
    filename: str
    content: bytes
    maintype: str = "application"
    subtype: str = "octet-stream"


@dataclass(frozen=True, slots=True)
class InlineImage:
    """An image shown in the HTML body as ``<img src="cid:{cid}">``: no external fetch."""

    cid: str
    content: bytes
    subtype: str = "png"


@dataclass(frozen=True, slots=True)
class Email:
    to: Sequence[str]
    subject: str
    text: str
    html: str | None = None
    attachments: Sequence[Attachment] = field(default_factory=tuple)
    images: Sequence[InlineImage] = field(default_factory=tuple)
    message_id: str | None = None
    """A fixed Message-ID (``<...@...>``) lets a resend be recognised as the same message."""


def build_message(email: Email, sender: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = ", ".join(email.to)
    message["Subject"] = email.subject
    message["Date"] = format_datetime(datetime.now(UTC))
    message["Message-ID"] = email.message_id or make_msgid(
        domain=sender.rpartition("@")[2] or "hallmonitor"
    )
    message.set_content(email.text)
    if email.html is not None:
        message.add_alternative(email.html, subtype="html")
        html_part = cast(EmailMessage, message.get_payload()[-1])  # type: ignore[index]
        for image in email.images:
            html_part.add_related(
                image.content, maintype="image", subtype=image.subtype, cid=f"<{image.cid}>"
            )
    for attachment in email.attachments:
        message.add_attachment(
            attachment.content,
            maintype=attachment.maintype,
            subtype=attachment.subtype,
            filename=attachment.filename,
        )
    return message


class Mailer:
    """Sends through SMTP when enabled, and keeps a copy in ``maildir`` when one is set.

    The copy is written once SMTP has taken the message, so ``already_sent`` never mistakes
    a message that failed to go for one that went.
    """

    def __init__(self, config: EmailConfig, environ: Mapping[str, str] = os.environ) -> None:
        self._config = config
        self._password = environ.get(config.password_env) if config.password_env else None

    @property
    def maildir(self) -> Path | None:
        return self._config.maildir

    async def send(self, email: Email) -> EmailMessage:
        if not email.to:
            raise NotifyError("no recipients")
        message = build_message(email, self._config.from_address)
        if self._config.enabled:
            await self._smtp(message)
        if self._config.maildir is not None:  # after SMTP: the copy says it was sent
            await asyncio.to_thread(self._save, message)
        return message

    def already_sent(self, message_id: str) -> bool:
        """Whether the maildir holds this message: the only delivery the bot can look back on."""
        if self._config.maildir is None or not self._config.maildir.exists():
            return False
        return any(self._config.maildir.glob(f"*{_file_tag(message_id)}.eml"))

    def _save(self, message: EmailMessage) -> None:
        assert self._config.maildir is not None
        self._config.maildir.mkdir(parents=True, exist_ok=True)
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
        tag = _file_tag(str(message["Message-ID"])) or uuid.uuid4().hex[:8]
        final = self._config.maildir / f"{stamp}-{tag}.eml"
        partial = final.with_suffix(".tmp")
        partial.write_bytes(message.as_bytes())
        partial.replace(final)

    async def _smtp(self, message: EmailMessage) -> None:
        config = self._config
        try:
            await aiosmtplib.send(
                message,
                hostname=config.host,
                port=config.port,
                username=config.username if self._password else None,
                password=self._password,
                use_tls=config.security == "tls",
                start_tls=config.security == "starttls",
                timeout=30,
            )
        except (aiosmtplib.SMTPException, OSError) as exc:
            code, temporary = _smtp_outcome(exc)
            reply = f" {code}" if code else ""
            raise NotifyError(
                f"SMTP {config.host}:{config.port}: {type(exc).__name__}{reply}",
                temporary=temporary,
            ) from None


def _smtp_outcome(exc: Exception) -> tuple[int | None, bool]:
    """The SMTP reply code, if any, and whether trying again later may work."""
    if isinstance(exc, aiosmtplib.SMTPResponseException):
        return exc.code, 400 <= exc.code < 500
    if isinstance(exc, aiosmtplib.SMTPRecipientsRefused):
        codes = [refused.code for refused in exc.recipients]
        return (max(codes) if codes else None), all(400 <= code < 500 for code in codes)
    return None, isinstance(exc, OSError)  # no connection, a timeout, a dropped line


def _file_tag(message_id: str) -> str:
    return "".join(ch for ch in message_id if ch.isalnum() or ch in "-_")[:120]


async def post_webhook(session: aiohttp.ClientSession, url: str, text: str) -> None:
    """Post to a Teams or Slack incoming webhook; both accept ``{"text": ...}``."""
    try:
        async with session.post(
            url, json={"text": text}, timeout=aiohttp.ClientTimeout(total=15)
        ) as response:
            if response.status >= 300:
                raise NotifyError(
                    f"webhook answered HTTP {response.status}",
                    temporary=response.status == 429 or response.status >= 500,
                )
    except (aiohttp.ClientError, TimeoutError) as exc:
        raise NotifyError(f"webhook unreachable: {type(exc).__name__}") from None
