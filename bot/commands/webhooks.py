"""``hallmonitor webhooks subscribe``: install the Meta app on each Page and Instagram account."""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from collections.abc import Mapping

import aiohttp

from bot.config import Config, ConfigError, load_config
from bot.runtime import graph_connector
from connectors import ConnectorError, Platform
from connectors.graph_connector import GraphConnector


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser("webhooks", help="Meta webhook subscriptions")
    commands = parser.add_subparsers(dest="webhooks_command", metavar="ACTION", required=True)
    subscribe = commands.add_parser(
        "subscribe", help="subscribe each Facebook Page and Instagram account, and report"
    )
    subscribe.set_defaults(handler=subscribe_command, only_report=False)
    status = commands.add_parser("status", help="report what each account is subscribed to")
    status.set_defaults(handler=subscribe_command, only_report=True)


def subscribe_command(args: argparse.Namespace) -> int:
    try:
        config = load_config(args.config)
    except ConfigError as exc:
        print(exc, file=sys.stderr)
        return 1
    lines, failed = asyncio.run(subscribe_all(config, os.environ, only_report=args.only_report))
    for line in lines:
        print(line)
    return 1 if failed else 0


async def subscribe_all(
    config: Config, environ: Mapping[str, str], *, only_report: bool = False
) -> tuple[list[str], int]:
    """One line per Meta account: what it is subscribed to now, or why it could not be."""
    lines: list[str] = []
    failed = 0
    async with aiohttp.ClientSession() as http:
        for school in config.schools:
            for account in school.accounts:
                if account.platform is Platform.X:
                    continue
                name = f"{school.id} {account.platform.value} {account.account_id}"
                token = environ.get(account.token_env)
                if not token:
                    lines.append(f"{name}: not subscribed: {account.token_env} is not set")
                    failed += 1
                    continue
                connector = graph_connector(config, account, token, http, environ)
                assert isinstance(connector, GraphConnector)
                try:
                    if not only_report:
                        await connector.subscribe_webhooks()
                    fields = await connector.subscribed_fields()
                except ConnectorError as exc:
                    lines.append(f"{name}: failed: {type(exc).__name__}: {exc}")
                    failed += 1
                    continue
                missing = sorted(set(connector.webhook_fields) - set(fields))
                state = ", ".join(fields) if fields else "nothing"
                lines.append(
                    f"{name}: subscribed to {state}"
                    + (f" (missing {', '.join(missing)})" if missing else "")
                )
                failed += bool(missing)
    return lines, failed
