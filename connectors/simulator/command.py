"""The ``hallmonitor simulate`` command."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging

from connectors.simulator.app import serve

_LOGGER = logging.getLogger(__name__)


def run(args: argparse.Namespace) -> int:
    """Serve the simulator with the demo trust until interrupted."""
    _LOGGER.info(
        "Starting the platform simulator on %s:%s (%.1f comments/minute, seed %s)",
        args.host,
        args.port,
        args.rate,
        args.seed,
    )
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve(args.host, args.port, feed_rate_per_minute=args.rate, seed=args.seed))
    return 0


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``simulate`` to the bot's command line."""
    parser = subparsers.add_parser(
        "simulate",
        help="run the Facebook/Instagram/X simulator for the demo and tests",
        description="Serve the Graph API and X API v2 endpoints the connectors use, "
        "fed with realistic comments, for a demo trust of three schools.",
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
    parser.add_argument("--port", type=int, default=8900, help="port to listen on (8900)")
    parser.add_argument(
        "--rate", type=float, default=2.0, help="new comments per minute across all accounts"
    )
    parser.add_argument("--seed", type=int, default=0, help="seed for the feed's choices")
    parser.set_defaults(handler=run)
