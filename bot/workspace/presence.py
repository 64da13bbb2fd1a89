"""Who is looking at an item right now: shown beside, never mistaken for, who has taken it."""

from __future__ import annotations

from datetime import datetime, timedelta

VIEWING = timedelta(minutes=2)
"""A page view counts as "viewing" for this long."""


class Presence:
    """In this dashboard process's memory: page views are not worth a database write."""

    def __init__(self) -> None:
        self._seen: dict[int, dict[int, tuple[str, datetime]]] = {}

    def saw(self, item_id: int, user_id: int, name: str, now: datetime) -> list[str]:
        """Note that ``user_id`` opened the item; the names of the others viewing it now."""
        viewers = self._seen.setdefault(item_id, {})
        for other, (_, at) in list(viewers.items()):
            if at <= now - VIEWING:
                del viewers[other]
        viewers[user_id] = (name, now)
        if len(self._seen) > 10_000:
            self._prune(now)
        return sorted(other_name for other, (other_name, _) in viewers.items() if other != user_id)

    def _prune(self, now: datetime) -> None:
        for item_id, viewers in list(self._seen.items()):
            if all(at <= now - VIEWING for _, at in viewers.values()):
                del self._seen[item_id]
