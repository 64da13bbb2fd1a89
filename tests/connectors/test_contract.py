"""Every connector against the simulator over real HTTP: the same contract on each platform."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from connectors import (
    AlreadyDone,
    AuthError,
    Capability,
    ConnectorError,
    NotFound,
    PermissionMissing,
    RateLimited,
    RetryPolicy,
    TransientError,
    Unsupported,
    call_with_retry,
)
from tests.connectors.conftest import PLATFORMS, FakeClock, Sim, SimFactory, wall_clock

pytestmark = pytest.mark.parametrize("platform", PLATFORMS)


def clock_options(platform: str, clock: FakeClock) -> dict[str, Any]:
    """Hand the connector a clock (and sleep) that only the test moves."""
    if platform == "x":
        return {"wall_clock": clock}
    return {"clock": clock, "sleep": clock.sleep}


async def seed_threads(sim: Sim, platform: str, count: int = 12) -> list[str]:
    posts = [await sim.add_post(platform, f"Post {n}") for n in range(3)]
    ids = [
        await sim.add_comment(platform, f"comment {n}", post=posts[n % 3], author=f"Parent {n}")
        for n in range(count)
    ]
    ids.append(await sim.add_comment(platform, "a reply", parent=ids[0], author="Parent R"))
    return ids


async def test_first_poll_reads_everything_across_pages(sim: Sim, platform: str) -> None:
    ids = await seed_threads(sim, platform)
    connector = sim.connector(platform, page_size=2 if platform != "x" else 5)

    result = await connector.fetch_comments(None)

    assert sorted(c.id for c in result.comments) == sorted(ids)
    assert len(result.comments) == len(ids)
    assert [c.created_at for c in result.comments] == sorted(c.created_at for c in result.comments)
    assert result.cursor
    assert await sim.requests(platform) > 2  # several pages were followed
    by_id = {c.id: c for c in result.comments}
    assert by_id[ids[-1]].parent_id == ids[0]
    assert by_id[ids[-1]].post_id == by_id[ids[0]].post_id
    assert by_id[ids[0]].parent_id in (None, by_id[ids[0]].post_id)
    assert {c.platform.value for c in result.comments} == {platform}


async def test_next_poll_reads_only_what_is_new(sim: Sim, platform: str) -> None:
    ids = await seed_threads(sim, platform, count=4)
    connector = sim.connector(platform)
    first = await connector.fetch_comments(None)
    assert len(first.comments) == len(ids)

    new = [
        await sim.add_comment(platform, "new top-level comment", author="Late Parent"),
        await sim.add_comment(platform, "new reply", parent=ids[1], author="Another Parent"),
    ]
    second = await connector.fetch_comments(first.cursor)
    third = await connector.fetch_comments(second.cursor)

    assert sorted(c.id for c in second.comments) == sorted(new)
    assert third.comments == ()
    assert third.cursor == second.cursor


async def test_first_poll_of_an_empty_account_keeps_no_cursor(sim: Sim, platform: str) -> None:
    result = await sim.connector(platform).fetch_comments(None)
    assert result.comments == ()
    assert result.cursor is None


async def test_hide_and_unhide_change_the_platform(sim: Sim, platform: str) -> None:
    (comment_id,) = [await sim.add_comment(platform, "Nasty words", author="Troll")]
    connector = sim.connector(platform)

    await connector.hide(comment_id)
    assert (await sim.comment(comment_id))["hidden"] is True
    await connector.hide(comment_id)  # twice is harmless
    assert (await sim.comment(comment_id))["hidden"] is True
    await connector.hide(comment_id, hidden=False)
    assert (await sim.comment(comment_id))["hidden"] is False


async def test_public_reply_is_posted_found_and_not_read_back(sim: Sim, platform: str) -> None:
    comment_id = await sim.add_comment(platform, "When is sports day?", author="Curious Parent")
    connector = sim.connector(platform)
    first = await connector.fetch_comments(None)
    assert await connector.find_reply(comment_id, "It is on Friday 12th.") is None

    reply_id = await connector.reply(comment_id, "It is on Friday 12th.")

    replies = (await sim.comment(comment_id))["replies"]
    assert replies == [{"id": reply_id, "text": "It is on Friday 12th.", "from_account": True}]
    found = await connector.find_reply(comment_id, "It is on Friday 12th.")
    assert found is not None
    assert found.id == reply_id
    assert await connector.find_reply(comment_id, "Something else") is None
    assert (await connector.fetch_comments(first.cursor)).comments == ()


async def test_private_reply_where_the_platform_allows_it(sim: Sim, platform: str) -> None:
    comment_id = await sim.add_comment(platform, "My son was hurt at lunch", author="Worried")
    connector = sim.connector(platform)
    if not connector.supports(Capability.PRIVATE_REPLY):
        with pytest.raises(Unsupported):
            await connector.reply(comment_id, "Please contact the DSL", private=True)
        return

    message_id = await connector.reply(comment_id, "Please contact the DSL", private=True)

    private = (await sim.comment(comment_id))["private_replies"]
    assert private == [{"id": message_id, "text": "Please contact the DSL"}]
    assert await connector.find_reply(comment_id, "Please contact the DSL", private=True) is None
    with pytest.raises(AlreadyDone):
        await connector.reply(comment_id, "Please contact the DSL", private=True)


async def test_block_where_supported(sim: Sim, platform: str) -> None:
    comment_id = await sim.add_comment(platform, "abuse", author={"id": "777", "name": "Troll"})
    connector = sim.connector(platform)
    if not connector.supports(Capability.BLOCK):
        with pytest.raises(Unsupported):
            await connector.block("777")
        return
    await connector.block("777")
    blocks = (await sim.state())["blocks"]
    assert {
        "platform": platform,
        "account": sim.accounts[platform].account_id,
        "user_id": "777",
    } in (blocks)
    assert comment_id


async def test_follower_snapshot(sim: Sim, platform: str) -> None:
    connector = sim.connector(platform)
    snapshot = await connector.follower_snapshot()
    account = sim.accounts[platform]
    assert snapshot.followers_count == account.followers
    assert snapshot.fan_count == (account.fan_count if platform == "facebook" else None)
    if connector.supports(Capability.FOLLOWER_LIST):
        assert snapshot.followers is not None
        assert len(snapshot.followers) == account.follower_list_size
    else:
        assert snapshot.followers is None


async def test_rate_limit_is_waited_out_not_retried_hot(sim: Sim, platform: str) -> None:
    await sim.add_comment(platform, "hello", author="Parent")
    clock = FakeClock(0.0) if platform != "x" else wall_clock()
    connector = sim.connector(platform, **clock_options(platform, clock))
    await sim.fault(kind="rate_limit", platform=platform, retry_after=120, count=1)

    with pytest.raises(RateLimited) as info:
        await connector.fetch_comments(None)
    assert 118 <= info.value.retry_after <= 121
    assert await sim.requests(platform) == 1
    # The window is remembered: an immediate retry waits, it does not hit the platform.
    with pytest.raises(RateLimited):
        await connector.fetch_comments(None)
    assert await sim.requests(platform) == 1

    result = await call_with_retry(
        lambda: connector.fetch_comments(None), RetryPolicy(), sleep=clock.sleep
    )
    assert len(result.comments) == 1
    assert len(clock.sleeps) == 1
    assert 118 <= clock.sleeps[0] <= 121
    assert await sim.requests(platform) == 2


async def test_expired_token_raises_auth_error(sim: Sim, platform: str) -> None:
    await sim.fault(kind="expired_token", platform=platform, count=None)
    connector = sim.connector(platform)
    with pytest.raises(AuthError):
        await connector.fetch_comments(None)
    with pytest.raises(AuthError):
        await connector.follower_snapshot()


async def test_unknown_token_raises_auth_error(sim: Sim, platform: str) -> None:
    sim.accounts[platform].token = "not-a-token"
    with pytest.raises(AuthError):
        await sim.connector(platform).fetch_comments(None)


async def test_a_malformed_comment_is_skipped_and_the_rest_kept(
    sim: Sim, platform: str, caplog: pytest.LogCaptureFixture
) -> None:
    ids = [await sim.add_comment(platform, f"comment {n}", author=f"P{n}") for n in range(3)]
    await sim.fault(kind="malformed_item", platform=platform, count=1)
    caplog.set_level(logging.WARNING)

    result = await sim.connector(platform).fetch_comments(None)

    assert len(result.comments) == 2
    assert {c.id for c in result.comments} < set(ids)
    skipped = (set(ids) - {c.id for c in result.comments}).pop()
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1
    assert skipped in warnings[0].getMessage()


STATUS_TABLE = [
    ("401", {"kind": "error", "status": 401}, AuthError),
    ("403", {"kind": "error", "status": 403}, PermissionMissing),
    ("404", {"kind": "error", "status": 404}, NotFound),
    ("429", {"kind": "rate_limit", "retry_after": 30}, RateLimited),
    ("500", {"kind": "error", "status": 500}, TransientError),
    ("503", {"kind": "error", "status": 503}, TransientError),
    ("timeout", {"kind": "slow", "delay": 5}, TransientError),
    ("malformed-json", {"kind": "malformed"}, TransientError),
]


@pytest.mark.parametrize(
    ("fault", "expected"), [c[1:] for c in STATUS_TABLE], ids=[c[0] for c in STATUS_TABLE]
)
async def test_status_table(
    sim: Sim, platform: str, fault: dict[str, Any], expected: type[ConnectorError]
) -> None:
    await sim.fault(platform=platform, count=None, **fault)
    connector = sim.connector(platform, timeout=0.2)
    with pytest.raises(expected) as info:
        await connector.fetch_comments(None)
    assert sim.accounts[platform].token not in str(info.value)


async def test_idle_poll_costs_one_or_two_requests(sim_factory: SimFactory, platform: str) -> None:
    sim = await sim_factory(posts_per_account=50)
    for n in range(10):
        await sim.add_comment(platform, f"comment {n}", author=f"P{n}")
    connector = sim.connector(platform)
    first = await connector.fetch_comments(None)
    before = await sim.requests(platform)

    idle = await connector.fetch_comments(first.cursor)

    assert idle.comments == ()
    spent = await sim.requests(platform) - before
    assert spent <= (1 if platform == "x" else 2)


ODD_TEXTS = [
    "Well done 🎉👩‍👩‍👧‍👦🏳️‍🌈 ❤️‍🔥",
    "<b>bold</b> &amp; <script>alert('x')</script> \"quoted\" 'single'",
    "مرحبا، متى يبدأ الفصل الدراسي؟",
    "שלום, מתי מתחיל יום הספורט?",
    "line one\nline two\r\n\ttabbed \u200b zero-width",
    "long " + "x" * 10_000,
]


async def test_odd_text_round_trips(sim: Sim, platform: str) -> None:
    ids = [await sim.add_comment(platform, text, author="Odd Writer") for text in ODD_TEXTS]
    connector = sim.connector(platform)

    result = await connector.fetch_comments(None)

    assert sorted(c.text for c in result.comments) == sorted(ODD_TEXTS)
    for comment_id, text in zip(ids, ODD_TEXTS, strict=True):
        reply_id = await connector.reply(comment_id, text)
        assert (await sim.comment(comment_id))["replies"][0]["text"] == text
        found = await connector.find_reply(comment_id, text)
        assert found is not None
        assert found.id == reply_id


async def test_token_never_reaches_logs_or_errors(
    sim: Sim, platform: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    token = sim.accounts[platform].token
    await seed_threads(sim, platform, count=6)
    connector = sim.connector(platform, page_size=2 if platform != "x" else 5)
    await connector.fetch_comments(None)  # follows paging links that carry the token
    await sim.fault(kind="expired_token", platform=platform, count=1)

    with pytest.raises(AuthError) as info:
        await connector.fetch_comments(None)

    assert token not in caplog.text
    error: BaseException | None = info.value
    while error is not None:
        assert token not in str(error)
        assert token not in repr(error)
        error = error.__cause__ or error.__context__


async def test_an_unreadable_cursor_reads_the_lookback_again(
    sim: Sim, platform: str, caplog: pytest.LogCaptureFixture
) -> None:
    comment_id = await sim.add_comment(platform, "hello", author="Parent")
    result = await sim.connector(platform).fetch_comments("garbage|cursor")
    assert [c.id for c in result.comments] == [comment_id]
    assert "unreadable" in caplog.text
