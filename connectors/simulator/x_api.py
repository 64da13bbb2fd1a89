"""The X API v2 endpoints the X connector uses, as the simulator serves them."""

from __future__ import annotations

import base64
import re
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from aiohttp import web

from connectors.records import Platform
from connectors.simulator.keys import STATE, slow_down
from connectors.simulator.state import SimAccount, SimError, SimItem, SimState
from connectors.simulator.x_auth import caller

WINDOW = 900  # seconds: X's 15-minute windows
LIMITS = {
    "me": 75,
    "user": 900,
    "mentions": 450,
    "user_tweets": 900,
    "followers": 15,
    "blocking": 50,
    "tweet": 900,
    "hidden": 50,
    "tweets": 100,
}
_PROBLEMS = "https://api.twitter.com/2/problems/"
_TITLES = {
    400: "Invalid Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found Error",
    429: "Too Many Requests",
    500: "Internal Server Error",
    503: "Service Unavailable",
}


def problem(
    status: int,
    detail: str | None = None,
    *,
    kind: str = "about:blank",
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> web.Response:
    title = _TITLES.get(status, "Error")
    body = {"title": title, "detail": detail or title, "type": kind, "status": status, **extra}
    return web.json_response(body, status=status, headers=headers)


def _client_forbidden() -> web.Response:
    return problem(
        403,
        "When authenticating requests to the Twitter API v2 endpoints, you must use keys and "
        "tokens from a Twitter developer App that is attached to a Project with the "
        "appropriate level of API access.",
        kind=_PROBLEMS + "client-forbidden",
        reason="client-not-enrolled",
        required_enrollment="Appropriate Level of API Access",
        registration_url="https://developer.x.com/en/portal/products",
        client_id="sim",
    )


X_TEXT_LIMIT = 280


def _x_time(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def _fields(request: web.Request, name: str) -> set[str]:
    return {f for f in request.query.get(name, "").split(",") if f}


def tweet_json(item: SimItem, state: SimState, fields: set[str]) -> dict[str, Any]:
    out: dict[str, Any] = {"id": item.id, "text": item.text, "edit_history_tweet_ids": [item.id]}
    if len(item.text) > X_TEXT_LIMIT:  # as X does: ``text`` cut short, the whole in note_tweet
        out["text"] = item.text[: X_TEXT_LIMIT - 1] + "…"
        if "note_tweet" in fields:
            out["note_tweet"] = {"text": item.text}
    parent = state.items.get(item.parent_id or "")
    extra = {
        "author_id": item.author_id,
        "created_at": _x_time(item.created),
        "conversation_id": item.post_id,
        "in_reply_to_user_id": parent.author_id if parent else None,
        "referenced_tweets": [{"type": "replied_to", "id": parent.id}] if parent else None,
    }
    out.update({k: v for k, v in extra.items() if k in fields and v is not None})
    return out


def user_json(account_or_item: SimAccount | SimItem, fields: set[str]) -> dict[str, Any]:
    if isinstance(account_or_item, SimAccount):
        a = account_or_item
        out: dict[str, Any] = {"id": a.account_id, "name": a.name, "username": a.username}
        metrics = {
            "followers_count": a.followers,
            "following_count": 12,
            "tweet_count": 340,
            "listed_count": 3,
        }
    else:
        i = account_or_item
        out = {"id": i.author_id, "name": i.author_name, "username": i.author_username}
        metrics = {
            "followers_count": 42,
            "following_count": 80,
            "tweet_count": 99,
            "listed_count": 0,
        }
    if "public_metrics" in fields:
        out["public_metrics"] = metrics
    return out


def _page(
    request: web.Request, items: list[Any], low: int, high: int, default: int
) -> tuple[list[Any], dict[str, Any]]:
    raw = request.query.get("max_results", str(default))
    if not raw.isdigit() or not low <= int(raw) <= high:
        raise SimError(
            f"The `max_results` query parameter value [{raw}] is not between {low} and {high}",
            status=400,
        )
    size = int(raw)
    token = request.query.get("pagination_token")
    start = int(base64.urlsafe_b64decode(token.encode()).decode()) if token else 0
    page = items[start : start + size]
    meta: dict[str, Any] = {"result_count": len(page)}
    if start + size < len(items):
        meta["next_token"] = base64.urlsafe_b64encode(str(start + size).encode()).decode()
    return page, meta


def _timeline(
    request: web.Request, state: SimState, items: list[SimItem], *, mangle: bool = False
) -> dict[str, Any]:
    since = request.query.get("since_id")
    start = request.query.get("start_time")
    start_at = datetime.fromisoformat(start.replace("Z", "+00:00")) if start else None
    items = sorted(
        (
            i
            for i in items
            if (not since or int(i.id) > int(since)) and (start_at is None or i.created >= start_at)
        ),
        key=lambda i: int(i.id),
        reverse=True,
    )
    page, meta = _page(request, items, 5, 100, 10)
    if not page:
        return {"meta": {"result_count": 0}}
    fields = _fields(request, "tweet.fields")
    data = [tweet_json(i, state, fields) for i in page]
    if mangle:
        del data[0]["text"]
    meta |= {"newest_id": page[0].id, "oldest_id": page[-1].id}
    out: dict[str, Any] = {"data": data, "meta": meta}
    expansions = _fields(request, "expansions")
    includes: dict[str, Any] = {}
    if "author_id" in expansions:
        user_fields = _fields(request, "user.fields")
        includes["users"] = list({i.author_id: user_json(i, user_fields) for i in page}.values())
    if "referenced_tweets.id" in expansions:
        parents = [state.items[i.parent_id] for i in page if i.parent_id in state.items]
        includes["tweets"] = [tweet_json(p, state, fields) for p in parents]
    if includes:
        out["includes"] = includes
    return out


def _not_found(tweet_id: str) -> dict[str, Any]:
    return {
        "value": tweet_id,
        "detail": f"Could not find tweet with id: [{tweet_id}].",
        "title": "Not Found Error",
        "resource_type": "tweet",
        "parameter": "id",
        "resource_id": tweet_id,
        "type": _PROBLEMS + "resource-not-found",
    }


async def route(
    request: web.Request,
    name: str,
    ids: list[str],
    account: SimAccount,
    state: SimState,
    mangle: bool = False,
) -> web.Response:
    if name in ("user", "user_tweets", "mentions", "followers", "blocking") and (
        ids[0] != account.account_id
    ):
        return problem(403, "You can only act on the account this token belongs to.")
    if name in ("me", "user"):
        return web.json_response({"data": user_json(account, _fields(request, "user.fields"))})
    mine = [
        i
        for i in state.items.values()
        if i.platform is Platform.X and i.account == account.account_id
    ]
    if name == "mentions":
        theirs = [i for i in mine if i.kind == "comment" and i.author_id != account.account_id]
        return web.json_response(_timeline(request, state, theirs, mangle=mangle))
    if name == "user_tweets":
        own = [i for i in mine if i.author_id == account.account_id]
        return web.json_response(_timeline(request, state, own))
    if name in ("followers", "blocking") and account.tier in ("free", "basic"):
        return _client_forbidden()
    if name == "followers":
        everyone = [
            {
                "id": str(5_000_000 + n),
                "name": f"Follower {n}",
                "username": f"follower{n}",
                "description": "Parent and governor",
            }
            for n in range(account.follower_list_size)
        ]
        page, meta = _page(request, everyone, 1, 1000, 100)
        return web.json_response({"data": page, "meta": meta} if page else {"meta": meta})
    body = await request.json() if request.can_read_body else {}
    if not isinstance(body, dict):
        raise SimError("The request body must be a JSON object", status=400)
    if name == "blocking":
        state.block(account, str(body.get("target_user_id")))
        return web.json_response({"data": {"blocking": True}})
    if name == "tweets":
        text = body.get("text")
        reply_to = (body.get("reply") or {}).get("in_reply_to_tweet_id")
        if not isinstance(text, str) or not text:
            raise SimError("The `text` field is required", status=400)
        item = (
            state.add_reply(account, reply_to, text) if reply_to else state.add_post(account, text)
        )
        return web.json_response(
            {"data": {"id": item.id, "text": item.text, "edit_history_tweet_ids": [item.id]}},
            status=201,
        )
    try:
        item = state.get(account, ids[0])
    except SimError:
        if name == "tweet":
            return web.json_response({"errors": [_not_found(ids[0])]})
        return problem(
            404, f"Could not find tweet with id: [{ids[0]}].", kind=_PROBLEMS + "resource-not-found"
        )
    if name == "tweet":
        return web.json_response(
            {"data": tweet_json(item, state, _fields(request, "tweet.fields"))}
        )
    root = state.items[item.post_id]
    if item.kind == "post" or root.author_id != account.account_id:
        return problem(403, "You can only hide or unhide replies to conversations you started.")
    item.hidden = body.get("hidden") is True
    return web.json_response({"data": {"hidden": item.hidden}})


_ROUTES: list[tuple[str, re.Pattern[str], str]] = [
    ("GET", re.compile(r"users/me"), "me"),
    ("GET", re.compile(r"users/(\d+)"), "user"),
    ("GET", re.compile(r"users/(\d+)/mentions"), "mentions"),
    ("GET", re.compile(r"users/(\d+)/tweets"), "user_tweets"),
    ("GET", re.compile(r"users/(\d+)/followers"), "followers"),
    ("POST", re.compile(r"users/(\d+)/blocking"), "blocking"),
    ("GET", re.compile(r"tweets/(\d+)"), "tweet"),
    ("PUT", re.compile(r"tweets/(\d+)/hidden"), "hidden"),
    ("POST", re.compile(r"tweets"), "tweets"),
]


def _window_headers(
    state: SimState, account: str, name: str, *, spend: bool, clock: Callable[[], float] = time.time
) -> tuple[dict[str, str], bool]:
    now = clock()
    start, used = state.x_windows.get((account, name), (now, 0))
    if now - start >= WINDOW:
        start, used = now, 0
    used += 1 if spend else 0
    state.x_windows[(account, name)] = (start, used)
    limit = LIMITS[name]
    headers = {
        "x-rate-limit-limit": str(limit),
        "x-rate-limit-remaining": str(max(0, limit - used)),
        "x-rate-limit-reset": str(int(start + WINDOW)),
    }
    return headers, used > limit


async def handle(request: web.Request) -> web.StreamResponse:
    """``/2/{path}``: auth, faults, counting, rate windows, then :func:`route`."""
    state = request.app[STATE]
    path = request.match_info["path"].strip("/")
    match = next(
        ((n, m) for meth, rx, n in _ROUTES if meth == request.method and (m := rx.fullmatch(path))),
        None,
    )
    if match is None:
        return problem(404, f"The requested resource {request.method} /2/{path} was not found")
    name, found = match
    template = re.sub(r"/\d+", "/:id", "/" + path)
    endpoint = f"{request.method} /2{template}"
    account = caller(request, state)
    if account is None:
        state.count("x", "unknown", endpoint)
        return problem(401)
    state.count("x", account.account_id, endpoint)
    mangle = False
    for fault in state.take_faults("x", account.account_id, endpoint):
        if fault.kind == "expired_token":
            return problem(401)
        if fault.kind == "rate_limit":
            reset = int(time.time() + fault.retry_after)
            headers = {
                "x-rate-limit-limit": str(LIMITS[name]),
                "x-rate-limit-remaining": "0",
                "x-rate-limit-reset": str(reset),
            }
            return problem(429, headers=headers)
        if fault.kind == "error":
            return problem(fault.status)
        if fault.kind == "malformed":
            return web.Response(text='{"data": [{"id": "1', content_type="application/json")
        if fault.kind == "slow":
            await slow_down(request.app, fault.delay)
        if fault.kind == "malformed_item":
            mangle = True
    headers, over = _window_headers(state, account.account_id, name, spend=True)
    if over:
        return problem(429, headers=headers)
    try:
        response = await route(request, name, list(found.groups()), account, state, mangle)
    except SimError as exc:
        response = problem(exc.status, exc.message, kind=_PROBLEMS + "invalid-request")
    except ValueError:
        response = problem(
            400, "The request body is not valid JSON", kind=_PROBLEMS + "invalid-request"
        )
    response.headers.update(headers)
    return response
