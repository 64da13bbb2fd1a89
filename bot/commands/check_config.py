"""``hallmonitor check-config``: validate a config and say what is missing."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Mapping

from bot.config import Config, ConfigError, load_config
from bot.responses import template_problems


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser("check-config", help="validate a config file")
    parser.add_argument("path", nargs="?", help="config file (default: --config)")
    parser.set_defaults(handler=check_config)


def deployment_problems(config: Config, environ: Mapping[str, str] = os.environ) -> list[str]:
    """What parsing cannot see: files the config names that are not there, a session key
    that is set but unusable. Each keyed by its dotted path; no secret is ever shown."""
    from bot.web.security import session_key_problem

    problems = []
    classifier = config.classifier
    for name in ("model_dir", "detoxify_checkpoint", "detoxify_config_dir"):
        path = getattr(classifier, name)
        if path is not None and not path.exists():
            problems.append(f"classifier.{name}: {path} does not exist")
    if classifier.model_dir is not None and classifier.model_dir.exists():
        from bot.classifier.model_files import ModelFileError, load

        try:
            load(classifier.model_dir)
        except ModelFileError as exc:
            problems.append(f"classifier.model_dir: {exc}")
    key_problem = session_key_problem(config, environ)
    if key_problem:
        problems.append(f"dashboard.secret_key_env: {key_problem}")
    return problems


def check_config(args: argparse.Namespace) -> int:
    path = args.path or args.config
    try:
        config = load_config(path)
        problems = deployment_problems(config)
        if problems:
            raise ConfigError(path, problems)
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
