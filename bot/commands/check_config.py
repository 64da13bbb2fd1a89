"""``hallmonitor check-config``: validate a config and say what is missing."""

from __future__ import annotations

import argparse
import os
import sys

from bot.config import ConfigError, load_config
from bot.responses import template_problems


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser("check-config", help="validate a config file")
    parser.add_argument("path", nargs="?", help="config file (default: --config)")
    parser.set_defaults(handler=check_config)


def check_config(args: argparse.Namespace) -> int:
    path = args.path or args.config
    try:
        config = load_config(path)
    except ConfigError as exc:
        print(exc, file=sys.stderr)
        return 1
    problems = template_problems(config)
    for problem in problems:
        print(f"{path}: {problem}", file=sys.stderr)
    if problems:
        return 1
    accounts = sum(len(school.accounts) for school in config.schools)
    schools = len(config.schools)
    print(f"ok: {path}: trust {config.trust.name!r}, {schools} schools, {accounts} accounts")
    for school in config.schools:
        platforms = ", ".join(f"{a.platform.value}:{a.account_id}" for a in school.accounts)
        print(f"  {school.id}: {school.name} ({platforms or 'no accounts'})")
    missing = config.missing_env(os.environ)
    if missing:
        print("token variables not set: " + ", ".join(missing))
    else:
        print("all token variables are set")
    return 0
