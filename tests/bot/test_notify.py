"""Email reaches a real SMTP server; a maildir copy lets a resend be recognised."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller

from bot.config import EmailConfig
from bot.notify import Attachment, Email, Mailer, NotifyError
from tests.bot.conftest import Inbox


@pytest.fixture
def smtp() -> Iterator[tuple[Inbox, int]]:
    inbox = Inbox()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox, port
    finally:
        controller.stop()


async def test_email_with_attachment_arrives_at_a_real_smtp_server(
    smtp: tuple[Inbox, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    inbox, port = smtp
    monkeypatch.setenv("SMTP_PW", "not-used-without-auth")
    mailer = Mailer(
        EmailConfig(enabled=True, host="127.0.0.1", port=port, from_address="hm@t.example")
    )
    await mailer.send(
        Email(
            to=["dsl@oakfield.example"],
            subject="Safeguarding concern",
            text="Body 👋🏽 مرحبا",
            attachments=[Attachment("figures.csv", b"a,b\n1,2\n", "text", "csv")],
        )
    )
    for _ in range(50):
        if inbox.messages:
            break
        await asyncio.sleep(0.05)
    (received,) = inbox.messages
    assert received["To"] == "dsl@oakfield.example"
    assert received["Subject"] == "Safeguarding concern"
    parts = {part.get_filename(): part for part in received.walk() if part.get_filename()}
    assert parts["figures.csv"].get_payload(decode=True) == b"a,b\n1,2\n"


async def test_unreachable_smtp_raises_a_notify_error_without_the_password(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SMTP_PW", "hunter2-very-secret")
    config = EmailConfig(
        enabled=True, host="127.0.0.1", port=1, username="u", password_env="SMTP_PW"
    )
    with pytest.raises(NotifyError) as caught:
        await Mailer(config).send(Email(to=["a@b.example"], subject="s", text="t"))
    assert "hunter2" not in str(caught.value)


async def test_maildir_copy_is_found_by_message_id(tmp_path: Path) -> None:
    mailer = Mailer(EmailConfig(maildir=tmp_path))
    message_id = "<hallmonitor-alert-1@hallmonitor.local>"
    assert not mailer.already_sent(message_id)
    await mailer.send(Email(to=["a@b.example"], subject="s", text="t", message_id=message_id))
    assert mailer.already_sent(message_id)
    assert len(list(tmp_path.glob("*.eml"))) == 1  # noqa: ASYNC240
