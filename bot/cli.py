"""The ``hallmonitor`` command line: one sub-command per job, each registered by its module."""

from __future__ import annotations

import argparse
import importlib
import logging
import os
import sys
from collections.abc import Callable, Sequence

from sqlalchemy.exc import OperationalError

from bot.logs import configure_logging

_COMMAND_MODULES = (
    "bot.commands.run",
    "bot.commands.demo",
    "bot.commands.db",
    "bot.commands.check_config",
    "bot.commands.users",
    "bot.classifier.commands",
    "bot.commands.report",
    "bot.commands.webhooks",
    "connectors.simulator.command",
)

Handler = Callable[[argparse.Namespace], int]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="hallmonitor",
        description="Moderation bot for UK school trusts' Facebook, Instagram and X accounts.",
    )
    parser.add_argument(
        "--config",
        default=os.environ.get("HALLMONITOR_CONFIG", "config.toml"),
        help="path to the TOML config (default: $HALLMONITOR_CONFIG or ./config.toml)",
    )
    parser.add_argument("--log-level", default="INFO", help="DEBUG, INFO, WARNING or ERROR")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in _COMMAND_MODULES:
        module = importlib.import_module(name)
        module.register(subparsers)
    _accept_global_options(subparsers)
    return parser


def _accept_global_options(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """``hallmonitor report --config x.toml`` works as well as ``hallmonitor --config x.toml
    report``: every command (and sub-command) takes the global options too, and one given
    after the command wins. Their default is left to the top level."""
    for command in set(subparsers.choices.values()):
        command.add_argument("--config", default=argparse.SUPPRESS, help="path to the TOML config")
        command.add_argument("--log-level", default=argparse.SUPPRESS, help=argparse.SUPPRESS)
        for action in command._actions:
            if isinstance(action, argparse._SubParsersAction):
                _accept_global_options(action)


def _database_problem(exc: OperationalError) -> str:
    """The driver's own first line (it names host, port and database, never the password)."""
    reason = str(exc.orig if exc.orig is not None else exc).strip().splitlines()
    return (
        f"error: cannot open the database in database.url: {reason[0] if reason else exc}\n"
        "Check the URL, that the server is running, and that the database exists "
        "(PostgreSQL: createdb NAME)."
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    handler: Handler | None = getattr(args, "handler", None)
    if handler is None:
        parser.print_help()
        return 2
    configure_logging(args.log_level)
    try:
        return handler(args)
    except OperationalError as exc:
        print(_database_problem(exc), file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        logging.getLogger(__name__).info("interrupted")
        return 130


if __name__ == "__main__":
    sys.exit(main())
