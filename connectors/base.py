"""The interface every platform connector offers."""

from __future__ import annotations

from abc import ABC, abstractmethod
from types import TracebackType
from typing import ClassVar, Self

import aiohttp

from connectors.errors import Unsupported
from connectors.records import Capability, FetchResult, FollowerSnapshot, Platform, Reply


class Connector(ABC):
    """One platform account. Knows the platform, nothing of schools or policy.

    The aiohttp session is injected; a connector closes only a session it created.
    """

    platform: ClassVar[Platform]
    capabilities: ClassVar[frozenset[Capability]]

    def __init__(self, *, account_id: str, session: aiohttp.ClientSession | None = None) -> None:
        self.account_id = account_id
        self._session = session
        self._owns_session = session is None

    @property
    def session(self) -> aiohttp.ClientSession:
        if self._session is None:
            self._session = aiohttp.ClientSession()
        return self._session

    async def close(self) -> None:
        if self._owns_session and self._session is not None:
            await self._session.close()
            self._session = None

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    def supports(self, capability: Capability) -> bool:
        return capability in self.capabilities

    def _require(self, capability: Capability) -> None:
        if capability not in self.capabilities:
            raise Unsupported(f"{self.platform.value} does not support {capability.value}")

    @abstractmethod
    async def fetch_comments(self, cursor: str | None) -> FetchResult:
        """Comments and replies newer than ``cursor`` (all recent ones when ``None``)."""

    async def reconcile(
        self, cursor: str | None, state: str | None
    ) -> tuple[FetchResult, str | None]:
        """The safety net while webhooks deliver: comments they may have missed, on posts of
        any age where the platform allows, in few requests. ``state`` is the connector's own
        bookmark between reconciles. By default, a poll."""
        return await self.fetch_comments(cursor), state

    @abstractmethod
    async def hide(self, comment_id: str, hidden: bool = True) -> None:
        """Hide (or unhide) a comment. Doing it twice is harmless."""

    @abstractmethod
    async def reply(self, comment_id: str, text: str, *, private: bool = False) -> str:
        """Reply in public or privately; returns the platform's id for the reply."""

    @abstractmethod
    async def find_reply(
        self, comment_id: str, text: str, *, private: bool = False
    ) -> Reply | None:
        """Our earlier reply with this text, if the platform shows one: checked before a resend."""

    @abstractmethod
    async def block(self, author_id: str) -> None:
        """Block the author from the account."""

    @abstractmethod
    async def follower_snapshot(self) -> FollowerSnapshot:
        """Follower count now (and the follower list where the platform gives it)."""
