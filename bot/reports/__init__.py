"""The weekly follower-monitoring report: figures from the database, HTML, CSV and a chart."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Engine

from bot.config import Config
from bot.notify import Mailer
from bot.reports.build import Report, build_reports
from bot.reports.deliver import send_report, write_report
from bot.reports.period import Week, WeekError, last_complete_week, parse_week

_LOGGER = logging.getLogger(__name__)


async def send_weekly(
    engine: Engine,
    config: Config,
    mailer: Mailer,
    week: Week | str | None = None,
    *,
    now: datetime | None = None,
    out_dir: Path | None = None,
) -> list[Path]:
    """Build every report of ``week`` (default: the last complete one), write and email them.

    The scheduler's Monday 07:00 job. Returns the files written; a report that cannot be
    emailed is logged and the others still go.
    """
    now = now or datetime.now(UTC)
    reports = await asyncio.to_thread(build_reports, engine, config, week, None, now=now)
    folder = out_dir or config.reports.dir
    written: list[Path] = []
    for report in reports:
        written += await asyncio.to_thread(write_report, report, folder)
    sent = 0
    if not config.email.enabled and config.email.maildir is None:
        _LOGGER.info("email is off in the config: weekly reports written, not sent")
    else:
        for report in reports:
            sent += await send_report(mailer, report)
    _LOGGER.info(
        "weekly reports for %s: %s written to %s, %s emailed",
        reports[0].week if reports else week,
        len(reports),
        folder,
        sent,
    )
    return written


__all__ = [
    "Report",
    "Week",
    "WeekError",
    "build_reports",
    "last_complete_week",
    "parse_week",
    "send_weekly",
    "write_report",
]
