"""Alerts: the DSL's safeguarding email, escalations, and account-health notices to admins.

The email carries what the DSL needs to act; a webhook (Teams or Slack) carries only the
school, platform, label and a dashboard link, never the comment's text.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlmodel import Session, select

from bot.config import Config
from bot.notify import Email
from models import Account, Action, ActionKind, ActionStatus, Comment, QueueItem

UNDELIVERED = "undelivered"
"""The reason of the notice that tells the trust admin an alert has not been delivered."""


class AlertError(Exception):
    """The alert cannot be composed (nobody to send it to, or the comment is gone)."""


@dataclass(frozen=True, slots=True)
class Alert:
    """An email with a fixed Message-ID (so a resend is recognisable), and a webhook post."""

    email: Email
    webhook_url: str | None
    webhook_text: str | None

    @property
    def message_id(self) -> str:
        assert self.email.message_id is not None
        return self.email.message_id


def _done_so_far(session: Session, comment_id: int) -> str:
    actions = session.exec(
        select(Action).where(Action.comment_id == comment_id, Action.kind == ActionKind.HIDE)
    ).all()
    if any(action.status is ActionStatus.DONE for action in actions):
        return "The comment has been hidden from public view."
    if actions:
        return "Hallmonitor is hiding the comment from public view now."
    return "The comment has not been hidden."


def compose(
    session: Session, action: Action, config: Config, environ: Mapping[str, str] = os.environ
) -> Alert:
    reason = str(action.payload.get("reason", "safeguarding"))
    message_id = f"<hallmonitor-{action.idempotency_key.replace(':', '-')}@hallmonitor.local>"
    if reason == "account_health":
        return _account_health(action, config, message_id)
    if reason == UNDELIVERED:
        return _undelivered(session, action, config, message_id, environ)
    if reason == "webhooks_silent":
        return _webhooks_silent(action, config, message_id)
    comment = session.get(Comment, action.comment_id) if action.comment_id else None
    if comment is None or comment.id is None:
        raise AlertError("the alert's comment is not stored")
    school = config.school(comment.school_id)
    if not school.dsl_emails:
        raise AlertError(f"school {school.id} has no dsl_emails configured")
    item = session.exec(select(QueueItem).where(QueueItem.comment_id == comment.id)).first()
    link = f"{config.dashboard.base_url.rstrip('/')}/items/{item.id}" if item else None
    local = comment.created_at.astimezone(ZoneInfo(config.trust.timezone))
    label = "Safeguarding concern" if reason == "safeguarding" else "Escalated to the DSL"
    note = str(action.payload.get("note") or "")
    lines = [
        f"{label} on {school.name}'s {comment.platform.title()} account.",
        "",
        f"School:   {school.name}",
        f"Platform: {comment.platform}",
        f"Posted:   {local:%A %d %B %Y at %H:%M} ({config.trust.timezone})",
        f"Author:   {comment.author_name} (id {comment.author_id})",
        f"Link:     {comment.permalink or 'not given by the platform'}",
        "",
        "The comment:",
        comment.text,
        "",
        f"What was done: {_done_so_far(session, comment.id)}",
    ]
    if note:
        lines += ["", f"Note from staff: {note}"]
    if link:
        lines += ["", f"Open it in Hallmonitor: {link}"]
    lines += ["", "Do not reply to the comment in public."]
    email = Email(
        to=list(school.dsl_emails),
        subject=f"[Hallmonitor] {label}: {school.name} ({comment.platform})",
        text="\n".join(lines),
        message_id=message_id,
    )
    webhook_url = environ.get(school.webhook_url_env) if school.webhook_url_env else None
    webhook_text = (
        f"Hallmonitor: {label.lower()} at {school.name} on {comment.platform}. "
        f"Open the dashboard: {link or config.dashboard.base_url}"
    )
    return Alert(email, webhook_url, webhook_text if webhook_url else None)


def _account_health(action: Action, config: Config, message_id: str) -> Alert:
    if not config.trust.admin_emails:
        raise AlertError("trust.admin_emails is empty: nobody to tell about the account")
    account = str(action.payload.get("account", "an account"))
    problem = str(action.payload.get("problem", "stopped working"))
    advice = str(action.payload.get("advice", ""))
    paused = (
        f"Hallmonitor cannot hide or reply on {account}: {problem}. Hides and replies wait "
        "and go out once it is fixed."
        if action.payload.get("acting")
        else f"Hallmonitor has paused polling {account}: {problem}."
    )
    text = (
        f"{paused}\n\n{advice}\n\n"
        f"Account health: {config.dashboard.base_url.rstrip('/')}/accounts\n"
        "The other accounts carry on as normal. You will not be emailed again about this "
        "account until it has worked again."
    )
    return _to_admins(config, f"[Hallmonitor] Action needed: {account}", text, message_id)


def _to_admins(config: Config, subject: str, text: str, message_id: str) -> Alert:
    email = Email(
        to=list(config.trust.admin_emails), subject=subject, text=text, message_id=message_id
    )
    return Alert(email, None, None)


def _undelivered(
    session: Session,
    action: Action,
    config: Config,
    message_id: str,
    environ: Mapping[str, str],
) -> Alert:
    """Names the school and where to look, never the comment: it may go to a chat channel."""
    url = environ.get(config.trust.admin_webhook_url_env or "") or None
    if not url and not config.trust.admin_emails:
        raise AlertError("neither trust.admin_webhook_url_env nor trust.admin_emails is set")
    alert = session.get(Action, action.payload.get("alert_id"))
    if alert is None:
        raise AlertError("the undelivered alert is not stored")
    comment = session.get(Comment, alert.comment_id) if alert.comment_id else None
    account = session.get(Account, alert.account_id) if alert.account_id else None
    school_id = comment.school_id if comment else account.school_id if account else None
    school = next((s.name for s in config.schools if s.id == school_id), "a school")
    what = {"account_health": "an account notice"}.get(
        str(alert.payload.get("reason")), "a safeguarding alert to the DSL"
    )
    base = config.dashboard.base_url.rstrip("/")
    link = f"{base}/items/{alert.queue_item_id}" if alert.queue_item_id else f"{base}/accounts"
    local = alert.created_at.astimezone(config.trust.tz)
    text = (
        f"Hallmonitor: {what} for {school} has not been delivered by email since "
        f"{local:%d %B %Y at %H:%M} ({alert.last_error or 'not sent yet'}). It is retried "
        f"until it goes. Please tell the DSL another way, and check the mail server. "
        f"Open it in Hallmonitor: {link}"
    )
    email = Email(
        to=list(config.trust.admin_emails),
        subject=f"[Hallmonitor] Not delivered: {what} for {school}",
        text=text,
        message_id=message_id,
    )
    return Alert(email, url, text if url else None)


def _webhooks_silent(action: Action, config: Config, message_id: str) -> Alert:
    if not config.trust.admin_emails:
        raise AlertError("trust.admin_emails is empty: nobody to tell about the account")
    account = str(action.payload.get("account", "an account"))
    hours = config.webhooks.silent_after_hours
    text = (
        f"Meta has sent no webhook for {account} in {hours:g} hours. Hallmonitor polls it at its "
        "normal interval again, so nothing is missed, but hides and alerts now wait for the "
        "poll instead of arriving in seconds.\n\n"
        "If the account is simply quiet, nothing is wrong. Otherwise check the Meta app's "
        "webhook settings, run `hallmonitor webhooks subscribe`, and check that the reverse "
        "proxy passes /webhooks/meta (README: Meta webhooks).\n\n"
        "You will not be emailed again about this account until its webhooks have worked again."
    )
    return _to_admins(config, f"[Hallmonitor] Webhooks silent: {account}", text, message_id)


def account_label(account: Account) -> str:
    name = account.name or account.platform_account_id
    return f"{account.school_id}'s {account.platform} account {name}"
