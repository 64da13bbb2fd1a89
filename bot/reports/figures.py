"""Every figure of a weekly report, as plain dataclasses computed from the database."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, select

from bot.config import Config, SchoolConfig
from bot.reports.followers import PLATFORM_NAMES, AccountFigures, Watchlist, account_figures
from bot.reports.moderation import Moderation, moderation
from bot.reports.period import Week, trailing_weeks
from models import Account

TREND_WEEKS = 12
TRUST = "trust"
EXPIRY_NOTE = (
    "Token expiry dates are not known to Hallmonitor yet: a token shows here only once "
    "a platform has refused it."
)
_PLATFORM_ORDER = {"facebook": 0, "instagram": 1, "x": 2}


@dataclass(frozen=True, slots=True)
class Attention:
    """An account that needs someone to look at it, and why."""

    school_name: str
    platform: str
    account_name: str
    problems: tuple[str, ...]

    @property
    def platform_name(self) -> str:
        return PLATFORM_NAMES.get(self.platform, self.platform)


@dataclass(frozen=True, slots=True)
class ReportFigures:
    scope: str
    """A school id, or ``trust``."""
    title: str
    trust_name: str
    week: Week
    generated_at: datetime
    accounts: tuple[AccountFigures, ...]
    moderation: Moderation
    by_school: tuple[tuple[str, Moderation], ...]
    """Per school, in the trust report only."""
    attention: tuple[Attention, ...]
    notes: tuple[str, ...]

    @property
    def summary(self) -> tuple[str, str, str]:
        """Three lines a head teacher reads first: what happened, what needs them, what changed."""
        m = self.moderation
        hidden = m.hidden_auto + m.hidden_by_staff
        answered = m.replies + m.private_replies
        happened = (
            f"What happened: {m.comments_read:,} comment{'s' if m.comments_read != 1 else ''} "
            f"read, {hidden:,} hidden, {answered:,} answered"
            + (
                f", {m.safeguarding_escalations} passed to the DSL"
                if m.safeguarding_escalations
                else ""
            )
            + "."
        )
        needs = []
        if m.past_due_open:
            needs.append(f"{m.past_due_open} item{'s' if m.past_due_open != 1 else ''} past due")
        hits = sum(len(a.flagged) for a in self.accounts)
        if hits:
            needs.append(f"{hits} new follower{'s' if hits != 1 else ''} on the watchlist")
        if self.attention:
            count = len(self.attention)
            needs.append(f"{count} account{'s' if count != 1 else ''} to fix")
        needs_you = "What needs you: " + ("; ".join(needs) if needs else "nothing this week") + "."
        changes = [a.change for a in self.accounts if a.change is not None]
        if changes:
            total = sum(changes)
            changed = (
                f"What changed: followers {'up' if total > 0 else 'down' if total < 0 else 'level'}"
                f"{f' by {abs(total):,}' if total else ''} across {len(changes)} "
                f"account{'s' if len(changes) != 1 else ''}."
            )
        else:
            changed = "What changed: no follower counts were taken this week."
        return happened, needs_you, changed

    @property
    def trend_weeks(self) -> tuple[str, ...]:
        return tuple(label for label, _ in self.accounts[0].weekly) if self.accounts else ()


def _attention(account: Account, school_name: str, now: datetime, week: Week) -> Attention | None:
    problems = []
    error = (account.last_error or "").strip()[:300]
    if account.needs_token:
        problems.append("needs a new access token: the platform refused it (expired or revoked)")
    if error and "permission" in error.casefold():
        problems.append(f"a permission is missing (last error: {error})")
    elif error and not account.needs_token:
        problems.append(f"the last poll failed: {error}")
    if account.paused_until is not None and account.paused_until > now:
        local = account.paused_until.astimezone(week.tz)
        problems.append(f"polling paused until {local:%a %d %b %Y %H:%M}")
    if not problems:
        return None
    return Attention(
        school_name=school_name,
        platform=account.platform,
        account_name=account.name or account.platform_account_id,
        problems=tuple(problems),
    )


def _accounts(session: Session, schools: Sequence[SchoolConfig]) -> list[tuple[Account, str]]:
    """The configured accounts of ``schools``, in config order of schools, then by platform."""
    out = []
    for school in schools:
        configured = {(a.platform.value, a.account_id) for a in school.accounts}
        rows = session.exec(select(Account).where(Account.school_id == school.id)).all()
        chosen = [row for row in rows if (row.platform, row.platform_account_id) in configured]
        chosen.sort(key=lambda row: (_PLATFORM_ORDER.get(row.platform, 9), row.name, row.id))
        out += [(row, school.name) for row in chosen]
    return out


def compute_figures(
    session: Session,
    config: Config,
    week: Week,
    now: datetime,
    school_id: str | None = None,
) -> ReportFigures:
    """The figures of one school's report, or of the trust's when ``school_id`` is None."""
    schools = list(config.schools) if school_id is None else [config.school(school_id)]
    weeks = trailing_weeks(week, TREND_WEEKS)
    watchlist = Watchlist(config.reports.watchlist)
    accounts = _accounts(session, schools)
    figures = tuple(
        account_figures(session, account, school_name, weeks, watchlist)
        for account, school_name in accounts
    )
    attention = tuple(
        found
        for account, school_name in accounts
        if (found := _attention(account, school_name, now, week)) is not None
    )
    school_ids = [school.id for school in schools]
    by_school: tuple[tuple[str, Moderation], ...] = ()
    if school_id is None:
        by_school = tuple(
            (school.name, moderation(session, [school.id], week)) for school in schools
        )
    return ReportFigures(
        scope=TRUST if school_id is None else school_id,
        title=config.trust.name if school_id is None else schools[0].name,
        trust_name=config.trust.name,
        week=week,
        generated_at=now,
        accounts=figures,
        moderation=moderation(session, school_ids, week),
        by_school=by_school,
        attention=attention,
        notes=(EXPIRY_NOTE, *watchlist.problems),
    )
