"""A weekly report built for one scope: its figures, rendered as HTML, text, CSV and a PNG."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Engine

from bot.config import Config
from bot.reports.chart import trend_png
from bot.reports.figures import TREND_WEEKS, TRUST, ReportFigures, compute_figures
from bot.reports.period import Week, last_complete_week, parse_week, trailing_weeks
from bot.reports.render import render_csv, render_html, render_text
from models import session_scope

_LOGGER = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Report:
    figures: ReportFigures
    recipients: tuple[str, ...]
    chart_png: bytes
    csv: str
    text: str
    html: str
    """For the email: the chart is ``cid:{chart_cid}``."""
    html_file: str
    """For the reports folder: the chart is the PNG beside it."""

    @property
    def scope(self) -> str:
        return self.figures.scope

    @property
    def week(self) -> Week:
        return self.figures.week

    @property
    def chart_cid(self) -> str:
        return chart_cid(self.scope)

    @property
    def subject(self) -> str:
        return f"{self.figures.title}: weekly report, week {self.week.label}"


def chart_cid(scope: str) -> str:
    return f"chart-{scope}@hallmonitor"


def resolve_week(config: Config, week: Week | str | None, now: datetime) -> Week:
    """A :class:`Week` from a label like ``2026-W47``; the last complete week when None."""
    if week is None:
        return last_complete_week(now, config.trust.tz)
    if isinstance(week, str):
        return parse_week(week, config.trust.tz)
    return week


def build_reports(
    engine: Engine,
    config: Config,
    week: Week | str | None = None,
    school_id: str | None = None,
    *,
    now: datetime | None = None,
) -> list[Report]:
    """One report per school then the trust's; or the one school's only when ``school_id``.

    Raises :class:`KeyError` for a school not in the config, ``WeekError`` for a bad week.
    """
    now = now or datetime.now(UTC)
    resolved = resolve_week(config, week, now)
    if school_id is not None:
        config.school(school_id)
        scopes: list[str | None] = [school_id]
    else:
        scopes = [school.id for school in config.schools]
        scopes.append(None)
    weeks = trailing_weeks(resolved, TREND_WEEKS)
    reports = []
    with session_scope(engine) as session:
        for scope in scopes:
            figures = compute_figures(session, config, resolved, now, scope)
            if scope is None:
                recipients = tuple(config.reports.trust_recipients)
            else:
                recipients = tuple(config.school(scope).report_recipients)
            png = trend_png(figures.accounts, weeks)
            reports.append(
                Report(
                    figures=figures,
                    recipients=recipients,
                    chart_png=png,
                    csv=render_csv(figures),
                    text=render_text(figures),
                    html=render_html(figures, f"cid:{chart_cid(figures.scope)}"),
                    html_file=render_html(figures, f"{figures.scope}.png"),
                )
            )
            _LOGGER.debug("built the %s report for %s", figures.scope, resolved.label)
    return reports


__all__ = ["TRUST", "Report", "build_reports", "chart_cid", "resolve_week"]
