"""Every route checks the user's schools on the server; safeguarding text stays with the DSL."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select

from models import Account, Action, ActionKind, QueueItem, QueueStatus
from tests.bot.web.conftest import act, csrf_of, form_value, sign_in
from tests.bot.web.factory import (
    ADMIN,
    CHAMPION,
    DSL,
    NOW,
    OTHER_CHAMPION,
    SAFEGUARDING_TEXT,
    XSS_TEXT,
)


def _actions(engine: Engine) -> list[Action]:
    with Session(engine) as session:
        return list(session.exec(select(Action)).all())


def _status(engine: Engine, item_id: int) -> QueueStatus:
    with Session(engine) as session:
        item = session.get(QueueItem, item_id)
        assert item is not None
        return QueueStatus(item.status)


async def test_another_schools_item_is_404_by_url(client, seeded):
    await sign_in(client, OTHER_CHAMPION)
    for path in (f"/items/{seeded.abuse}", f"/items/{seeded.abuse}/evidence"):
        response = await client.get(path)
        assert response.status == 404, path
        assert "useless idiots" not in await response.text()
    own = await client.get(f"/items/{seeded.question_birchwood}")
    assert own.status == 200


@pytest.mark.parametrize(
    "action",
    [
        "reply",
        "private_reply",
        "hide",
        "unhide",
        "block",
        "relabel",
        "escalate",
        "dismiss",
        "handled",
        "claim",
    ],
)
async def test_another_schools_item_cannot_be_acted_on_by_form(client, seeded, engine, action):
    await sign_in(client, OTHER_CHAMPION)
    token = await csrf_of(client, "/queue")
    response = await client.post(
        f"/items/{seeded.abuse}/act",
        data={
            "csrf": token,
            "nonce": "nonce-123456",
            "action": action,
            "text": "hi",
            "label": "positive",
        },
        allow_redirects=False,
    )
    assert response.status == 404
    assert _actions(engine) == []
    assert _status(engine, seeded.abuse) is QueueStatus.OPEN


async def test_another_schools_item_cannot_be_listed_by_filter(client, seeded):
    await sign_in(client, OTHER_CHAMPION)
    for query in (
        "school=oakfield",
        "school=oakfield&status=all",
        "label=abuse&status=all",
        "status=escalated",
        "platform=facebook&status=all",
    ):
        html = await (await client.get(f"/queue?{query}")).text()
        assert f'href="/items/{seeded.abuse}"' not in html, query
        assert "useless idiots" not in html, query
        assert f'href="/items/{seeded.safeguarding}"' not in html, query


async def test_bulk_skips_another_schools_items(client, seeded, engine):
    await sign_in(client, OTHER_CHAMPION)
    token = await csrf_of(client, "/queue")
    response = await client.post(
        "/queue/bulk",
        data=[
            ("csrf", token),
            ("bulk_action", "dismiss"),
            ("item", str(seeded.abuse)),
            ("item", str(seeded.question_birchwood)),
        ],
    )
    assert "1 item dismissed. 1 skipped" in await response.text()
    assert _status(engine, seeded.abuse) is QueueStatus.OPEN
    assert _status(engine, seeded.question_birchwood) is QueueStatus.DISMISSED


async def test_champion_sees_safeguarding_item_exists_but_not_its_text(client, seeded):
    await sign_in(client, CHAMPION)
    queue = await (await client.get("/queue")).text()
    # One line, not a row the champion cannot read: nothing of it comes before their work.
    assert f'href="/items/{seeded.safeguarding}"' not in queue
    assert "<strong>1 with the DSL</strong>" in queue
    assert re.search(r'safeguarding <span class="count">', queue) is None
    assert "bruises" not in queue
    assert "Sam Secret" not in queue
    page = await client.get(f"/items/{seeded.safeguarding}")
    html = await page.text()
    assert page.status == 200
    assert "Escalated to the DSL" in html
    for secret in (
        "bruises",
        "Sam Secret",
        "worried-1",
        "Please contact our DSL privately",
        "looks like safeguarding",
    ):
        assert secret not in html, secret
    assert (await client.get(f"/items/{seeded.safeguarding}/evidence")).status == 404


async def test_champion_cannot_act_on_safeguarding_item(client, seeded, engine):
    await sign_in(client, CHAMPION)
    for action in ("reply", "unhide", "dismiss", "relabel"):
        response = await act(client, seeded.safeguarding, action, text="hello", label="other")
        assert response.status == 403, action
    assert _actions(engine) == []
    assert _status(engine, seeded.safeguarding) is QueueStatus.ESCALATED
    token = await csrf_of(client, "/queue")
    bulk = await client.post(
        "/queue/bulk",
        data={"csrf": token, "bulk_action": "handled", "item": str(seeded.safeguarding)},
    )
    assert "0 items marked handled. 1 skipped" in await bulk.text()


@pytest.mark.parametrize("email", [DSL, ADMIN])
async def test_dsl_and_admin_read_safeguarding_text(client, seeded, email):
    await sign_in(client, email)
    html = await (await client.get(f"/items/{seeded.safeguarding}")).text()
    assert SAFEGUARDING_TEXT in html
    assert "Sam Secret" in html
    queue = await (await client.get("/queue?status=escalated")).text()
    assert "bruises" in queue


async def test_dsl_of_another_school_does_not(client, seeded, engine):
    from bot.workspace.users import create_user
    from models import Role, session_scope

    with session_scope(engine) as session:
        create_user(
            session,
            email="dsl@birchwood.example",
            password="hallmonitor-demo",
            role=Role.DSL,
            schools=["birchwood"],
        )
    await sign_in(client, "dsl@birchwood.example")
    assert (await client.get(f"/items/{seeded.safeguarding}")).status == 404


async def test_comment_markup_is_escaped_and_links_inert(client, seeded):
    await sign_in(client, CHAMPION)
    for path in (f"/items/{seeded.xss}", "/queue", f"/items/{seeded.xss}/evidence"):
        html = await (await client.get(path)).text()
        assert "<script>document" not in html, path
        assert "<img src=x" not in html, path
        assert not re.search(r'href="\s*javascript:', html, re.I), path
        assert re.search(r"<[a-z]+[^>]*\sonerror=", html, re.I) is None, path
    html = await (await client.get(f"/items/{seeded.xss}")).text()
    assert "&lt;script&gt;document.title" in html
    assert "&lt;/textarea&gt;&lt;script&gt;" in html
    assert XSS_TEXT not in html


async def test_security_headers(client, seeded):
    await sign_in(client, CHAMPION)
    response = await client.get(f"/items/{seeded.abuse}")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp
    assert "unsafe-inline" not in csp
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Cache-Control"] == "no-store"


async def test_no_secrets_or_tokens_in_pages(client, seeded, engine, monkeypatch):
    monkeypatch.setenv("OAK_FB", "EAAGsecret-token-value-123")
    with Session(engine) as session:
        account = session.exec(select(Account).where(Account.platform_account_id == "oak-fb")).one()
        account.last_error = "401 from graph: token EAAGsecret-token-value-123 expired"
        account.needs_token = True
        session.add(account)
        session.commit()
    await sign_in(client, ADMIN)
    pages = ["/queue", "/accounts", "/audit", f"/items/{seeded.abuse}"]
    for path in pages:
        html = await (await client.get(path)).text()
        assert "EAAGsecret-token-value-123" not in html, path
        assert "$argon2" not in html, path
    accounts = await (await client.get("/accounts")).text()
    assert "[redacted]" in accounts
    assert "OAK_FB" in accounts  # the variable's name, so the admin knows where the token goes


async def test_csrf_token_is_per_session(client, seeded):
    await sign_in(client, CHAMPION)
    first = form_value(await (await client.get("/queue")).text(), "csrf")
    client.session.cookie_jar.clear()
    second = await csrf_of(client)
    assert first != second


async def test_an_undelivered_alert_is_shown_to_admins_and_the_dsl_only(client, seeded, engine):
    """Issue 12.1: an alert SMTP has not taken for N minutes is on the account health page."""
    with Session(engine) as session:
        item = session.get(QueueItem, seeded.safeguarding)
        assert item is not None
        session.add(
            Action(
                kind=ActionKind.ALERT,
                idempotency_key="alert:safeguarding:undelivered-test",
                comment_id=item.comment_id,
                queue_item_id=item.id,
                payload={"reason": "safeguarding"},
                attempts=4,
                last_error="NotifyError: SMTP mail.example:587: SMTPConnectError",
                created_at=NOW - timedelta(minutes=40),
                next_attempt_at=NOW + timedelta(minutes=5),
            )
        )
        session.commit()
    for who, shown in ((ADMIN, True), (DSL, True), (CHAMPION, False)):
        client.session.cookie_jar.clear()
        await sign_in(client, who)
        html = await (await client.get("/accounts")).text()
        assert ("Alerts not delivered" in html) is shown, who
        assert ("SMTPConnectError" in html) is shown, who
        assert SAFEGUARDING_TEXT not in html
