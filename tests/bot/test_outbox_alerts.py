"""An SMTP outage delays DSL alerts, never loses them; the trust admin hears another way."""

from __future__ import annotations

import socket
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import aiohttp
import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import Engine
from sqlmodel import Session, select

from bot.account_health import undelivered_alerts
from bot.config import Config, EmailConfig
from bot.labels import Label
from bot.notify import Mailer
from bot.outbox import enqueue
from bot.sync import sync_config
from bot.worker import OutboxWorker
from bot.workspace.access import Viewer
from models import Action, ActionKind, ActionStatus, QueueItem, Role, session_scope
from tests.bot.conftest import Inbox, Webhook
from tests.bot.web.factory import NOW, SAFEGUARDING_TEXT, add_item, make_config

ALERTS = 5


class _Busy(Inbox):
    async def handle_RCPT(
        self, server: object, session: object, envelope: object, address: str, options: object
    ) -> str:
        return "451 4.3.0 Mail server temporarily rejected message"


@dataclass
class _Clock:
    now: datetime

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _config(port: int, maildir: Path | None = None) -> Config:
    config = make_config()
    return config.model_copy(
        update={
            "email": EmailConfig(enabled=True, host="127.0.0.1", port=port, maildir=maildir),
            "trust": config.trust.model_copy(
                update={
                    "admin_emails": ["it@riverside.example"],
                    "admin_webhook_url_env": "TRUST_ADMIN_WEBHOOK",
                }
            ),
        }
    )


def _safeguarding_alerts(engine: Engine, config: Config, count: int = ALERTS) -> list[int]:
    with session_scope(engine) as session:
        accounts = sync_config(session, config)
        oak = accounts[("facebook", "oak-fb")]
        ids = []
        for n in range(count):
            item_id = add_item(
                session,
                account=oak,
                text=f"{SAFEGUARDING_TEXT} ({n})",
                label=Label.SAFEGUARDING,
                age=timedelta(minutes=1),
                platform_id=f"c-alert-{n}",
            )
            item = session.get(QueueItem, item_id)
            assert item is not None
            action = enqueue(
                session,
                ActionKind.ALERT,
                key=f"alert:safeguarding:{item.comment_id}",
                account_id=oak.id,
                comment_id=item.comment_id,
                queue_item_id=item_id,
                payload={"reason": "safeguarding"},
            )
            action.next_attempt_at = action.created_at = NOW
            assert action.id is not None
            ids.append(action.id)
        return ids


def _alerts(engine: Engine, ids: list[int]) -> list[Action]:
    with Session(engine) as session:
        return [a for a in session.exec(select(Action)).all() if a.id in ids]


async def test_an_smtp_outage_delays_alerts_and_loses_none(
    engine: Engine, webhook: Webhook, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Issue 12.1: with SMTP unreachable, 5 of 5 alerts went to ``failed`` for good.

    The maildir copy is kept too: it must not pass for a message that went out.
    """
    monkeypatch.setenv("TRUST_ADMIN_WEBHOOK", webhook.url)
    port = _free_port()
    config = _config(port, tmp_path / "mail")
    ids = _safeguarding_alerts(engine, config)
    clock = _Clock(NOW)

    async with aiohttp.ClientSession() as http:
        worker = OutboxWorker(engine, config, {}, Mailer(config.email), http=http, clock=clock)
        assert await worker.drain() == ALERTS
        alerts = _alerts(engine, ids)
        assert {a.status for a in alerts} == {ActionStatus.PENDING}
        assert all("SMTP" in (a.last_error or "") for a in alerts)
        assert all(a.next_attempt_at > NOW for a in alerts)
        assert webhook.received == []

        for _ in range(12):  # about 20 minutes of retries, each after its back-off
            clock.now = min(a.next_attempt_at for a in _alerts(engine, ids))
            await worker.drain()
        alerts = _alerts(engine, ids)
        assert {a.status for a in alerts} == {ActionStatus.PENDING}
        assert clock.now - NOW >= timedelta(minutes=config.email.undelivered_alert_minutes)
        assert len(webhook.received) == ALERTS
        for post in webhook.received:
            assert "Oakfield Primary" in post["text"]
            assert "not been delivered" in post["text"]
            assert "bruises" not in post["text"]

        with Session(engine) as session:
            admin = Viewer(1, "it@riverside.example", "IT", Role.TRUST_ADMIN, frozenset())
            shown = undelivered_alerts(session, admin, config, now=clock.now)
            champion = Viewer(2, "c@o.example", "C", Role.CHAMPION, frozenset({"oakfield"}))
            assert undelivered_alerts(session, champion, config, now=clock.now) == []
        assert len(shown) == ALERTS
        assert all(row.school_name == "Oakfield Primary" and "SMTP" in row.error for row in shown)

    # A restart: a new worker, and SMTP is back.
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        async with aiohttp.ClientSession() as http:
            worker = OutboxWorker(engine, config, {}, Mailer(config.email), http=http, clock=clock)
            worker.recover()
            clock.advance(hours=1)
            await worker.drain()
    finally:
        controller.stop()
    assert {a.status for a in _alerts(engine, ids)} == {ActionStatus.DONE}
    assert len(inbox.messages) == ALERTS
    assert {m["To"] for m in inbox.messages} == {"dsl@oakfield.example"}
    assert len(webhook.received) == ALERTS, "the admin is told once per alert"
    with Session(engine) as session:
        admin = Viewer(1, "it@riverside.example", "IT", Role.TRUST_ADMIN, frozenset())
        assert undelivered_alerts(session, admin, config, now=clock.now) == []


async def _drain_against(server: Inbox, engine: Engine) -> list[Action]:
    """One alert, worked once against an SMTP server that answers as ``server`` does."""
    port = _free_port()
    config = _config(port)
    ids = _safeguarding_alerts(engine, config, 1)
    controller = Controller(server, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        async with aiohttp.ClientSession() as http:
            worker = OutboxWorker(
                engine, config, {}, Mailer(config.email), http=http, clock=_Clock(NOW)
            )
            await worker.drain()
    finally:
        controller.stop()
    return _alerts(engine, ids)


async def test_a_4xx_smtp_reply_is_retried(engine: Engine) -> None:
    (alert,) = await _drain_against(_Busy(), engine)
    assert alert.status is ActionStatus.PENDING
    assert "451" in (alert.last_error or "")


async def test_a_permanent_smtp_refusal_fails_and_tells_the_admin(
    engine: Engine, webhook: Webhook, monkeypatch: pytest.MonkeyPatch
) -> None:
    class _Refuse(Inbox):
        async def handle_RCPT(
            self, server: object, session: object, envelope: object, address: str, options: object
        ) -> str:
            return "550 5.1.1 No such user"

    monkeypatch.setenv("TRUST_ADMIN_WEBHOOK", webhook.url)
    (alert,) = await _drain_against(_Refuse(), engine)
    assert alert.status is ActionStatus.FAILED
    assert len(webhook.received) == 1
