"""The weekly job: files in the reports folder, and emails at a real local SMTP server."""

from __future__ import annotations

import email
import email.policy
import logging
import socket
from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import Engine

from bot.config import Config, parse_config
from bot.notify import Mailer
from bot.reports import send_weekly
from tests.bot.reports.conftest import CONFIG, NOW, WEEK, Known


class _Inbox:
    def __init__(self) -> None:
        self.received: list[tuple[list[str], EmailMessage]] = []

    async def handle_DATA(self, server: object, session: object, envelope: object) -> str:
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)  # type: ignore[attr-defined]
        self.received.append((list(envelope.rcpt_tos), message))  # type: ignore[attr-defined]
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def smtp() -> Iterator[tuple[_Inbox, int]]:
    inbox = _Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=_free_port())
    controller.start()
    try:
        yield inbox, controller.port
    finally:
        controller.stop()


def _smtp_config(port: int, **reports: object) -> Config:
    """The test trust, with email on and pointed at the local server."""
    email_section = {
        "enabled": True,
        "host": "127.0.0.1",
        "port": port,
        "from_address": "hm@riverside.example",
    }
    return parse_config(
        {**CONFIG, "email": email_section, "reports": {**CONFIG["reports"], **reports}}
    )


async def _send(engine: Engine, config: Config, out_dir: Path) -> list[Path]:
    """What the scheduler does on Monday: one mailer from the config."""
    return await send_weekly(engine, config, Mailer(config.email), WEEK, now=NOW, out_dir=out_dir)


async def test_reports_are_written_and_arrive_with_chart_and_csv(
    engine: Engine, known: Known, smtp: tuple[_Inbox, int], tmp_path: Path
) -> None:
    inbox, port = smtp
    written = await _send(engine, _smtp_config(port), tmp_path)

    folder = tmp_path / WEEK
    assert sorted(written) == sorted(
        folder / f"{scope}.{ext}"
        for scope in ("oakfield", "birch", "trust")
        for ext in ("html", "csv", "png")
    )
    assert all(path.stat().st_size > 0 for path in written)
    assert (folder / "oakfield.png").read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
    assert 'src="oakfield.png"' in (folder / "oakfield.html").read_text(encoding="utf-8")

    by_subject = {message["Subject"]: (rcpt, message) for rcpt, message in inbox.received}
    assert sorted(by_subject) == [
        "Birch Academy: weekly report, week 2026-W43",
        "Oakfield Primary: weekly report, week 2026-W43",
        "Riverside Trust: weekly report, week 2026-W43",
    ]
    rcpt, message = by_subject["Oakfield Primary: weekly report, week 2026-W43"]
    assert rcpt == ["head@oakfield.example", "champion@oakfield.example"]
    assert message["From"] == "hm@riverside.example"

    html = message.get_body(preferencelist=("html",))
    assert html is not None
    body = html.get_content()
    assert 'src="cid:chart-oakfield@hallmonitor"' in body
    assert "http://" not in body
    assert "https://" not in body
    assert "Past due and still open" in body

    [image] = [part for part in message.walk() if part.get_content_type() == "image/png"]
    assert image["Content-ID"] == "<chart-oakfield@hallmonitor>"
    assert image.get_content() == (folder / "oakfield.png").read_bytes()

    [attachment] = list(message.iter_attachments())
    assert attachment.get_filename() == "oakfield-2026-W43.csv"
    assert attachment.get_content_type() == "text/csv"
    csv_bytes = attachment.get_payload(decode=True)
    assert csv_bytes == (folder / "oakfield.csv").read_bytes()

    text = message.get_body(preferencelist=("plain",))
    assert text is not None
    assert "- Comments read: 6" in text.get_content()


async def test_a_report_without_recipients_is_written_but_not_sent(
    engine: Engine, known: Known, smtp: tuple[_Inbox, int], tmp_path: Path
) -> None:
    inbox, port = smtp
    written = await _send(engine, _smtp_config(port, trust_recipients=[]), tmp_path)
    assert (tmp_path / WEEK / "trust.html") in written
    assert len(inbox.received) == 2


async def test_an_unreachable_server_is_logged_and_the_files_are_kept(
    engine: Engine, known: Known, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.ERROR, logger="bot.reports.deliver"):
        written = await _send(engine, _smtp_config(_free_port()), tmp_path)
    assert len(written) == 9
    failures = [r.getMessage() for r in caplog.records if r.name == "bot.reports.deliver"]
    assert len(failures) == 3
    assert failures[0].startswith("the oakfield report for 2026-W43 was not sent: SMTP 127.0.0.1:")


async def test_with_email_off_the_reports_are_only_written(
    engine: Engine, config: Config, known: Known, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    assert not config.email.enabled
    with caplog.at_level(logging.INFO, logger="bot.reports"):
        written = await _send(engine, config, tmp_path)
    assert len(written) == 9
    messages = [r.getMessage() for r in caplog.records]
    assert "email is off in the config: weekly reports written, not sent" in messages
    assert not any(m.startswith("sent the") for m in messages)
