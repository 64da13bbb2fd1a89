"""Builds the dashboard's aiohttp application."""

from __future__ import annotations

from aiohttp import web
from sqlalchemy import Engine

from bot.config import Config
from bot.web.health import healthz
from bot.web.keys import CONFIG, ENGINE


def create_app(config: Config, engine: Engine) -> web.Application:
    app = web.Application()
    app[CONFIG] = config
    app[ENGINE] = engine
    app.router.add_get("/healthz", healthz)
    return app
