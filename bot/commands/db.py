"""``hallmonitor db upgrade``: bring the database schema up to date."""

from __future__ import annotations

import argparse
import sys

from bot.config import ConfigError, load_config
from models import make_engine
from models.migrate import current_revision, upgrade


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser("db", help="database maintenance")
    db_commands = parser.add_subparsers(dest="db_command", metavar="ACTION", required=True)
    up = db_commands.add_parser("upgrade", help="apply the schema migrations")
    up.add_argument("--url", help="database URL (default: the config's database.url)")
    up.set_defaults(handler=db_upgrade)


def db_upgrade(args: argparse.Namespace) -> int:
    url = args.url
    if url is None:
        try:
            url = load_config(args.config).database.url
        except ConfigError as exc:
            print(exc, file=sys.stderr)
            return 1
    engine = make_engine(url)
    upgrade(engine)
    print(f"database at revision {current_revision(engine)}")
    engine.dispose()
    return 0
