"""``hallmonitor user add``: create a dashboard user."""

from __future__ import annotations

import argparse
import getpass
import sys

from bot.config import ConfigError, load_config
from bot.workspace.users import UserError, create_user
from models import Role, make_engine, session_scope
from models.migrate import upgrade


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser("user", help="dashboard users")
    actions = parser.add_subparsers(dest="user_command", metavar="ACTION", required=True)
    add = actions.add_parser("add", help="create a user (asks for the password, or reads stdin)")
    add.add_argument("email")
    add.add_argument("--role", choices=[role.value for role in Role], required=True)
    add.add_argument("--school", action="append", default=[], help="school id (repeatable)")
    add.add_argument("--name", default="")
    add.add_argument("--password-stdin", action="store_true", help="read the password from stdin")
    add.set_defaults(handler=user_add)


def _read_password(from_stdin: bool) -> str:
    if from_stdin or not sys.stdin.isatty():
        return sys.stdin.readline().rstrip("\n")
    first = getpass.getpass("Password: ")
    if getpass.getpass("Again: ") != first:
        raise UserError("the two passwords differ")
    return first


def user_add(args: argparse.Namespace) -> int:
    try:
        config = load_config(args.config)
        password = _read_password(args.password_stdin)
        engine = make_engine(config.database.url)
        upgrade(engine)
        from bot.sync import sync_config

        with session_scope(engine) as session:
            sync_config(session, config)
            user = create_user(
                session,
                email=args.email,
                password=password,
                role=Role(args.role),
                schools=args.school,
                name=args.name,
            )
        print(f"created {user.role.value} {user.email}")
        return 0
    except (ConfigError, UserError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
