"""A platform that echoes the token back in an error sent as HTTP 200: nothing the bot keeps
or shows (the database, ``/healthz``, the account-health page) holds the token."""

from __future__ import annotations

import os
from urllib.parse import quote

from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from cryptography.fernet import Fernet
from sqlalchemy import Engine
from sqlmodel import Session, select

from bot.classifier import Classifier
from bot.config import Config
from bot.runtime import Bot
from bot.web.app import create_app
from bot.workspace.users import create_user
from models import Account, Role, session_scope
from tests.bot.web.conftest import sign_in


async def test_an_x_error_sent_as_http_200_keeps_no_token(
    engine: Engine, trust_config: Config, classifier: Classifier
) -> None:
    async def echo(request: web.Request) -> web.Response:
        token = request.headers.get("Authorization", "").removeprefix("Bearer ")
        detail = f"token {token} (or {quote(token, safe='')}) is not allowed here"
        return web.json_response({"errors": [{"title": "Invalid", "detail": detail}]})

    app = web.Application()
    app.router.add_route("*", "/{path:.*}", echo)
    platform = TestServer(app, host="127.0.0.1")
    await platform.start_server()
    x = trust_config.platforms.x.model_copy(update={"api_url": str(platform.make_url(""))})
    platforms = trust_config.platforms.model_copy(update={"x": x})
    config = trust_config.model_copy(update={"platforms": platforms})
    tokens = [value for name, value in os.environ.items() if name.endswith("_X_TOKEN")]
    assert tokens
    bot = await Bot.create(config, engine=engine, classifier=classifier)
    try:
        await bot.run_once()
    finally:
        await bot.stop()
        await platform.close()

    with Session(engine) as session:
        errors = session.exec(select(Account.last_error).where(Account.platform == "x")).all()
    assert errors
    assert all(error and "is not allowed here" in error for error in errors)
    with session_scope(engine) as session:
        create_user(
            session, email="it@t.example", password="p" * 12, role=Role.TRUST_ADMIN, schools=[]
        )
    dashboard = create_app(config, engine, secret_key=Fernet(Fernet.generate_key()))
    async with TestClient(TestServer(dashboard)) as client:
        await sign_in(client, "it@t.example", "p" * 12)
        shown = await (await client.get("/healthz")).text()
        shown += await (await client.get("/accounts")).text()
    assert "is not allowed here" in shown
    for token in tokens:
        for form in (token, quote(token, safe="")):
            assert all(form not in error for error in errors if error)
            assert form not in shown
