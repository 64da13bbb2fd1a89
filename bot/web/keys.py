"""Typed application state shared by the dashboard's handlers."""

from __future__ import annotations

from aiohttp import web
from sqlalchemy import Engine

from bot.config import Config

CONFIG = web.AppKey("config", Config)
ENGINE = web.AppKey("engine", Engine)
