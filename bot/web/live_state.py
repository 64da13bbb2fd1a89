"""The live queue's shared state: the latest change stamp and who waits for the next one."""

from __future__ import annotations

import asyncio


class LiveQueue:
    """The latest change stamp, and an event that fires when it moves."""

    def __init__(self, interval: float) -> None:
        self.interval = interval
        self.stamp = ""
        self._changed = asyncio.Event()
        self.closing = False

    def publish(self, stamp: str) -> None:
        if stamp != self.stamp:
            self.stamp = stamp
            self._changed.set()
            self._changed = asyncio.Event()

    async def wait(self, seen: str) -> None:
        """Until the stamp differs from ``seen`` or the app closes (the caller bounds it)."""
        if self.stamp != seen or self.closing:
            return
        await self._changed.wait()

    def close(self) -> None:
        self.closing = True
        self._changed.set()
