"""The simulator application: Graph API and X API v2 routes, control routes, the feed."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from typing import Any

from aiohttp import web

from connectors.records import Platform
from connectors.simulator import graph_api, webhooks, x_api
from connectors.simulator.feed import Feed
from connectors.simulator.keys import STATE, STOPPING
from connectors.simulator.state import SimAccount, SimError, SimState

_LOGGER = logging.getLogger(__name__)

FEED = web.AppKey("sim_feed", Feed)
_SETUP = web.AppKey("sim_setup", dict)

DEMO_SCHOOLS = (
    ("oakfield", "Oakfield Primary School"),
    ("riverside", "Riverside Academy"),
    ("hillcrest", "Hillcrest High School"),
)


def default_accounts() -> list[SimAccount]:
    """A demo trust: three schools, each on Facebook, Instagram and X."""
    accounts = []
    for n, (slug, name) in enumerate(DEMO_SCHOOLS, start=1):
        accounts += [
            SimAccount(Platform.FACEBOOK, f"10000000000000{n}", f"demo-token-facebook-{slug}",
                       name, username=slug, followers=1200 * n, fan_count=1100 * n),
            SimAccount(Platform.INSTAGRAM, f"1784140000000000{n}", f"demo-token-instagram-{slug}",
                       name, username=f"{slug}school", followers=800 * n),
            SimAccount(Platform.X, f"14000000{n}", f"demo-token-x-{slug}", name,
                       username=f"{slug}sch", followers=500 * n),
        ]  # fmt: skip
    return accounts


def _fresh(state: SimState, feed: Feed, setup: dict[str, Any]) -> None:
    """(Re)build state and feed, in place, from the settings the app was created with."""
    state.clear()
    feed.reseed(setup["seed"])
    feed.seed_posts(setup["posts_per_account"], setup["comments_per_post"])


async def _json(request: web.Request) -> dict[str, Any]:
    try:
        body = await request.json()
    except ValueError as exc:
        raise SimError("request body is not JSON") from exc
    if not isinstance(body, dict):
        raise SimError("request body must be a JSON object")
    return body


async def sim_state(request: web.Request) -> web.Response:
    return web.json_response(request.app[STATE].snapshot())


async def sim_accounts(request: web.Request) -> web.Response:
    accounts = [
        {"platform": a.kind.value, "account": a.account_id, "name": a.name,
         "username": a.username, "followers": a.followers, "tier": a.tier}
        for a in request.app[STATE].accounts
    ]  # fmt: skip
    return web.json_response({"accounts": accounts})


async def sim_comments(request: web.Request) -> web.Response:
    state = request.app[STATE]
    body = await _json(request)
    account = state.account(str(body.get("platform")), str(body.get("account")))
    text = body.get("text")
    if not isinstance(text, str):
        raise SimError("text is required")
    author = body.get("author")
    if isinstance(author, str):
        author = {"name": author}
    item = state.add_comment(
        account,
        text,
        author=author if isinstance(author, dict) else request.app[FEED].person(),
        post=body.get("post"),
        parent=body.get("parent"),
    )
    return web.json_response(
        {"id": item.id, "post": item.post_id, "platform": item.platform.value,
         "account": item.account}, status=201,
    )  # fmt: skip


async def sim_posts(request: web.Request) -> web.Response:
    state = request.app[STATE]
    body = await _json(request)
    account = state.account(str(body.get("platform")), str(body.get("account")))
    author = body.get("author")
    if isinstance(author, str):
        author = {"name": author}
    if author is not None and account.kind is not Platform.X:
        raise SimError("only X posts can have another author (a conversation someone else started)")
    item = state.add_post(
        account,
        str(body.get("text") or "A new post"),
        author=author if isinstance(author, dict) else None,
    )
    return web.json_response({"id": item.id}, status=201)


async def sim_feed_tick(request: web.Request) -> web.Response:
    item = request.app[FEED].post_one()
    return web.json_response({"id": item.id, "platform": item.platform.value}, status=201)


async def sim_faults(request: web.Request) -> web.Response:
    state = request.app[STATE]
    if request.method == "DELETE":
        state.faults.clear()
        return web.json_response({"faults": []})
    if request.method == "POST":
        fault = state.add_fault(await _json(request))
        return web.json_response({"id": fault.id}, status=201)
    return web.json_response({"faults": [vars(f) for f in state.faults]})


async def sim_requests(request: web.Request) -> web.Response:
    state = request.app[STATE]
    if request.method == "DELETE":
        state.requests.clear()
    rows = [
        {"platform": p, "account": a, "endpoint": e, "count": n}
        for (p, a, e), n in sorted(state.requests.items())
    ]
    return web.json_response({"total": sum(state.requests.values()), "requests": rows})


async def sim_reset(request: web.Request) -> web.Response:
    _fresh(request.app[STATE], request.app[FEED], request.app[_SETUP])
    return web.json_response({"reset": True})


@web.middleware
async def _errors(request: web.Request, handler: Any) -> web.StreamResponse:
    """The request handler's edge: nothing unexpected takes the simulator down."""
    try:
        response: web.StreamResponse = await handler(request)
        return response
    except SimError as exc:
        return web.json_response({"error": exc.message}, status=exc.status)
    except web.HTTPException:
        raise
    except Exception:  # the boundary: log and answer 500 in the platform-neutral shape
        _LOGGER.exception("Simulator failed on %s %s", request.method, request.path)
        return web.json_response({"error": "simulator error"}, status=500)


async def _feed_ctx(app: web.Application) -> AsyncIterator[None]:
    task = asyncio.create_task(app[FEED].run())
    yield
    app[STOPPING].set()
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task


async def _stopping(app: web.Application) -> None:
    app[STOPPING].set()  # slow answers end now, before the server waits for them


def create_app(
    accounts: list[SimAccount] | None = None,
    *,
    feed_rate_per_minute: float = 0.0,
    seed: int = 0,
    posts_per_account: int = 3,
    comments_per_post: int = 0,
) -> web.Application:
    """The simulator as an aiohttp application (run it on port 0 in tests)."""
    app = web.Application(middlewares=[_errors])
    app[_SETUP] = {
        "accounts": list(accounts) if accounts is not None else default_accounts(),
        "rate": feed_rate_per_minute,
        "seed": seed,
        "posts_per_account": posts_per_account,
        "comments_per_post": comments_per_post,
    }
    state = SimState([SimAccount(**vars(a)) for a in app[_SETUP]["accounts"]])
    app[STATE] = state
    app[FEED] = Feed(state, rate_per_minute=feed_rate_per_minute, seed=seed)
    app[STOPPING] = asyncio.Event()
    _fresh(state, app[FEED], app[_SETUP])
    app.cleanup_ctx.append(_feed_ctx)
    webhooks.install(app)
    app.on_shutdown.append(_stopping)
    app.router.add_get("/_sim/state", sim_state)
    app.router.add_get("/_sim/accounts", sim_accounts)
    app.router.add_post("/_sim/comments", sim_comments)
    app.router.add_post("/_sim/posts", sim_posts)
    app.router.add_post("/_sim/feed/tick", sim_feed_tick)
    app.router.add_route("*", "/_sim/faults", sim_faults)
    app.router.add_route("*", "/_sim/requests", sim_requests)
    app.router.add_post("/_sim/reset", sim_reset)
    app.router.add_route("*", r"/{version:v\d+\.\d+}/{path:.*}", graph_api.handle)
    app.router.add_route("*", "/2/{path:.*}", x_api.handle)
    return app


async def start(app: web.Application, host: str = "127.0.0.1", port: int = 8900) -> web.AppRunner:
    """Start serving ``app``; returns the runner (``await runner.cleanup()`` to stop)."""
    runner = web.AppRunner(app, shutdown_timeout=1.0)
    await runner.setup()
    await web.TCPSite(runner, host, port).start()
    return runner


async def serve(
    host: str = "127.0.0.1",
    port: int = 8900,
    *,
    accounts: list[SimAccount] | None = None,
    feed_rate_per_minute: float = 2.0,
    seed: int = 0,
    posts_per_account: int = 3,
    comments_per_post: int = 2,
) -> None:
    """Serve the simulator until cancelled (the ``hallmonitor simulate`` command)."""
    app = create_app(
        accounts,
        feed_rate_per_minute=feed_rate_per_minute,
        seed=seed,
        posts_per_account=posts_per_account,
        comments_per_post=comments_per_post,
    )
    runner = await start(app, host, port)
    _LOGGER.info("Simulator listening on http://%s:%s", host, port)
    try:
        await asyncio.Event().wait()
    finally:
        await runner.cleanup()
