"""The Graph API endpoints the Facebook and Instagram connectors use, as simulated."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import math
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

from aiohttp import web

from connectors.records import Platform
from connectors.simulator.fields import FieldSpec, FieldSyntaxError, parse_fields, unparse
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


def _time(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S+0000")


def _cursor(index: int) -> str:
    return base64.urlsafe_b64encode(f"sim:{index}".encode()).decode().rstrip("=")


def _uncursor(text: str) -> int:
    try:
        padded = text + "=" * (-len(text) % 4)
        return int(base64.urlsafe_b64decode(padded).decode().removeprefix("sim:"))
    except ValueError as exc:
        raise SimError("(#100) Invalid pagination cursor") from exc


def _bool(value: object) -> bool:
    return value is True or str(value).lower() in ("true", "1")


def _since(value: object) -> datetime | None:
    if value in (None, ""):
        return None
    text = str(value)
    if text.isdigit():
        return datetime.fromtimestamp(int(text), UTC)
    try:
        return datetime.fromisoformat(text.replace("+0000", "+00:00"))
    except ValueError as exc:
        raise SimError(f"(#100) Invalid since/until value {text!r}") from exc


@dataclass
class Ctx:
    """What a Graph request needs while rendering."""

    state: SimState
    account: SimAccount
    root: str  # e.g. http://127.0.0.1:8900/v25.0
    token: str
    params: dict[str, Any]
    mangle_next_comment: bool = False


_DEFAULTS = {
    "account": "id,name",
    "post": "id,message,created_time",
    "comment_fb": "id,message,created_time,from",
    "media": "id",
    "comment_ig": "id,text,timestamp",
}


def _type_of(obj: SimAccount | SimItem) -> str:
    if isinstance(obj, SimAccount):
        return "account"
    if obj.kind == "post":
        return "post" if obj.platform is Platform.FACEBOOK else "media"
    return "comment_fb" if obj.platform is Platform.FACEBOOK else "comment_ig"


def render(
    obj: SimAccount | SimItem, specs: tuple[FieldSpec, ...] | None, ctx: Ctx
) -> dict[str, Any]:
    kind = _type_of(obj)
    specs = specs or parse_fields(_DEFAULTS[kind])
    out: dict[str, Any] = {}
    for spec in specs:
        value = _field(obj, kind, spec, ctx)
        if value is not None:
            out[spec.name] = value
    if "id" not in out:
        out["id"] = obj.account_id if isinstance(obj, SimAccount) else obj.id
    if kind.startswith("comment") and ctx.mangle_next_comment:
        ctx.mangle_next_comment = False
        out["created_time" if kind == "comment_fb" else "timestamp"] = "not-a-time"
    return out


def _field(obj: SimAccount | SimItem, kind: str, spec: FieldSpec, ctx: Ctx) -> Any:
    name = spec.name
    state = ctx.state
    if isinstance(obj, SimAccount):
        ig = obj.kind is Platform.INSTAGRAM
        simple: dict[str, Any] = {
            "id": obj.account_id,
            "name": obj.name,
            "username": obj.username,
            "followers_count": obj.followers,
        }
        if ig:
            simple["media_count"] = len(state.posts(obj))
        else:
            simple["fan_count"] = obj.fan_count if obj.fan_count is not None else obj.followers
        if name in simple:
            return simple[name]
        node = "IGUser" if ig else "Page"
    else:
        item = obj
        node = {"post": "Post", "media": "IGMedia"}.get(kind, "Comment")
        if kind == "comment_ig":
            node = "IGComment"
        who = {"id": item.author_id, "name": item.author_name}
        ig_who = {"id": item.author_id, "username": item.author_username}
        values: dict[str, Any] = {"id": item.id}
        if kind == "post":
            values |= {
                "message": item.text,
                "created_time": _time(item.created),
                "permalink_url": f"https://www.facebook.com/{item.id}",
                "from": who,
            }
        elif kind == "media":
            values |= {
                "caption": item.text,
                "timestamp": _time(item.created),
                "permalink": f"https://www.instagram.com/p/sim{item.id[-8:]}/",
                "media_type": "IMAGE",
                "username": item.author_username,
                "comments_count": len(state.comments_on(item, stream=True)),
            }
        elif kind == "comment_fb":
            parent = state.items.get(item.parent_id or "")
            values |= {
                "message": item.text,
                "created_time": _time(item.created),
                "from": who,
                "is_hidden": item.hidden,
                "permalink_url": f"https://www.facebook.com/{item.post_id}?comment_id={item.id}",
                "can_reply_privately": not item.private_replies and item.author_id != item.account,
                "comment_count": len(state.children(item)),
                "parent": {"id": parent.id} if parent and parent.kind == "comment" else None,
            }
        else:
            values |= {
                "text": item.text,
                "timestamp": _time(item.created),
                "username": item.author_username,
                "from": ig_who,
                "hidden": item.hidden,
                "like_count": 0,
                "media": {"id": item.post_id},
                "parent_id": item.parent_id,
            }
        if name in values:
            value = values[name]
            if isinstance(value, dict) and spec.sub is not None:
                return {k: v for k, v in value.items() if k in {s.name for s in spec.sub}}
            return value
        if (kind, name) in (("post", "comments"), ("comment_fb", "comments")):
            stream = spec.modifiers.get("filter") == "stream"
            items = (
                state.comments_on(item, stream=stream) if kind == "post" else state.children(item)
            )
            return _edge(items, spec, ctx, f"{item.id}/comments", nested=True)
        if (kind, name) in (("media", "comments"), ("comment_ig", "replies")):
            items = (
                state.comments_on(item, stream=False) if kind == "media" else state.children(item)
            )
            return _edge(items, spec, ctx, f"{item.id}/{name}", nested=True)
    raise SimError(f"(#100) Tried accessing nonexisting field ({name}) on node type ({node})")


def _edge(
    items: list[Any], spec: FieldSpec, ctx: Ctx, path: str, *, nested: bool
) -> dict[str, Any] | None:
    mods = dict(spec.modifiers)
    if not nested:
        mods = {k: str(v) for k, v in ctx.params.items() if k in ("limit", "order", "filter")}
    try:
        limit = max(1, min(100, int(mods.get("limit") or 25)))
    except ValueError as exc:
        raise SimError("(#100) Param limit must be a number") from exc
    if mods.get("order") == "reverse_chronological":
        items = list(reversed(items))
    start = 0 if nested else (_uncursor(ctx.params["after"]) + 1 if ctx.params.get("after") else 0)
    page = items[start : start + limit]
    if not page:
        return None if nested else {"data": []}
    result: dict[str, Any] = {
        "data": [render(i, spec.sub, ctx) for i in page],
        "paging": {"cursors": {"before": _cursor(start), "after": _cursor(start + len(page) - 1)}},
    }
    if start + limit < len(items):
        query: dict[str, Any] = {"access_token": ctx.token, "limit": limit}
        if spec.sub is not None:
            query["fields"] = unparse(spec.sub)
        for key in ("order", "filter"):
            if key in mods:
                query[key] = mods[key]
        if not nested and ctx.params.get("since"):
            query["since"] = ctx.params["since"]
        query["after"] = _cursor(start + len(page) - 1)
        result["paging"]["next"] = f"{ctx.root}/{path}?{urlencode(query)}"
    return result


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
        item.hidden = _bool(params[flag])
        return {"success": True}
    if len(parts) != 2:
        raise SimError("(#100) Unknown path components: /" + "/".join(parts[2:]))
    node = _node(ctx, parts[0])
    edge = parts[1]
    if method == "GET":
        if edge in ("posts", "feed", "published_posts", "media") and node is account:
            if (edge == "media") == fb:
                raise SimError(f"(#100) Tried accessing nonexisting field ({edge})")
            since, until = _since(params.get("since")), _since(params.get("until"))
            posts = sorted(state.posts(account), key=lambda p: p.created, reverse=True)
            posts = [
                p
                for p in posts
                if (since is None or p.created >= since) and (until is None or p.created <= until)
            ]
            return _edge(
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
            return _edge(
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
