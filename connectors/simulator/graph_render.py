"""Graph API rendering for the simulator: nodes, fields, expanded edges, paging cursors."""

from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

from connectors.records import Platform
from connectors.simulator.fields import FieldSpec, parse_fields, unparse
from connectors.simulator.state import SimAccount, SimError, SimItem, SimState


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


def as_bool(value: object) -> bool:
    return value is True or str(value).lower() in ("true", "1")


def as_time(value: object) -> datetime | None:
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
        if ig and name == "mentioned_comment":
            mentioned = state.items.get(spec.modifiers.get("comment_id", ""))
            if mentioned is None or mentioned.kind != "comment":
                raise SimError("(#100) The comment_id modifier names no comment")
            return render(mentioned, spec.sub, ctx)
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
                "updated_time": _time(state.updated(item)),
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
            return edge(items, spec, ctx, f"{item.id}/comments", nested=True)
        if (kind, name) in (("media", "comments"), ("comment_ig", "replies")):
            items = (
                state.comments_on(item, stream=False) if kind == "media" else state.children(item)
            )
            return edge(items, spec, ctx, f"{item.id}/{name}", nested=True)
    raise SimError(f"(#100) Tried accessing nonexisting field ({name}) on node type ({node})")


def edge(
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
