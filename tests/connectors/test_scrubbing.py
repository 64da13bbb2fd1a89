"""A platform that echoes the token back in its errors: no form of a secret leaves the
connector (raw, URL-encoded, the appsecret_proof and its inputs, the X consumer keys)."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from urllib.parse import quote, quote_plus

import aiohttp
import pytest
from aiohttp import web

from connectors import Connector, ConnectorError, OAuth1Keys, create_connector
from connectors.graph import appsecret_proof
from connectors.simulator import start

FB_TOKEN = "EAAB|fb/SECRET+token=101"
APP_SECRET = "app-SECRET-42"
X_TOKEN = "x-SECRET/token+303="
KEYS = OAuth1Keys("app-consumer-key/7", "app-SECRET-consumer", "x-SECRET-token-secret")
SECRETS = [
    FB_TOKEN,
    APP_SECRET,
    appsecret_proof(FB_TOKEN, APP_SECRET),
    X_TOKEN,
    KEYS.consumer_key,
    KEYS.consumer_secret,
    KEYS.token_secret,
]

Answer = Callable[[web.Request, str], web.Response]


def _echo(request: web.Request) -> str:
    """Everything a careless platform might repeat: the header, the query, each form."""
    heard = request.headers.get("Authorization", "") + " " + request.query_string
    token = heard.removeprefix("Bearer ").split(" ")[0]
    return f"bad credentials {heard} ({quote(token, safe='')}, {quote_plus(token)}, {token})"


def assert_no_secret(text: str) -> None:
    for secret in SECRETS:
        for form in (secret, quote(secret, safe=""), quote_plus(secret), quote(secret)):
            assert form not in text, f"{form!r} leaked"


@dataclass
class Echo:
    """A server that answers every request with ``answer``, fed what it heard."""

    base_url: str = ""
    answer: Answer = field(default=lambda request, heard: web.json_response({}))


@pytest.fixture
async def echo() -> AsyncIterator[Echo]:
    server = Echo()

    async def answer(request: web.Request) -> web.Response:
        return server.answer(request, _echo(request))

    app = web.Application()
    app.router.add_route("*", "/{path:.*}", answer)
    runner = await start(app, "127.0.0.1", 0)
    server.base_url = f"http://127.0.0.1:{runner.addresses[0][1]}"
    yield server
    await runner.cleanup()


def _x(echo: Echo, session: aiohttp.ClientSession, oauth1: OAuth1Keys | None) -> Connector:
    return create_connector(
        "x", account_id="303", token=X_TOKEN, base_url=echo.base_url, session=session, oauth1=oauth1
    )


@pytest.mark.parametrize("oauth1", [None, KEYS], ids=["oauth2", "oauth1"])
async def test_an_x_error_sent_as_http_200_is_scrubbed(echo, session, oauth1) -> None:
    echo.answer = lambda request, heard: web.json_response(
        {"errors": [{"title": "Unauthorized", "detail": heard, "type": "about:blank"}]}
    )
    with pytest.raises(ConnectorError) as caught:
        await _x(echo, session, oauth1).fetch_comments(None)
    assert "bad credentials" in str(caught.value)
    assert_no_secret(str(caught.value))
    assert_no_secret(caught.value.message)


@pytest.mark.parametrize("status", [400, 401, 403, 404, 429, 503])
@pytest.mark.parametrize("oauth1", [None, KEYS], ids=["oauth2", "oauth1"])
async def test_an_x_problem_is_scrubbed(echo, session, oauth1, status) -> None:
    echo.answer = lambda request, heard: web.json_response(
        {"title": "Problem", "detail": heard, "type": "about:blank"}, status=status
    )
    with pytest.raises(ConnectorError) as caught:
        await _x(echo, session, oauth1).fetch_comments(None)
    assert "bad credentials" in str(caught.value)
    assert_no_secret(str(caught.value))


@pytest.mark.parametrize("status", [400, 401, 403, 500])
async def test_a_graph_error_is_scrubbed_in_every_form(
    echo, session, status, caplog: pytest.LogCaptureFixture
) -> None:
    echo.answer = lambda request, heard: web.json_response(
        {"error": {"message": heard, "type": "OAuthException", "code": 190}}, status=status
    )
    account = create_connector(
        "facebook",
        account_id="101",
        token=FB_TOKEN,
        base_url=echo.base_url,
        session=session,
        app_secret=APP_SECRET,
    )
    with caplog.at_level(logging.DEBUG), pytest.raises(ConnectorError) as caught:
        await account.fetch_comments(None)
    logging.getLogger("hallmonitor.test").warning("poll failed: %s", caught.value)
    assert "bad credentials" in str(caught.value)
    assert_no_secret(str(caught.value))
    ours = [r.getMessage() for r in caplog.records if r.name != "aiohttp.access"]  # not the echo's
    assert_no_secret("\n".join(ours))
