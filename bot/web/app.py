"""Builds the dashboard's aiohttp application."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import aiohttp_jinja2
import jinja2
from aiohttp import web
from cryptography.fernet import Fernet
from sqlalchemy import Engine

from bot.config import Config
from bot.web import live, views_admin, views_auth, views_item, views_mailbox, views_queue
from bot.web.errors import error_pages
from bot.web.filters import install as install_filters
from bot.web.health import healthz
from bot.web.keys import ACTION_WAIT, CLOCK, CONFIG, ENGINE, LIMITER, LIVE, PRESENCE, WAKE_OUTBOX
from bot.web.live_state import LiveQueue
from bot.web.proxy import forwarded_for
from bot.web.security import require_sign_in, security_headers, session_secret, setup_sessions
from bot.workspace.auth import SignInLimiter
from bot.workspace.presence import Presence
from models.types import utcnow

HERE = Path(__file__).resolve().parent


def create_app(
    config: Config,
    engine: Engine,
    *,
    wake_outbox: Callable[[], None] | None = None,
    secret_key: Fernet | None = None,
    clock: Callable[[], datetime] = utcnow,
    limiter: SignInLimiter | None = None,
    action_wait: float = 2.0,
    live_interval: float = 2.0,
) -> web.Application:
    """The dashboard. ``wake_outbox`` is called after every enqueue; ``secret_key`` defaults to
    the one named by ``dashboard.secret_key_env`` (or a random one)."""
    app = web.Application(client_max_size=256 * 1024)
    app[CONFIG] = config
    app[ENGINE] = engine
    app[WAKE_OUTBOX] = wake_outbox
    app[ACTION_WAIT] = action_wait if wake_outbox is not None else 0.0
    app[CLOCK] = clock
    app[LIMITER] = limiter or SignInLimiter()
    app[PRESENCE] = Presence()
    app[LIVE] = LiveQueue(live_interval)
    app.cleanup_ctx.append(live.watch)
    app.on_shutdown.append(live.on_shutdown)
    if config.dashboard.trusted_proxies:
        app.middlewares.append(forwarded_for(config.dashboard.trusted_proxies))
    app.middlewares.append(security_headers)
    setup_sessions(app, config, secret_key or session_secret(config))
    app.middlewares.append(require_sign_in)
    app.middlewares.append(error_pages)
    env = aiohttp_jinja2.setup(
        app,
        loader=jinja2.FileSystemLoader(HERE / "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
    )
    install_filters(env, config)
    env.globals["mailbox_enabled"] = config.email.maildir is not None

    router = app.router
    router.add_get("/healthz", healthz)
    router.add_static("/static", HERE / "static", append_version=True)
    router.add_get("/", views_queue.home)
    router.add_get("/login", views_auth.login_form)
    router.add_post("/login", views_auth.login)
    router.add_post("/logout", views_auth.logout)
    router.add_get("/account/password", views_auth.password_form)
    router.add_post("/account/password", views_auth.password_change)
    router.add_get("/queue", views_queue.queue)
    router.add_get("/events", live.events)
    router.add_post("/queue/bulk", views_queue.queue_bulk)
    router.add_get(r"/items/{item_id:\d+}", views_item.item_page)
    router.add_post(r"/items/{item_id:\d+}/act", views_item.item_action)
    router.add_get(r"/items/{item_id:\d+}/evidence", views_item.evidence)
    router.add_get("/audit", views_admin.audit_log)
    router.add_get("/accounts", views_admin.accounts)
    router.add_get("/exports/relabelled.csv", views_admin.relabelled_csv_export)
    router.add_get("/mailbox", views_mailbox.mailbox)
    router.add_get("/mailbox/{name}", views_mailbox.mailbox_message)
    return app
