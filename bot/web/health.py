"""``/healthz``: is the process up, is the database reachable, how are the accounts."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from aiohttp import web
from sqlalchemy import Engine, text
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session, select

from bot.web.keys import ENGINE
from models import Account


def _snapshot(engine: Engine) -> tuple[bool, list[dict[str, object]]]:
    try:
        with Session(engine) as session:
            session.exec(text("SELECT 1"))  # type: ignore[call-overload]
            accounts = session.exec(select(Account)).all()
    except SQLAlchemyError:
        return False, []
    now = datetime.now(UTC)
    return True, [
        {
            "school": account.school_id,
            "platform": account.platform,
            "account": account.platform_account_id,
            "last_poll": account.last_poll_at.isoformat() if account.last_poll_at else None,
            "healthy": not account.needs_token
            and (account.paused_until is None or account.paused_until <= now),
            "last_error": account.last_error,
        }
        for account in accounts
    ]


async def healthz(request: web.Request) -> web.Response:
    database_ok, accounts = await asyncio.to_thread(_snapshot, request.app[ENGINE])
    body = {
        "status": "ok" if database_ok else "degraded",
        "database": "ok" if database_ok else "unreachable",
        "accounts": accounts,
    }
    return web.json_response(body, status=200 if database_ok else 503)
