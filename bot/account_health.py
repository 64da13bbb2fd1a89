"""Each platform account's polling health, and what to do about it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session, col, select

from bot.config import Config
from bot.workspace.access import Viewer
from models import Account, School


@dataclass(frozen=True, slots=True)
class AccountHealth:
    school_name: str
    platform: str
    name: str
    last_poll_at: datetime | None
    last_success_at: datetime | None
    last_error: str | None
    paused_until: datetime | None
    needs_token: bool
    state: str
    """``ok``, ``warning`` or ``error``."""
    advice: str


def _redact(text: str | None, secrets: list[str]) -> str | None:
    if text is None:
        return None
    for secret in secrets:
        if len(secret) >= 6:
            text = text.replace(secret, "[redacted]")
    return text


def _token_env(config: Config, account: Account) -> str | None:
    for school in config.schools:
        for entry in school.accounts:
            if entry.platform.value == account.platform and entry.account_id == (
                account.platform_account_id
            ):
                return entry.token_env
    return None


def _interval(config: Config, account: Account) -> timedelta:
    for school in config.schools:
        for entry in school.accounts:
            if entry.platform.value == account.platform and entry.account_id == (
                account.platform_account_id
            ):
                return timedelta(minutes=entry.poll_interval_minutes)
    return timedelta(minutes=5)


def _advise(config: Config, account: Account, now: datetime) -> tuple[str, str]:
    if account.needs_token:
        env = _token_env(config, account) or "the account's token variable"
        return "error", (
            f"The platform refused the access token. Create a new token for this account, put "
            f"it in the environment variable {env}, and restart Hallmonitor. Polling stays "
            "paused until then; nothing is lost."
        )
    if account.paused_until is not None and account.paused_until > now:
        return "warning", (
            "The platform asked us to slow down, so polling is paused until the time shown. "
            "Nothing to do: it resumes by itself and catches up."
        )
    if account.last_poll_at is None:
        return "warning", "Not polled yet. Check that Hallmonitor is running (hallmonitor run)."
    stale = now - 3 * _interval(config, account)
    if account.last_error and (account.last_success_at is None or account.last_success_at < stale):
        return "error", (
            "Recent polls failed. They are retried automatically; if this lasts more than an "
            "hour, check the platform's status page and that the account still grants the "
            "permissions Hallmonitor needs."
        )
    if account.last_success_at is None or account.last_success_at < stale:
        return "warning", "No successful poll recently. Check that Hallmonitor is running."
    return "ok", "Working normally."


def account_health(
    session: Session, viewer: Viewer, config: Config, *, now: datetime
) -> list[AccountHealth]:
    stmt = select(Account, School.name).join(School, col(School.id) == Account.school_id)
    allowed = viewer.school_filter()
    if allowed is not None:
        stmt = stmt.where(col(Account.school_id).in_(sorted(allowed)))
    stmt = stmt.order_by(col(School.name), col(Account.platform), col(Account.name))
    secrets = config.secret_values()
    out = []
    for account, school_name in session.exec(stmt).all():
        state, advice = _advise(config, account, now)
        out.append(
            AccountHealth(
                school_name=school_name,
                platform=account.platform,
                name=account.name or account.platform_account_id,
                last_poll_at=account.last_poll_at,
                last_success_at=account.last_success_at,
                last_error=_redact(account.last_error, secrets),
                paused_until=account.paused_until,
                needs_token=account.needs_token,
                state=state,
                advice=advice,
            )
        )
    return out
