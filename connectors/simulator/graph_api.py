"""The Graph API endpoints the Facebook and Instagram connectors use, as simulated."""

from __future__ import annotations

import hashlib
import hmac
import json
import math
from typing import Any

from aiohttp import web

from connectors.records import Platform
from connectors.simulator.fields import FieldSpec, FieldSyntaxError, parse_fields
from connectors.simulator.graph_render import Ctx, as_bool, as_time, render
from connectors.simulator.graph_render import edge as render_edge
from connectors.simulator.keys import STATE, slow_down
from connectors.simulator.state import SimAccount, SimError, SimItem, SimState

_USAGE_BUDGET = 4800  # calls per account before the usage headers read 100%
_TRACE = iter(range(10**9))


def graph_error(
    status: int,
    message: str,
    code: int,
    *,
    kind: str = "OAuthException",
    subcode: int | None = None,
    headers: dict[str, str] | None = None,
    transient: bool = False,
) -> web.Response:
    error: dict[str, Any] = {"message": message, "type": kind, "code": code}
    if subcode is not None:
        error["error_subcode"] = subcode
    if transient:
        error["is_transient"] = True
    error["fbtrace_id"] = f"Asim{next(_TRACE):08d}"
    return web.json_response({"error": error}, status=status, headers=headers)


def _specs(ctx: Ctx) -> tuple[FieldSpec, ...] | None:
    fields = ctx.params.get("fields")
    return parse_fields(str(fields)) if fields else None


def _node(ctx: Ctx, node_id: str) -> SimAccount | SimItem:
    if node_id in (ctx.account.account_id, "me"):
        return ctx.account
    return ctx.state.get(ctx.account, node_id)


def route(method: str, parts: list[str], ctx: Ctx) -> dict[str, Any]:
    """Serve one Graph request; raises SimError for anything the real API refuses."""
    state, account, params = ctx.state, ctx.account, ctx.params
    fb = account.kind is Platform.FACEBOOK
    if len(parts) == 1 and method == "GET":
        return render(_node(ctx, parts[0]), _specs(ctx), ctx)
    if len(parts) == 1 and method == "POST":
        item = state.get(account, parts[0])
        flag = "is_hidden" if fb else "hide"
        if item.kind != "comment" or flag not in params:
            raise SimError(f"(#100) Unsupported post request: expected {flag} on a comment")
        state.set_hidden(item, as_bool(params[flag]))
        return {"success": True}
    if len(parts) != 2:
        raise SimError("(#100) Unknown path components: /" + "/".join(parts[2:]))
    node = _node(ctx, parts[0])
    edge = parts[1]
    if edge == "subscribed_apps" and node is account:
        return _subscribed_apps(method, state, account, params)
    if method == "GET":
        if edge in ("posts", "feed", "published_posts", "media") and node is account:
            if (edge == "media") == fb:
                raise SimError(f"(#100) Tried accessing nonexisting field ({edge})")
            since, until = as_time(params.get("since")), as_time(params.get("until"))
            # A Page's feed is filtered and ordered by updated_time, which a new comment moves:
            # the way to find new comments on posts of any age.
            when = state.updated if edge == "feed" else (lambda p: p.created)
            posts = sorted(state.posts(account), key=when, reverse=True)
            posts = [
                p
                for p in posts
                if (since is None or when(p) >= since) and (until is None or when(p) <= until)
            ]
            return render_edge(
                posts,
                FieldSpec(edge, sub=_specs(ctx)),
                ctx,
                f"{account.account_id}/{edge}",
                nested=False,
            ) or {"data": []}
        if isinstance(node, SimItem) and (edge, fb) in (
            ("comments", True),
            ("replies", False),
            ("comments", False),
        ):
            if edge == "comments" and node.kind == "post":
                stream = params.get("filter") == "stream"
                items = state.comments_on(node, stream=stream)
            else:
                items = state.children(node)
            return render_edge(
                items, FieldSpec(edge, sub=_specs(ctx)), ctx, f"{node.id}/{edge}", nested=False
            ) or {"data": []}
    if method == "POST":
        if edge in ("comments", "replies") and isinstance(node, SimItem):
            if (edge == "comments") != fb:
                raise SimError(f"(#100) Unsupported post request to /{edge}")
            message = params.get("message")
            if not isinstance(message, str) or not message:
                raise SimError("(#100) The parameter message is required")
            return {"id": state.add_reply(account, node.id, message).id}
        if edge == "messages" and node is account:
            recipient, message = params.get("recipient"), params.get("message")
            recipient = json.loads(recipient) if isinstance(recipient, str) else recipient
            message = json.loads(message) if isinstance(message, str) else message
            if not isinstance(recipient, dict) or not isinstance(message, dict):
                raise SimError("(#100) The parameters recipient and message are required")
            return state.private_reply(
                account, str(recipient.get("comment_id")), str(message.get("text", ""))
            )
        if edge == "blocked" and node is account and fb:
            user = next((params[k] for k in ("user", "uid", "psid", "asid") if k in params), None)
            if not user:
                raise SimError("(#100) One of user, uid, psid or asid is required")
            state.block(account, str(user))
            return {str(user): True}
    raise SimError(f"(#100) Unsupported {method.lower()} request to /{'/'.join(parts)}")


_SUBSCRIBABLE = {
    Platform.FACEBOOK: frozenset({"feed", "messages", "mention"}),
    Platform.INSTAGRAM: frozenset({"comments", "live_comments", "mentions", "messages"}),
}


def _subscribed_apps(
    method: str, state: SimState, account: SimAccount, params: dict[str, Any]
) -> dict[str, Any]:
    """Install the app on the Page (or Instagram account) for some webhook fields, or list it."""
    if method == "POST":
        fields = [f for f in str(params.get("subscribed_fields", "")).split(",") if f]
        allowed = _SUBSCRIBABLE.get(account.kind, frozenset())
        if not fields or any(f not in allowed for f in fields):
            raise SimError(f"(#100) subscribed_fields must be some of {sorted(allowed)}")
        state.subscriptions[account.account_id] = sorted(set(fields))
        return {"success": True}
    if method == "DELETE":
        state.subscriptions.pop(account.account_id, None)
        return {"success": True}
    subscribed = state.subscriptions.get(account.account_id)
    if not subscribed:
        return {"data": []}
    app = {"category": "Education", "link": "https://hallmonitor.example/", "name": "Hallmonitor"}
    return {"data": [{**app, "id": "1234567890", "subscribed_fields": subscribed}]}


def _usage_headers(account: SimAccount, state: SimState, usage: float | None) -> dict[str, str]:
    used = state.calls_this_hour(account.account_id)
    pct = usage if usage is not None else min(100.0, used * 100 / _USAGE_BUDGET)
    regain = 0 if pct < 100 else 1
    kind = "instagram" if account.kind is Platform.INSTAGRAM else "pages"
    return {
        "X-App-Usage": json.dumps(
            {
                "call_count": round(pct),
                "total_cputime": round(pct / 2),
                "total_time": round(pct / 2),
            }
        ),
        "X-Business-Use-Case-Usage": json.dumps(
            {
                account.account_id: [
                    {
                        "type": kind,
                        "call_count": round(pct),
                        "total_cputime": round(pct / 2),
                        "total_time": round(pct / 2),
                        "estimated_time_to_regain_access": regain,
                    }
                ]
            }
        ),
    }


async def _params(request: web.Request) -> dict[str, Any]:
    params: dict[str, Any] = dict(request.query)
    if request.method == "POST" and request.can_read_body:
        if request.content_type == "application/json":
            body = await request.json()
            if not isinstance(body, dict):
                raise SimError("(#100) The request body must be an object")
            params.update(body)
        else:
            params.update(dict(await request.post()))
    return params


_STATUS_ERRORS: dict[int, tuple[str, int, int | None]] = {
    400: ("(#100) Invalid parameter", 100, None),
    401: ("Error validating access token: The session has been invalidated.", 190, 460),
    403: ("(#200) Permissions error", 200, None),
    404: ("Unsupported get request. Object does not exist.", 100, 33),
}


async def handle(request: web.Request) -> web.StreamResponse:
    """``/{version}/{path}``: auth, faults, counting, then :func:`route`."""
    state = request.app[STATE]
    parts = [p for p in request.match_info["path"].split("/") if p]
    endpoint = f"{request.method} /" + "/".join(["{id}", *parts[1:2]] if parts else [])
    try:
        params = await _params(request)
    except (SimError, ValueError):
        return graph_error(400, "(#100) Unreadable request body", 100)
    auth = request.headers.get("Authorization", "")
    token = auth.removeprefix("Bearer ").removeprefix("OAuth ").strip() or params.get(
        "access_token"
    )
    params.pop("access_token", None)
    account = state.account_by_token(token if isinstance(token, str) else None)
    if account is None:
        state.count("graph", "unknown", endpoint)
        return graph_error(400, "Invalid OAuth access token - Cannot parse access token", 190)
    state.count(account.kind.value, account.account_id, endpoint)
    if account.app_secret:
        proof = params.pop("appsecret_proof", None)
        expected = hmac.new(
            account.app_secret.encode(), account.token.encode(), hashlib.sha256
        ).hexdigest()
        if not proof:
            return graph_error(
                400,
                "API calls from the server require an appsecret_proof argument",
                100,
                kind="GraphMethodException",
            )
        if not hmac.compare_digest(str(proof), expected):
            return graph_error(
                400,
                "Invalid appsecret_proof provided in the API argument",
                100,
                kind="GraphMethodException",
            )
    ctx = Ctx(
        state,
        account,
        f"{request.url.origin()}/{request.match_info['version']}",
        str(token),
        params,
    )
    usage = None
    for fault in state.take_faults(account.kind.value, account.account_id, endpoint):
        if fault.kind == "expired_token":
            return graph_error(
                400,
                "Error validating access token: Session has expired on "
                "Friday, 21-Nov-25 10:00:00 PST.",
                190,
                subcode=463,
            )
        if fault.kind == "rate_limit":
            headers = _usage_headers(account, state, 100.0)
            bucket = json.loads(headers["X-Business-Use-Case-Usage"])
            bucket[account.account_id][0]["estimated_time_to_regain_access"] = math.ceil(
                fault.retry_after / 60
            )
            headers["X-Business-Use-Case-Usage"] = json.dumps(bucket)
            headers["Retry-After"] = str(math.ceil(fault.retry_after))
            ig = account.kind is Platform.INSTAGRAM
            return graph_error(
                429,
                f"(#{80002 if ig else 80001}) There have been too many calls "
                f"to this {'Instagram' if ig else 'Page'} account. Wait a bit and "
                "try again.",
                80002 if ig else 80001,
                headers=headers,
            )
        if fault.kind == "error":
            if fault.status >= 500:
                return graph_error(fault.status, "An unknown error occurred", 1, transient=True)
            message, code, subcode = _STATUS_ERRORS.get(fault.status, _STATUS_ERRORS[400])
            return graph_error(fault.status, message, code, subcode=subcode)
        if fault.kind == "malformed":
            return web.Response(text='{"data": [{"id": "1', content_type="application/json")
        if fault.kind == "slow":
            await slow_down(request.app, fault.delay)
        if fault.kind == "malformed_item":
            ctx.mangle_next_comment = True
        if fault.kind == "usage":
            usage = fault.usage
    try:
        payload = route(request.method, parts, ctx)
    except FieldSyntaxError as exc:
        return graph_error(400, f"(#100) {exc}", 100)
    except SimError as exc:
        return graph_error(
            exc.status,
            exc.message,
            exc.code,
            subcode=33 if exc.code == 100 and "does not exist" in exc.message else None,
        )
    return web.json_response(payload, headers=_usage_headers(account, state, usage))
