"""``hallmonitor report``: the weekly follower-monitoring report, written and optionally sent."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from bot.config import Config, ConfigError, load_config

if TYPE_CHECKING:
    from bot.reports.build import Report

_LOGGER = logging.getLogger(__name__)


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser("report", help="write (and send) the weekly report")
    parser.add_argument("--week", help="ISO week, e.g. 2026-W47 (default: the last complete week)")
    parser.add_argument("--school", help="one school's report only (its id)")
    parser.add_argument("--out", type=Path, help="folder to write to (default: reports.dir)")
    parser.add_argument("--send", action="store_true", help="email it as well")
    parser.set_defaults(handler=report)


def _send(config: Config, reports: list[Report]) -> int:
    """Email each report to its recipients; 1 if any could not be sent."""
    from bot.notify import Mailer
    from bot.reports.deliver import send_report

    if not config.email.enabled and config.email.maildir is None:
        print(
            "error: --send asked, but email is not enabled in the config "
            "(set email.enabled = true, or email.maildir to keep .eml files)",
            file=sys.stderr,
        )
        return 1
    mailer = Mailer(config.email)

    async def _all() -> int:
        failed = 0
        for item in reports:
            if not item.recipients:
                print(f"not sent: no recipients configured for the {item.scope} report")
            elif await send_report(mailer, item):
                print(f"sent the {item.scope} report to {', '.join(item.recipients)}")
            else:
                failed += 1
        return failed

    failed = asyncio.run(_all())
    if failed:
        print(f"error: {failed} report(s) could not be sent (see the log)", file=sys.stderr)
        return 1
    return 0


def report(args: argparse.Namespace) -> int:
    from bot.reports import WeekError, build_reports, parse_week, write_report
    from bot.sync import sync_config
    from models import make_engine, session_scope
    from models.migrate import upgrade

    try:
        config = load_config(args.config)
    except ConfigError as exc:
        print(exc, file=sys.stderr)
        return 1
    try:
        week = parse_week(args.week, config.trust.tz) if args.week else None
    except WeekError as exc:
        print(f"error: --week: {exc}", file=sys.stderr)
        return 2
    if args.school is not None and args.school not in {s.id for s in config.schools}:
        known = ", ".join(s.id for s in config.schools) or "none configured"
        print(
            f"error: --school: no school {args.school!r} in the config (known: {known})",
            file=sys.stderr,
        )
        return 2
    engine = make_engine(config.database.url)
    try:
        upgrade(engine)
        with session_scope(engine) as session:
            sync_config(session, config)
        reports = build_reports(engine, config, week, args.school)
    finally:
        engine.dispose()
    out_dir: Path = args.out or config.reports.dir
    for item in reports:
        for path in write_report(item, out_dir):
            print(path)
    if reports:
        print(f"week {reports[0].week.label}: {len(reports)} report(s) written to {out_dir}")
    if args.send:
        return _send(config, reports)
    return 0
