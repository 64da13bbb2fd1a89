"""``hallmonitor run``: the bot, around the clock (or ``--once``)."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys

from bot.config import Config, ConfigError, load_config

_LOGGER = logging.getLogger(__name__)


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser("run", help="run the bot (and its dashboard)")
    parser.add_argument(
        "--once", action="store_true", help="poll every account once, drain the outbox and exit"
    )
    parser.add_argument("--no-dashboard", action="store_true", help="do not serve the dashboard")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    try:
        config = load_config(args.config)
    except ConfigError as exc:
        print(exc, file=sys.stderr)
        return 1
    problem = None
    if not (args.once or args.no_dashboard):
        from bot.web.security import session_key_problem

        problem = session_key_problem(config)
    if problem:
        print(f"{args.config}: dashboard.secret_key_env: {problem}", file=sys.stderr)
        return 1
    if args.once:
        return asyncio.run(_once(config))
    asyncio.run(_forever(config, serve_dashboard=not args.no_dashboard))
    return 0


async def _once(config: Config) -> int:
    from bot.runtime import Bot

    bot = await Bot.create(config)
    try:
        reports = await bot.run_once()
    finally:
        await bot.stop()
    for report in reports:
        _LOGGER.info(
            "polled: read %d, new %d%s",
            report.fetched,
            report.stored,
            f", {report.error or report.skipped}" if report.error or report.skipped else "",
            extra={"account": report.account_id},
        )
    return 0


async def _forever(config: Config, *, serve_dashboard: bool) -> None:
    from bot.runtime import Bot

    bot = await Bot.create(config)
    try:
        await bot.start(serve_dashboard=serve_dashboard)
        await bot.run_until_stopped()
    finally:
        await bot.stop()
