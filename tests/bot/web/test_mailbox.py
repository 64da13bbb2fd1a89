"""The demo mailbox: alerts saved as .eml files, readable by trust admins and their own DSL."""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from email.utils import format_datetime
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient, TestServer
from cryptography.fernet import Fernet
from sqlalchemy import Engine

from bot.config import Config, EmailConfig
from bot.notify import Attachment, Email, build_message
from bot.web.app import create_app
from bot.workspace.access import Viewer
from bot.workspace.mailbox import read_message, valid_name
from models import Role
from tests.bot.web.conftest import Clock, sign_in
from tests.bot.web.factory import ADMIN, CHAMPION, DSL, SAFEGUARDING_TEXT, Seeded, make_config

OTHER_DSL = "dsl@birchwood.example"
SCRIPT = "<script>document.title='pwned'</script>"
OLDEST = "20250301T090000-oldest.eml"
MIDDLE = "20250302T090000-middle.eml"
NEWEST = "20250303T090000-newest.eml"


def _write(
    maildir: Path,
    name: str,
    *,
    to: list[str],
    subject: str,
    text: str,
    day: int,
    html: str | None = None,
    attachments: tuple[Attachment, ...] = (),
) -> None:
    email = Email(to=to, subject=subject, text=text, html=html, attachments=attachments)
    message = build_message(email, "hallmonitor@riverside.example")
    message.replace_header("Date", format_datetime(datetime(2025, 3, day, 9, 0, tzinfo=UTC)))
    (maildir / name).write_bytes(message.as_bytes())


@pytest.fixture
def maildir(tmp_path: Path) -> Path:
    """Three alerts (two for the Oakfield DSL, one for Birchwood's), written oldest first."""
    folder = tmp_path / "mail"
    folder.mkdir()
    _write(
        folder,
        OLDEST,
        to=[DSL],
        subject="[Hallmonitor] Escalated to the DSL: Oakfield Primary (facebook)",
        text="An escalated comment.\nOpen it: http://127.0.0.1:8080/items/42\n"
        "Not ours: https://evil.example/items/43",
        day=1,
    )
    _write(
        folder,
        NEWEST,
        to=[DSL],
        subject="[Hallmonitor] Safeguarding concern: Oakfield Primary (facebook)",
        text=f"The comment:\n{SAFEGUARDING_TEXT}\n{SCRIPT}",
        day=3,
        html=f"<p>HTML part only {SCRIPT}</p>",
        attachments=(Attachment("evidence.txt", b"attached secret words"),),
    )
    _write(
        folder,
        MIDDLE,
        to=[OTHER_DSL],
        subject="[Hallmonitor] Safeguarding concern: Birchwood Academy (x)",
        text="Birchwood private matter",
        day=2,
    )
    return folder


@pytest.fixture
def config(maildir: Path) -> Config:
    base = make_config()
    return base.model_copy(update={"email": EmailConfig(maildir=maildir)})


def _app(config: Config, engine: Engine) -> TestClient:
    app = create_app(
        config, engine, secret_key=Fernet(Fernet.generate_key()), clock=Clock(), action_wait=0.0
    )
    return TestClient(TestServer(app))


@pytest.fixture
async def client(engine: Engine, config: Config, seeded: Seeded) -> AsyncIterator[TestClient]:
    async with _app(config, engine) as test_client:
        yield test_client


async def test_admin_sees_every_message_newest_first(client):
    await sign_in(client, ADMIN)
    response = await client.get("/mailbox")
    html = await response.text()
    assert response.status == 200
    assert '<a href="/mailbox">Mailbox</a>' in html
    positions = [html.index(f'href="/mailbox/{name}"') for name in (NEWEST, MIDDLE, OLDEST)]
    assert positions == sorted(positions)
    assert "Birchwood Academy (x)" in html
    assert html.count('class="lbl lbl-safeguarding">safeguarding</span>') == 2
    assert OTHER_DSL in html
    assert SAFEGUARDING_TEXT not in html
    for name in (NEWEST, MIDDLE, OLDEST):
        assert (await client.get(f"/mailbox/{name}")).status == 200


async def test_dsl_sees_only_their_own_messages(client):
    await sign_in(client, DSL)
    html = await (await client.get("/mailbox")).text()
    assert '<a href="/mailbox">Mailbox</a>' in html
    assert NEWEST in html
    assert OLDEST in html
    assert MIDDLE not in html
    assert "Birchwood" not in html
    other = await client.get(f"/mailbox/{MIDDLE}")
    assert other.status == 404
    assert "Birchwood private matter" not in await other.text()
    own = await client.get(f"/mailbox/{NEWEST}")
    assert own.status == 200
    assert SAFEGUARDING_TEXT in await own.text()


async def test_champion_gets_404_and_no_link(client):
    await sign_in(client, CHAMPION)
    queue = await (await client.get("/queue")).text()
    assert 'href="/mailbox"' not in queue
    for path in ("/mailbox", f"/mailbox/{NEWEST}", f"/mailbox/{MIDDLE}"):
        response = await client.get(path)
        assert response.status == 404, path
        assert "Oakfield Primary (facebook)" not in await response.text()


async def test_no_maildir_means_no_page(engine, seeded):
    async with _app(make_config(), engine) as client:
        await sign_in(client, ADMIN)
        assert 'href="/mailbox"' not in await (await client.get("/queue")).text()
        assert (await client.get("/mailbox")).status == 404
        assert (await client.get(f"/mailbox/{NEWEST}")).status == 404


async def test_signed_out_is_sent_to_sign_in(client):
    response = await client.get("/mailbox", allow_redirects=False)
    assert response.status == 303
    assert response.headers["Location"].startswith("/login")


@pytest.mark.parametrize(
    "path",
    [
        "/mailbox/..%2Fsecret.eml",
        "/mailbox/..%2F..%2Fmail%2Fsecret.eml",
        "/mailbox/%2E%2E%2Fsecret.eml",
        "/mailbox/.eml",
        "/mailbox/sub%2Finner.eml",
        "/mailbox/sub%5Cinner.eml",
        "/mailbox/link.eml",
        "/mailbox/notes.txt",
        "/mailbox/missing.eml",
        "/mailbox/20250303T090000-newest.eml.tmp",
    ],
)
async def test_names_outside_the_maildir_are_404(client, maildir, path):
    secret = maildir.parent / "secret.eml"
    _write(maildir.parent, "secret.eml", to=[DSL], subject="outside", text="outside words", day=4)
    (maildir / "sub").mkdir()
    _write(maildir / "sub", "inner.eml", to=[DSL], subject="inner", text="inner words", day=4)
    os.symlink(secret, maildir / "link.eml")
    (maildir / "notes.txt").write_text("Date: x\nTo: dsl@oakfield.example\n\nnotes words")
    (maildir / f"{NEWEST}.tmp").write_bytes((maildir / NEWEST).read_bytes())
    await sign_in(client, ADMIN)
    response = await client.get(path, allow_redirects=False)
    assert response.status == 404
    text = await response.text()
    assert "outside words" not in text
    assert "inner words" not in text
    listing = await (await client.get("/mailbox")).text()
    assert "link.eml" not in listing
    assert "notes.txt" not in listing
    assert ".tmp" not in listing


async def _raw_status(client: TestClient, raw_path: str) -> int:
    """Send the path byte for byte: the client library would resolve ``..`` before sending."""
    cookies = client.session.cookie_jar.filter_cookies(client.make_url("/"))
    cookie = "; ".join(f"{key}={morsel.value}" for key, morsel in cookies.items())
    reader, writer = await asyncio.open_connection(client.host, client.port)
    writer.write(
        f"GET {raw_path} HTTP/1.1\r\nHost: {client.host}\r\nCookie: {cookie}\r\n"
        "Connection: close\r\n\r\n".encode()
    )
    await writer.drain()
    answer = await reader.read()
    writer.close()
    await writer.wait_closed()
    assert b"outside words" not in answer
    return int(answer.split(b" ", 2)[1])


@pytest.mark.parametrize(
    "raw_path",
    ["/mailbox/../secret.eml", "/mailbox/..", "/mailbox/%2E%2E", "/mailbox/%2e%2e%2fsecret.eml"],
)
async def test_raw_dot_dot_paths_are_404(client, maildir, raw_path):
    _write(maildir.parent, "secret.eml", to=[DSL], subject="outside", text="outside words", day=4)
    await sign_in(client, ADMIN)
    assert await _raw_status(client, "/mailbox") == 200
    assert await _raw_status(client, raw_path) == 404


@pytest.mark.parametrize(
    "name",
    ["../secret.eml", "..", "..eml", "a..b.eml", "sub/inner.eml", "/etc/x.eml", "a\\b.eml", ".eml"],
)
def test_the_service_refuses_names_outside_the_maildir(maildir, name):
    _write(maildir.parent, "secret.eml", to=[DSL], subject="outside", text="outside words", day=4)
    admin = Viewer(id=1, email=ADMIN, name="", role=Role.TRUST_ADMIN, schools=frozenset())
    assert not valid_name(name)
    assert read_message(maildir, name, admin) is None
    assert read_message(maildir, NEWEST, admin) is not None


async def test_a_malformed_file_is_skipped_with_one_log_line(client, maildir, caplog):
    (maildir / "20250304T090000-broken.eml").write_bytes(b"\x00\xffnot an email at all\n")
    (maildir / "20250305T090000-baddate.eml").write_bytes(
        b"Date: yesterday-ish\r\nTo: dsl@oakfield.example\r\nSubject: odd\r\n\r\nbody\r\n"
    )
    await sign_in(client, ADMIN)
    with caplog.at_level(logging.WARNING, logger="bot.workspace.mailbox"):
        response = await client.get("/mailbox")
    html = await response.text()
    assert response.status == 200
    assert NEWEST in html
    assert "broken.eml" not in html
    assert "baddate.eml" not in html
    records = [r for r in caplog.records if r.name == "bot.workspace.mailbox"]
    assert len(records) == 2
    assert {r.getMessage().split()[4] for r in records} == {
        "20250304T090000-broken.eml",
        "20250305T090000-baddate.eml",
    }
    assert "odd" not in caplog.text
    assert (await client.get("/mailbox/20250304T090000-broken.eml")).status == 404


async def test_message_is_shown_as_text_never_html(client):
    await sign_in(client, DSL)
    response = await client.get(f"/mailbox/{NEWEST}")
    html = await response.text()
    assert response.status == 200
    assert response.content_type == "text/html"
    assert SCRIPT not in html
    assert "&lt;script&gt;document.title=&#39;pwned&#39;&lt;/script&gt;" in html
    assert "HTML part only" not in html
    assert "evidence.txt" in html
    assert "attached secret words" not in html
    assert "hallmonitor@riverside.example" in html
    assert DSL in html
    assert "Safeguarding concern: Oakfield Primary (facebook)" in html
    assert "Sun 2 Mar 2025" not in html
    assert "Mon 3 Mar 2025, 09:00" in html


async def test_the_link_to_the_item_can_be_clicked_and_only_that_one(client):
    await sign_in(client, DSL)
    html = await (await client.get(f"/mailbox/{OLDEST}")).text()
    assert '<a href="/items/42">http://127.0.0.1:8080/items/42</a>' in html
    assert "https://evil.example/items/43" in html
    assert 'href="https://evil.example' not in html
