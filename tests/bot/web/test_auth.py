"""Sign-in, sessions, CSRF and password change, over real HTTP."""

from __future__ import annotations

import hashlib
import html
from datetime import UTC, datetime, timedelta

import aiohttp
import pytest
from aiohttp.test_utils import TestClient, TestServer
from cryptography.fernet import Fernet
from sqlalchemy import Engine
from sqlmodel import Session, select

from bot.web.app import create_app
from bot.web.security import COOKIE_NAME, safe_next
from bot.web.sessions import SESSION_IDLE, open_server_session, signed_in_viewer
from bot.workspace.auth import LOCK_AFTER, SignInLimiter
from models import User, WebSession, session_scope
from tests.bot.web.conftest import csrf_of, form_value, sign_in
from tests.bot.web.factory import CHAMPION, PASSWORD, make_config

FAILED = "Sign-in failed. Check your email address and password."


async def _try(client: TestClient, email: str, password: str) -> tuple[int, str]:
    token = await csrf_of(client)
    response = await client.post(
        "/login",
        data={"csrf": token, "email": email, "password": password},
        allow_redirects=False,
    )
    return response.status, await response.text()


async def test_sign_in_sets_a_hardened_cookie_and_opens_the_queue(client, seeded):
    token = await csrf_of(client)
    response = await client.post(
        "/login",
        data={"csrf": token, "email": CHAMPION.upper(), "password": PASSWORD, "next": "/audit"},
        allow_redirects=False,
    )
    assert response.status == 303
    assert response.headers["Location"] == "/audit"
    cookie = response.cookies[COOKIE_NAME]
    assert cookie["httponly"] is True
    assert cookie["samesite"] == "Lax"
    assert not cookie["secure"]
    queue = await client.get("/queue")
    assert queue.status == 200
    assert "Olive Champion" in await queue.text()


async def test_secure_cookie_when_served_over_https(engine, seeded):
    config = make_config(base_url="https://dash.riverside.example")
    app = create_app(config, engine, secret_key=Fernet(Fernet.generate_key()))
    async with TestClient(TestServer(app)) as client:
        response = await client.get("/login")
        header = response.headers["Set-Cookie"]
        assert header.startswith(COOKIE_NAME)
        assert "Secure" in header
        assert "HttpOnly" in header
        assert "SameSite=Lax" in header


async def test_wrong_password_and_unknown_email_look_the_same(client, seeded):
    wrong = await _try(client, CHAMPION, "not-the-password")
    unknown = await _try(client, "nobody@oakfield.example", "not-the-password")
    assert wrong[0] == unknown[0] == 401
    assert FAILED in wrong[1]
    assert FAILED in unknown[1]
    assert "nobody@oakfield.example" in unknown[1]  # the form keeps what was typed, nothing more
    assert (await client.get("/queue", allow_redirects=False)).status == 303


async def test_lock_out_after_repeated_failures(client, seeded, engine: Engine):
    for _ in range(LOCK_AFTER):
        assert (await _try(client, CHAMPION, "wrong-password-1"))[0] == 401
    with Session(engine) as session:
        user = session.exec(select(User).where(User.email == CHAMPION)).one()
        assert user.locked_until is not None
    status, body = await _try(client, CHAMPION, PASSWORD)
    assert status == 401
    assert FAILED in body


async def test_sign_in_is_rate_limited_per_address(engine, seeded):
    limiter = SignInLimiter(per_address=3, per_email=100)
    app = create_app(
        make_config(), engine, secret_key=Fernet(Fernet.generate_key()), limiter=limiter
    )
    async with TestClient(TestServer(app)) as client:
        for n in range(3):
            assert (await _try(client, f"someone{n}@x.example", "whatever-123"))[0] == 401
        status, body = await _try(client, CHAMPION, PASSWORD)
        assert status == 401
        assert FAILED in body


def test_limiter_window_slides() -> None:
    now = [0.0]
    limiter = SignInLimiter(per_address=2, per_email=2, window=60, clock=lambda: now[0])
    limiter.failed("1.2.3.4", "a@b.example")
    limiter.failed("1.2.3.4", "a@b.example")
    assert not limiter.allowed("1.2.3.4", "c@d.example")
    assert not limiter.allowed("5.6.7.8", "a@b.example")
    now[0] = 61.0
    assert limiter.allowed("1.2.3.4", "a@b.example")


async def test_pages_need_sign_in(client, seeded):
    for path in ("/queue", f"/items/{seeded.abuse}", "/audit", "/accounts"):
        response = await client.get(path, allow_redirects=False)
        assert response.status == 303, path
        assert response.headers["Location"].startswith("/login?next=")
    assert (await client.get("/healthz")).status == 200


async def test_every_post_needs_the_csrf_token(client, seeded):
    await sign_in(client, CHAMPION)
    for path, data in (
        (f"/items/{seeded.abuse}/act", {"action": "hide", "nonce": "abcdefgh12"}),
        ("/queue/bulk", {"item": str(seeded.abuse), "bulk_action": "dismiss"}),
        ("/logout", {}),
        ("/account/password", {"current": PASSWORD, "new": "x" * 12, "again": "x" * 12}),
    ):
        for token in (None, "forged-token"):
            sent = dict(data, csrf=token) if token else data
            response = await client.post(path, data=sent, allow_redirects=False)
            assert response.status == 403, (path, token)
    token = await csrf_of(client)
    bad_login = await client.post(
        "/login", data={"email": CHAMPION, "password": PASSWORD}, allow_redirects=False
    )
    assert bad_login.status == 403
    assert token


async def test_sign_out(client, seeded):
    await sign_in(client, CHAMPION)
    token = form_value(await (await client.get("/queue")).text(), "csrf")
    response = await client.post("/logout", data={"csrf": token}, allow_redirects=False)
    assert response.status == 303
    assert (await client.get("/queue", allow_redirects=False)).status == 303


async def test_password_change_signs_other_sessions_out(client, seeded):
    await sign_in(client, CHAMPION)
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as other:
        page = await other.get(client.make_url("/login"))
        token = form_value(await page.text(), "csrf")
        signed = await other.post(
            client.make_url("/login"),
            data={"csrf": token, "email": CHAMPION, "password": PASSWORD},
            allow_redirects=False,
        )
        assert signed.status == 303
        assert (await other.get(client.make_url("/queue"), allow_redirects=False)).status == 200

        token = form_value(await (await client.get("/account/password")).text(), "csrf")
        wrong = await client.post(
            "/account/password",
            data={"csrf": token, "current": "nope", "new": "n" * 12, "again": "n" * 12},
        )
        assert wrong.status == 400
        assert "current password is not right" in await wrong.text()
        new = "brand-new-pass"
        response = await client.post(
            "/account/password",
            data={"csrf": token, "current": PASSWORD, "new": new, "again": new},
            allow_redirects=False,
        )
        assert response.status == 303
        assert (await client.get("/queue", allow_redirects=False)).status == 200
        assert (await other.get(client.make_url("/queue"), allow_redirects=False)).status == 303
    assert (await _try(client, CHAMPION, PASSWORD))[0] == 401


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("/items/3", "/items/3"),
        ("//evil.example/x", "/queue"),
        ("https://evil.example", "/queue"),
        ("/\\evil.example", "/queue"),
        ("/\t/evil.example/", "/queue"),
        ("/\n/evil.example/", "/queue"),
        ("/\r\n/evil.example/", "/queue"),
        ("\t//evil.example/", "/queue"),
        ("/ /evil.example/", "/queue"),
        ("", "/queue"),
    ],
)
def test_next_is_never_an_open_redirect(target: str, expected: str) -> None:
    assert safe_next(target) == expected


async def test_sign_in_never_redirects_off_site_through_a_tab(client, seeded):
    """Browsers drop tabs and newlines from a URL, so ``/<TAB>/evil.example/`` is ``//evil...``."""
    token = await csrf_of(client)
    response = await client.post(
        "/login",
        data={"csrf": token, "email": CHAMPION, "password": PASSWORD, "next": "/\t/evil.example/"},
        allow_redirects=False,
    )
    assert response.status == 303
    assert response.headers["Location"] == "/queue"


async def test_sign_out_ends_the_session_on_the_server(client, seeded):
    """A cookie copied before sign-out (another tab, a stolen copy) no longer works."""
    await sign_in(client, CHAMPION)
    copied = {c.key: c.value for c in client.session.cookie_jar}[COOKIE_NAME]
    token = form_value(await (await client.get("/queue")).text(), "csrf")
    assert (await client.post("/logout", data={"csrf": token}, allow_redirects=False)).status == 303
    async with aiohttp.ClientSession(cookies={COOKIE_NAME: copied}) as thief:
        replayed = await thief.get(client.make_url("/queue"), allow_redirects=False)
        assert replayed.status == 303
        assert replayed.headers["Location"].startswith("/login")


async def test_sign_out_ends_only_that_session(client, seeded):
    await sign_in(client, CHAMPION)
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as other:
        page = await other.get(client.make_url("/login"))
        signed = await other.post(
            client.make_url("/login"),
            data={
                "csrf": form_value(await page.text(), "csrf"),
                "email": CHAMPION,
                "password": PASSWORD,
            },
            allow_redirects=False,
        )
        assert signed.status == 303
        token = form_value(await (await client.get("/queue")).text(), "csrf")
        await client.post("/logout", data={"csrf": token}, allow_redirects=False)
        assert (await other.get(client.make_url("/queue"), allow_redirects=False)).status == 200


def test_a_server_session_ends_after_twelve_idle_hours(engine: Engine, seeded) -> None:
    user_id = seeded.users[CHAMPION]
    start = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
    with session_scope(engine) as db:
        session_id = open_server_session(db, user_id, start)
    with session_scope(engine) as db:
        assert signed_in_viewer(db, user_id, session_id, start + timedelta(hours=11)) is not None
        assert signed_in_viewer(db, user_id + 1, session_id, start) is None
    with session_scope(engine) as db:
        late = start + timedelta(hours=11) + SESSION_IDLE + timedelta(seconds=1)
        assert signed_in_viewer(db, user_id, session_id, late) is None
        assert signed_in_viewer(db, user_id, "made-up", start) is None
    with session_scope(engine) as db:
        open_server_session(db, user_id, late)  # forgets the idle one
        assert db.get(WebSession, hashlib.sha256(session_id.encode()).hexdigest()) is None


async def test_sign_in_returns_to_a_page_whose_query_has_a_space(client, seeded):
    first = await client.get("/queue?label=question&q=a%20b", allow_redirects=False)
    login = first.headers["Location"]
    page = await client.get(login)
    target = html.unescape(form_value(await page.text(), "next"))  # as a browser reads it
    response = await client.post(
        "/login",
        data={
            "csrf": await csrf_of(client),
            "email": CHAMPION,
            "password": PASSWORD,
            "next": target,
        },
        allow_redirects=False,
    )
    assert response.headers["Location"] == "/queue?label=question&q=a%20b"
