"""One retry helper whose policy is a table: wait the stated time, back off, or stop."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from enum import Enum
from typing import TypeVar

from connectors.errors import (
    AlreadyDone,
    AuthError,
    ConnectorError,
    NotFound,
    PermissionMissing,
    RateLimited,
    TransientError,
    Unsupported,
)

_LOGGER = logging.getLogger(__name__)

T = TypeVar("T")
Sleep = Callable[[float], Awaitable[None]]


class Decision(Enum):
    """What to do after a failed attempt."""

    WAIT_STATED = "wait the time the platform stated"
    BACK_OFF = "back off, growing x1.5, capped"
    STOP = "do not retry"


#: The policy table: the first row whose error type matches decides.
TABLE: tuple[tuple[type[ConnectorError], Decision], ...] = (
    (RateLimited, Decision.WAIT_STATED),
    (TransientError, Decision.BACK_OFF),
    (AuthError, Decision.STOP),
    (PermissionMissing, Decision.STOP),
    (NotFound, Decision.STOP),
    (Unsupported, Decision.STOP),
    (AlreadyDone, Decision.STOP),
    (ConnectorError, Decision.STOP),
)


def decision_for(error: BaseException) -> Decision:
    """The table's row for ``error``; anything that is not a ConnectorError stops."""
    for error_type, decision in TABLE:
        if isinstance(error, error_type):
            return decision
    return Decision.STOP


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How often and how long to retry.

    ``attempt`` counts failed attempts so far (1 after the first failure).
    A stated wait longer than ``max_stated_wait`` is not waited out here: the
    error goes back to the caller (the scheduler moves the next run instead).
    """

    max_attempts: int = 5
    first_delay: float = 1.0
    backoff: float = 1.5
    max_delay: float = 60.0
    max_stated_wait: float = 900.0

    def delay_for(self, error: BaseException, attempt: int) -> float | None:
        """Seconds to wait before the next attempt, or ``None`` to give up."""
        if attempt >= self.max_attempts:
            return None
        decision = decision_for(error)
        if decision is Decision.WAIT_STATED and isinstance(error, RateLimited):
            wait = max(0.0, error.retry_after)
            return wait if wait <= self.max_stated_wait else None
        if decision is Decision.BACK_OFF:
            return self.back_off(attempt)
        return None

    def back_off(self, attempt: int) -> float:
        """The growing wait after ``attempt`` failures, capped at ``max_delay``."""
        return min(self.first_delay * self.backoff ** min(attempt - 1, 64), self.max_delay)


DEFAULT_POLICY = RetryPolicy()


async def call_with_retry(
    fn: Callable[[], Awaitable[T]],
    policy: RetryPolicy = DEFAULT_POLICY,
    *,
    sleep: Sleep = asyncio.sleep,
) -> T:
    """Call ``fn`` until it succeeds or the policy says stop; re-raise the last error."""
    attempt = 0
    while True:
        try:
            return await fn()
        except ConnectorError as exc:
            attempt += 1
            delay = policy.delay_for(exc, attempt)
            if delay is None:
                raise
            _LOGGER.debug(
                "Attempt %s failed (%s); retrying in %.1fs", attempt, type(exc).__name__, delay
            )
            await sleep(delay)
