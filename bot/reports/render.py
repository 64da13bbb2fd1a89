"""The report as email-safe HTML (Jinja2, inline styles, the chart by ``cid:``), text and CSV."""

from __future__ import annotations

import csv
import io
import re
from datetime import date, timedelta
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from bot.labels import Label
from bot.reports.figures import TRUST, ReportFigures
from bot.reports.followers import PLATFORM_NAMES
from bot.reports.moderation import UNCLASSIFIED, Moderation

NO_HUMAN_ACTIONS = "no human actions this week"
COUNT_ONLY_PLATFORMS = ("facebook", "instagram")
"""Platforms that never say who follows: their accounts share one plain note."""
MAX_FOLLOWERS_SHOWN = 40
_LABEL_TITLES = {label.value: label.value.replace("_", " ").capitalize() for label in Label}
_LABEL_TITLES[UNCLASSIFIED] = "Not yet labelled"
ACTION_ROWS = (
    ("hidden_auto", "Hidden automatically"),
    ("hidden_by_staff", "Hidden by staff"),
    ("replies", "Replies sent"),
    ("private_replies", "Private replies sent"),
    ("safeguarding_escalations", "Safeguarding escalations"),
    ("blocks", "Blocks"),
    ("median_first_action", "Median time to first human action"),
    ("past_due_open", "Past due and still open"),
)
_CSV_INJECTION = ("=", "+", "-", "@", "\t", "\r")
_HANDLE = re.compile(r"^@[\w.]{1,64}$")


def format_duration(value: timedelta | None) -> str:
    """``42 min``, ``3 h 05 min``, ``2 d 4 h``; the plain words when there were no actions."""
    if value is None:
        return NO_HUMAN_ACTIONS
    minutes = round(value.total_seconds() / 60)
    if minutes < 60:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        return f"{hours} h {minutes:02d} min"
    days, hours = divmod(hours, 24)
    return f"{days} d {hours} h"


def format_change(value: int | None) -> str:
    if value is None:
        return "not known"
    if value > 0:
        return f"+{value:,}"
    if value < 0:
        return f"−{-value:,}"
    return "no change"


def _count(value: int | None) -> str:
    return "no snapshot" if value is None else f"{value:,}"


def _change_colour(value: int | None) -> str:
    if value is None or value == 0:
        return ""
    return "color:#067647;" if value > 0 else "color:#b42318;"


def _day(value: date) -> str:
    return f"{value.day} {value:%B %Y}"


def moderation_rows(figures: ReportFigures) -> list[tuple[str, str]]:
    """(key, title) of every moderation row, in the order shown."""
    rows = [("comments_read", "Comments read")]
    rows += [
        (f"label:{name}", _LABEL_TITLES.get(name, name)) for name, _ in figures.moderation.by_label
    ]
    return rows + list(ACTION_ROWS)


def moderation_value(moderation: Moderation, key: str) -> int | timedelta | None:
    if key.startswith("label:"):
        return dict(moderation.by_label).get(key.removeprefix("label:"), 0)
    value: int | timedelta | None = getattr(moderation, key)
    return value


def _figure(moderation: Moderation, key: str) -> str:
    value = moderation_value(moderation, key)
    if key == "median_first_action":
        assert value is None or isinstance(value, timedelta)
        return format_duration(value)
    return f"{value:,}"


_ENV = Environment(
    loader=FileSystemLoader(Path(__file__).parent / "templates"),
    autoescape=select_autoescape(["html", "j2"]),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)
_ENV.filters.update(
    day=_day, count=_count, change=format_change, change_colour=_change_colour, figure=_figure
)


def render_html(figures: ReportFigures, image_src: str, image_width: int = 672) -> str:
    """The report page; ``image_src`` is ``cid:...`` in the email, the PNG's file name on disk."""
    local = figures.generated_at.astimezone(figures.week.tz)
    count_only = [a for a in figures.accounts if a.platform in COUNT_ONLY_PLATFORMS]
    names = [
        PLATFORM_NAMES[p] for p in COUNT_ONLY_PLATFORMS if any(a.platform == p for a in count_only)
    ]
    return _ENV.get_template("report.html.j2").render(
        count_only=count_only,
        count_only_platforms=" and ".join(names),
        f=figures,
        trust=figures.scope == TRUST,
        rows=moderation_rows(figures),
        image_src=image_src,
        image_width=image_width,
        tz_name=str(figures.week.tz),
        generated=f"{local:%A} {_day(local.date())} at {local:%H:%M}",
        max_followers=MAX_FOLLOWERS_SHOWN,
    )


def render_text(figures: ReportFigures) -> str:
    """A plain-text summary for mail clients that show no HTML."""
    week = figures.week
    lines = [
        f"{figures.title}: weekly report, week {week.label}",
        f"Monday {_day(week.monday)} to Sunday {_day(week.sunday)}",
        "",
        *figures.summary,
        "",
        "Followers",
    ]
    for account in figures.accounts:
        where = f"{account.school_name}, " if figures.scope == TRUST else ""
        lines.append(
            f"- {where}{account.name} ({account.platform_name}): {_count(account.followers_now)}, "
            f"{format_change(account.change)}"
            + (f", {len(account.flagged)} on the watchlist" if account.flagged else "")
        )
    lines += ["", "Moderation"]
    for key, title in moderation_rows(figures):
        lines.append(f"- {title}: {_figure(figures.moderation, key)}")
    lines += ["", "Accounts that need attention"]
    lines += [
        f"- {a.school_name}, {a.account_name} ({a.platform_name}): {'; '.join(a.problems)}"
        for a in figures.attention
    ] or ["- none: every account is polling normally"]
    lines += ["", *figures.notes, "", "The full report is in this email's HTML part and the CSV."]
    return "\n".join(lines) + "\n"


def _cell(value: object) -> str:
    """Text from the platforms (names, bios) must not become a spreadsheet formula; @handles may."""
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(_CSV_INJECTION) and not _HANDLE.match(value):
        return "'" + value
    return str(value)


CSV_HEADER = ("week", "section", "school", "account", "platform", "item", "value", "detail")


def render_csv(figures: ReportFigures) -> str:
    """Every figure, one per row: week, section, school, account, platform, item, value, detail."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_HEADER)
    label = figures.week.label

    def row(
        section: str,
        school: str,
        account: str,
        platform: str,
        item: str,
        value: object,
        detail: str = "",
    ) -> None:
        writer.writerow(
            [_cell(x) for x in (label, section, school, account, platform, item, value, detail)]
        )

    for a in figures.accounts:
        where = (a.school_name, a.name, a.platform)
        row("followers", *where, "followers_now", a.followers_now)
        row("followers", *where, "followers_before", a.followers_before)
        row("followers", *where, "change", a.change)
        if a.follower_list:
            row("followers", *where, "new_followers", len(a.new_followers))
            row("followers", *where, "watchlist_hits", len(a.flagged))
            row("followers", *where, "lost_followers", a.lost_followers)
        else:
            row("followers", *where, "new_followers", "", a.note)
        for week_label, count in a.weekly:
            row("trend", *where, week_label, count)
        for n in a.new_followers:
            row(
                "new_follower",
                *where,
                n.name,
                f"@{n.username}" if n.username else n.id,
                "; ".join(n.flags),
            )
    scopes = [
        *figures.by_school,
        ("All schools" if figures.scope == TRUST else figures.title, figures.moderation),
    ]
    for school, moderation in scopes:
        for key, _title in moderation_rows(figures):
            value = moderation_value(moderation, key)
            if key == "median_first_action":
                minutes = None if value is None else round(value.total_seconds() / 60, 1)  # type: ignore[union-attr]
                row(
                    "moderation",
                    school,
                    "",
                    "",
                    "median_minutes_to_first_human_action",
                    minutes,
                    "" if minutes is not None else NO_HUMAN_ACTIONS,
                )
            else:
                row("moderation", school, "", "", key, value)
    for attention in figures.attention:
        for problem in attention.problems:
            where = (attention.school_name, attention.account_name, attention.platform)
            row("attention", *where, "problem", "", problem)
    for note in figures.notes:
        row("note", "", "", "", "note", "", note)
    return out.getvalue()
