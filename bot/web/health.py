"""``/healthz``: an overall status for anyone (a load balancer); the accounts only for a
signed-in user, and only those of their own schools."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from aiohttp import web
from sqlalchemy import Engine, text
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session, col, select

from bot.account_health import redact_secrets
from bot.web.keys import CONFIG, ENGINE, VIEWER
from bot.workspace.access import Viewer
from models import Account


def _snapshot(
    engine: Engine, viewer: Viewer | None, secrets: list[str]
) -> tuple[bool, list[dict[str, object]]]:
    try:
        with Session(engine) as session:
            session.exec(text("SELECT 1"))  # type: ignore[call-overload]
            if viewer is None:
                return True, []
            stmt = select(Account)
            allowed = viewer.school_filter()
            if allowed is not None:
                stmt = stmt.where(col(Account.school_id).in_(sorted(allowed)))
            accounts = session.exec(stmt).all()
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
            "last_error": redact_secrets(account.last_error, secrets),
        }
        for account in accounts
    ]


async def healthz(request: web.Request) -> web.Response:
    viewer = request.get(VIEWER)
    secrets = request.app[CONFIG].secret_values() if viewer is not None else []
    database_ok, accounts = await asyncio.to_thread(_snapshot, request.app[ENGINE], viewer, secrets)
    body: dict[str, object] = {"status": "ok" if database_ok else "degraded"}
    if viewer is not None:
        body["database"] = "ok" if database_ok else "unreachable"
        body["accounts"] = accounts
    return web.json_response(body, status=200 if database_ok else 503)
