"""The retry table: wait the stated time, back off x1.5 capped, or stop."""

from __future__ import annotations

import pytest

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
from connectors.retry import RetryPolicy, call_with_retry
from tests.connectors.conftest import FakeClock

POLICY = RetryPolicy(max_attempts=5, first_delay=2.0, backoff=1.5, max_delay=4.0)


@pytest.mark.parametrize(
    ("error", "attempt", "expected"),
    [
        (RateLimited("slow down", retry_after=42.0), 1, 42.0),
        (RateLimited("slow down", retry_after=42.0), 4, 42.0),
        (RateLimited("way too long", retry_after=10_000.0), 1, None),
        (TransientError("500"), 1, 2.0),
        (TransientError("500"), 2, 3.0),
        (TransientError("500"), 3, 4.0),  # 4.5 capped at 4.0
        (TransientError("500"), 5, None),  # attempts used up
        (AuthError("expired"), 1, None),
        (PermissionMissing("scope"), 1, None),
        (NotFound("gone"), 1, None),
        (Unsupported("no"), 1, None),
        (AlreadyDone("done"), 1, None),
        (ConnectorError("odd"), 1, None),
        (ValueError("not ours"), 1, None),
    ],
)
def test_policy_table(error: BaseException, attempt: int, expected: float | None) -> None:
    assert POLICY.delay_for(error, attempt) == expected


async def test_call_with_retry_waits_the_stated_time_then_succeeds() -> None:
    clock = FakeClock(0.0)
    calls: list[float] = []

    async def flaky() -> str:
        calls.append(clock.now)
        if len(calls) == 1:
            raise RateLimited("429", retry_after=30.0)
        if len(calls) == 2:
            raise TransientError("503")
        return "ok"

    assert await call_with_retry(flaky, POLICY, sleep=clock.sleep) == "ok"
    assert clock.sleeps == [30.0, 3.0]
    assert calls == [0.0, 30.0, 33.0]


async def test_call_with_retry_stops_on_auth_error_without_sleeping() -> None:
    clock = FakeClock(0.0)

    async def revoked() -> None:
        raise AuthError("token revoked")

    with pytest.raises(AuthError):
        await call_with_retry(revoked, POLICY, sleep=clock.sleep)
    assert clock.sleeps == []


async def test_call_with_retry_gives_up_after_max_attempts() -> None:
    clock = FakeClock(0.0)
    attempts = 0

    async def down() -> None:
        nonlocal attempts
        attempts += 1
        raise TransientError("502")

    with pytest.raises(TransientError):
        await call_with_retry(down, POLICY, sleep=clock.sleep)
    assert attempts == 5
    assert clock.sleeps == [2.0, 3.0, 4.0, 4.0]
