"""``hallmonitor demo``: simulator, bot and dashboard together, with a seeded trust."""

from __future__ import annotations

import argparse
import asyncio
from pathlib import Path


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser("demo", help="run a demo trust against the simulator")
    parser.add_argument("--for", dest="seconds", type=float, help="stop after this many seconds")
    parser.add_argument("--dir", type=Path, default=Path("demo-data"), help="demo files folder")
    parser.add_argument("--port", type=int, default=8080, help="dashboard port")
    parser.add_argument("--sim-port", type=int, default=8900, help="simulator port")
    parser.add_argument("--rate", type=float, default=12.0, help="simulated comments a minute")
    parser.set_defaults(handler=demo)


def demo(args: argparse.Namespace) -> int:
    from bot.demo import DemoOptions, run_demo

    options = DemoOptions(
        folder=args.dir,
        port=args.port,
        sim_port=args.sim_port,
        rate=args.rate,
        seconds=args.seconds,
    )
    asyncio.run(run_demo(options))
    return 0
