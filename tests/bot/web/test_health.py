"""``/healthz``: an overall status for anyone, account details only for those signed in."""

from __future__ import annotations

from sqlalchemy import Engine
from sqlmodel import select

from models import Account, session_scope
from tests.bot.web.conftest import sign_in
from tests.bot.web.factory import ADMIN, CHAMPION

ERROR = "Graph API error 190/None: token EAAB-leaked-token-value expired (fbtrace_id 1)"


def _fail_every_account(engine: Engine) -> None:
    with session_scope(engine) as session:
        for account in session.exec(select(Account)).all():
            account.last_error = ERROR
            account.needs_token = True


async def test_without_sign_in_only_the_overall_status(client, seeded, engine: Engine):
    _fail_every_account(engine)
    response = await client.get("/healthz")
    assert response.status == 200
    assert await response.json() == {"status": "ok"}
    text = await response.text()
    for hidden in ("oak-fb", "birch-fb", "oakfield", "EAAB", "last_error"):
        assert hidden not in text


async def test_a_signed_in_champion_sees_only_their_schools_accounts(
    client, seeded, engine: Engine
):
    _fail_every_account(engine)
    await sign_in(client, CHAMPION)
    body = await (await client.get("/healthz")).json()
    assert body["status"] == "ok"
    assert body["database"] == "ok"
    assert {account["account"] for account in body["accounts"]} == {"oak-fb", "oak-x"}
    assert all(account["healthy"] is False for account in body["accounts"])
    assert all(account["last_error"] == ERROR for account in body["accounts"])


async def test_a_signed_in_admin_sees_every_account(client, seeded, engine: Engine):
    await sign_in(client, ADMIN)
    body = await (await client.get("/healthz")).json()
    assert {account["account"] for account in body["accounts"]} == {"oak-fb", "oak-x", "birch-fb"}
