"""A platform simulator: the Graph API and X API v2 parts the connectors use, in memory."""

from __future__ import annotations

from connectors.simulator.app import create_app, default_accounts, serve, start
from connectors.simulator.feed import Feed, load_corpus
from connectors.simulator.state import Fault, SimAccount, SimState

__all__ = [
    "Fault",
    "Feed",
    "SimAccount",
    "SimState",
    "create_app",
    "default_accounts",
    "load_corpus",
    "serve",
    "start",
]
