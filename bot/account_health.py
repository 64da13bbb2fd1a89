"""Each platform account's polling health, and what to do about it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session, col, or_, select

from bot.alerts import UNDELIVERED
from bot.config import Config
from bot.workspace.access import Viewer
from connectors.scrub import Scrubber
from models import Account, Action, ActionKind, ActionStatus, Comment, Role, School


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


def redact_secrets(text: str | None, secrets: list[str]) -> str | None:
    """``text`` with every known secret replaced (a last guard: connectors scrub first)."""
    if text is None:
        return None
    return Scrubber([secret for secret in secrets if len(secret) >= 6], mask="[redacted]")(text)


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
    if account.action_error:
        env = _token_env(config, account) or "the account's token variable"
        return "error", (
            "The platform refused to hide or reply with this account's token (see the last "
            "error). Hides and replies are waiting, not lost. Grant the permissions listed in "
            f"the README or make a new token, put it in {env}, and restart Hallmonitor: they "
            "go out then."
        )
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
                last_error=redact_secrets(account.action_error or account.last_error, secrets),
                paused_until=account.paused_until,
                needs_token=account.needs_token,
                state=state,
                advice=advice,
            )
        )
    return out


@dataclass(frozen=True, slots=True)
class UndeliveredAlert:
    """An alert email that has not gone out: the trust admin must tell the DSL another way."""

    school_name: str
    what: str
    since: datetime
    attempts: int
    error: str
    gave_up: bool
    queue_item_id: int | None


def undelivered_alerts(
    session: Session, viewer: Viewer, config: Config, *, now: datetime
) -> list[UndeliveredAlert]:
    """Alerts failed, or still not delivered after ``email.undelivered_alert_minutes``.

    Trust admins see every school's, a DSL their schools'; champions none (they may be
    about safeguarding).
    """
    if not viewer.is_admin and viewer.role is not Role.DSL:
        return []
    limit = now - timedelta(minutes=config.email.undelivered_alert_minutes)
    stmt = (
        select(Action, Comment.school_id, Account.school_id)
        .outerjoin(Comment, col(Comment.id) == Action.comment_id)
        .outerjoin(Account, col(Account.id) == Action.account_id)
        .where(
            Action.kind == ActionKind.ALERT,
            or_(
                Action.status == ActionStatus.FAILED,
                col(Action.status).in_((ActionStatus.PENDING, ActionStatus.IN_FLIGHT))
                & (col(Action.attempts) > 0)
                & (col(Action.created_at) <= limit),
            ),
        )
        .order_by(col(Action.created_at))
    )
    names = {school.id: school.name for school in config.schools}
    out = []
    for action, comment_school, account_school in session.exec(stmt).all():
        school_id = comment_school or account_school
        if action.payload.get("reason") == UNDELIVERED or not (
            school_id and viewer.reads_restricted(school_id)
        ):
            continue
        out.append(
            UndeliveredAlert(
                school_name=names.get(school_id, school_id),
                what=_ALERT_NAMES.get(str(action.payload.get("reason")), "alert to the DSL"),
                since=action.created_at,
                attempts=action.attempts,
                error=redact_secrets(action.last_error, config.secret_values()) or "",
                gave_up=action.status is ActionStatus.FAILED,
                queue_item_id=action.queue_item_id,
            )
        )
    return out


_ALERT_NAMES = {
    "safeguarding": "safeguarding alert to the DSL",
    "escalated": "escalation to the DSL",
    "account_health": "account notice to the trust admin",
}
