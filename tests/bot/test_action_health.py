"""A hide refused for the token or a permission waits for the account, and says so."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select

from bot.account_health import account_health
from bot.classifier import Classifier
from bot.config import Config
from bot.runtime import Bot
from bot.workspace.access import Viewer
from models import Account, Action, ActionKind, ActionStatus, Role
from models.types import utcnow
from tests.bot.conftest import SimControl, account_id

INSULTS = [
    "The head is a useless f***ing idiot and the teachers are a pathetic joke, absolute scum",
    "You are all a bunch of brainless morons, shut the f*** up and get a real job",
]
ADMIN = Viewer(1, "it@riverside.example", "IT", Role.TRUST_ADMIN, frozenset())
FAULTS = {
    "revoked-token": {"kind": "expired_token"},
    "missing-permission": {"kind": "error", "status": 403},
}


def _oakfield_facebook(session: Session) -> Account:
    return session.exec(
        select(Account).where(
            Account.platform == "facebook",
            Account.platform_account_id == account_id("oakfield", "facebook"),
        )
    ).one()


async def _run(config: Config, engine: Engine, classifier: Classifier, times: int = 1) -> None:
    """Start the bot, poll every account and work the outbox ``times`` times, stop."""
    bot = await Bot.create(config, engine=engine, classifier=classifier)
    try:
        for _ in range(times):
            await bot.run_once()
    finally:
        await bot.stop()


@pytest.mark.parametrize("fault", FAULTS.values(), ids=FAULTS.keys())
async def test_a_refused_hide_waits_for_the_account_and_the_admin_is_told_once(
    engine: Engine,
    trust_config: Config,
    classifier: Classifier,
    sim: SimControl,
    fault: dict[str, Any],
) -> None:
    """Issue 12.4: the hide was marked failed, the account looked healthy, nobody was told."""
    await sim.fault(
        platform="facebook",
        account=account_id("oakfield", "facebook"),
        endpoint="POST /{id}",
        count=None,
        **fault,
    )
    posted = [await sim.post("oakfield", "facebook", text) for text in INSULTS]

    await _run(trust_config, engine, classifier, times=2)  # the second: told once, still held

    with Session(engine) as session:
        account = _oakfield_facebook(session)
        hides = session.exec(
            select(Action).where(Action.kind == ActionKind.HIDE, Action.account_id == account.id)
        ).all()
        notices = [
            a
            for a in session.exec(select(Action).where(Action.kind == ActionKind.ALERT)).all()
            if a.payload.get("reason") == "account_health" and a.account_id == account.id
        ]
        (health,) = [
            h
            for h in account_health(session, ADMIN, trust_config, now=utcnow())
            if h.school_name.startswith("Oakfield") and h.platform == "facebook"
        ]
    assert len(hides) == len(INSULTS)
    assert {h.status for h in hides} == {ActionStatus.WAITING}
    assert len(notices) == 1
    assert notices[0].status is ActionStatus.DONE
    assert health.state == "error"
    assert "hide" in health.advice.lower()
    assert [(await sim.state_of(cid))["hidden"] for cid in posted] == [False, False]

    await sim.clear_faults()  # a new token, or the permission granted; then a restart
    await _run(trust_config, engine, classifier)

    with Session(engine) as session:
        account = _oakfield_facebook(session)
        statuses = session.exec(
            select(Action.status).where(
                Action.kind == ActionKind.HIDE, Action.account_id == account.id
            )
        ).all()
        (health,) = [
            h
            for h in account_health(session, ADMIN, trust_config, now=utcnow())
            if h.school_name.startswith("Oakfield") and h.platform == "facebook"
        ]
    assert set(statuses) == {ActionStatus.DONE}
    assert health.state == "ok"
    assert [(await sim.state_of(cid))["hidden"] for cid in posted] == [True, True]
