"""``hallmonitor report``: the weekly follower-monitoring report."""

from __future__ import annotations

import argparse
import sys


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser("report", help="write (and send) the weekly report")
    parser.add_argument("--week", help="ISO week, e.g. 2026-W47 (default: last week)")
    parser.add_argument("--school", help="one school's report only")
    parser.add_argument("--out", help="folder to write to (default: reports.dir)")
    parser.add_argument("--send", action="store_true", help="email it as well")
    parser.set_defaults(handler=report)


def report(args: argparse.Namespace) -> int:
    print("hallmonitor report is not available yet: it arrives with the weekly report issue (#7)",
          file=sys.stderr)
    return 2
