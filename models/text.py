"""Text as a platform sent it, in a form every database can store.

A platform can send half an emoji (a lone UTF-16 surrogate) or a NUL: neither can be encoded
for SQLite or PostgreSQL. The stored text has U+FFFD in their place; the fields as read are
kept beside it as ASCII JSON, so nothing is lost.
"""

from __future__ import annotations

import json
from collections.abc import Mapping


def storable(text: str) -> str:
    """``text`` with surrogate pairs joined, and lone surrogates and NUL as U+FFFD."""
    if text.isascii() and "\x00" not in text:
        return text
    joined = text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")
    return joined.replace("\x00", "\ufffd")


def originals(fields: Mapping[str, str | None]) -> str | None:
    """The fields that :func:`storable` changes, as ASCII JSON; ``None`` if it changes none."""
    changed = {name: value for name, value in fields.items() if value and storable(value) != value}
    return json.dumps(changed, ensure_ascii=True, sort_keys=True) if changed else None


def original(kept: str | None, name: str) -> str | None:
    """The field ``name`` as read, from what :func:`originals` kept (``None``: unchanged)."""
    if not kept:
        return None
    value = json.loads(kept).get(name)
    return value if isinstance(value, str) else None
