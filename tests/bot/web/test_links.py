"""Links that emails carry open a page of the dashboard, never a 404."""

from __future__ import annotations

import re

from sqlalchemy import Engine
from sqlmodel import Session

from bot.alerts import compose
from models import Action, ActionKind
from tests.bot.web.conftest import sign_in
from tests.bot.web.factory import ADMIN


async def test_the_account_health_email_links_to_the_accounts_page(
    client, seeded, engine: Engine, config
):
    action = Action(
        kind=ActionKind.ALERT,
        idempotency_key="alert:account_health:1:1",
        payload={
            "reason": "account_health",
            "account": "oakfield's facebook account",
            "problem": "token expired",
        },
    )
    trust = config.trust.model_copy(update={"admin_emails": ["it@riverside.example"]})
    with Session(engine) as session:
        alert = compose(session, action, config.model_copy(update={"trust": trust}), {})
    base = config.dashboard.base_url.rstrip("/")
    (link,) = re.findall(rf"{re.escape(base)}(/\S*)", alert.email.text)
    await sign_in(client, ADMIN)
    response = await client.get(link, allow_redirects=False)
    assert response.status == 200, link
    assert "Account health" in await response.text()
