"""X: recorded API v2 payloads into records, problems into errors, tiers, rate windows."""

from __future__ import annotations

import logging
import re
import time
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest

from connectors import (
    AuthError,
    Capability,
    ConnectorError,
    NotFound,
    OAuth1Keys,
    PermissionMissing,
    RateLimited,
    TransientError,
    Unsupported,
    create_connector,
)
from connectors.simulator import SimAccount
from connectors.x import XConnector
from tests.connectors.conftest import Replay, Sim, SimFactory, load_fixture, make_accounts

USER = "303"
TOKEN = "x-SECRET-token-303"
MENTIONS = f"/2/users/{USER}/mentions"
REPO = Path(__file__).resolve().parents[2]


def connector(replay: Replay, **options: object) -> XConnector:
    made = create_connector(
        "x",
        account_id=USER,
        token=TOKEN,
        base_url=replay.base_url,
        session=replay.session,
        **options,
    )
    assert isinstance(made, XConnector)
    return made


async def test_mentions_become_comments(replay: Replay) -> None:
    replay.add("GET", MENTIONS, load_fixture("x", "mentions"))

    result = await connector(replay).fetch_comments(None)

    assert [c.id for c in result.comments] == [
        "1860000000000001990",
        "1860000000000002001",
        "1860000000000002003",
    ]
    mention, reply, nested = result.comments
    assert (mention.parent_id, mention.post_id) == (None, "1860000000000001990")
    assert reply.author.username == "dave_o"
    assert reply.parent_id == "1860000000000002000"
    assert reply.post_id == "1860000000000002000"
    assert reply.post_text == "What a brilliant sports day!"
    assert reply.created_at == datetime(2026, 11, 20, 15, 30, tzinfo=UTC)
    assert reply.permalink == "https://x.com/dave_o/status/1860000000000002001"
    assert nested.parent_id == "1860000000000002001"
    assert nested.author.name == "Priya Patel"
    assert result.cursor == "1860000000000002003"
    (request,) = replay.seen
    assert request.headers["Authorization"] == f"Bearer {TOKEN}"
    assert "start_time" in request.query
    assert "since_id" not in request.query


async def test_next_poll_asks_since_the_cursor_and_keeps_it_when_idle(replay: Replay) -> None:
    replay.add("GET", MENTIONS, load_fixture("x", "mentions_empty"))
    result = await connector(replay).fetch_comments("1860000000000002003")
    assert (result.comments, result.cursor) == ((), "1860000000000002003")
    assert replay.seen[0].query["since_id"] == "1860000000000002003"
    assert "start_time" not in replay.seen[0].query


async def test_writes_and_reads(replay: Replay) -> None:
    replay.add("PUT", "/2/tweets/1860000000000002001/hidden", load_fixture("x", "hide_reply"))
    replay.add("POST", "/2/tweets", load_fixture("x", "create_tweet"))
    replay.add("POST", f"/2/users/{USER}/blocking", load_fixture("x", "block"))
    replay.add("GET", f"/2/users/{USER}/tweets", load_fixture("x", "user_tweets"))
    replay.add("GET", f"/2/users/{USER}", load_fixture("x", "user_public_metrics"))
    replay.add("GET", f"/2/users/{USER}/followers", load_fixture("x", "followers"))
    account = connector(replay, tier="pro")

    await account.hide("1860000000000002001")
    assert await account.reply("1860000000000002001", "Thanks") == "1860000000000002011"
    await account.block("2244994945")
    found = await account.find_reply("1860000000000002001", "Thank you, Dave!")
    assert found is not None
    assert found.id == "1860000000000002010"
    snapshot = await account.follower_snapshot()
    assert snapshot.followers_count == 512
    assert snapshot.followers is not None
    assert [f.username for f in snapshot.followers] == ["API", "priya_p"]

    assert [s.body for s in replay.seen[:3]] == [
        {"hidden": True},
        {"text": "Thanks", "reply": {"in_reply_to_tweet_id": "1860000000000002001"}},
        {"target_user_id": "2244994945"},
    ]
    with pytest.raises(Unsupported):
        await account.reply("1860000000000002001", "psst", private=True)


async def test_basic_tier_has_no_block_and_no_follower_list(replay: Replay) -> None:
    replay.add("GET", f"/2/users/{USER}", load_fixture("x", "user_public_metrics"))
    account = connector(replay, tier="basic")
    assert not account.supports(Capability.BLOCK)
    assert not account.supports(Capability.FOLLOWER_LIST)
    with pytest.raises(Unsupported):
        await account.block("2244994945")
    snapshot = await account.follower_snapshot()
    assert (snapshot.followers_count, snapshot.followers) == (512, None)
    assert len(replay.seen) == 1


async def test_refused_follower_list_falls_back_to_the_count(replay: Replay) -> None:
    replay.add("GET", f"/2/users/{USER}", load_fixture("x", "user_public_metrics"))
    replay.add("GET", f"/2/users/{USER}/followers", load_fixture("x", "problem_client_forbidden"),
               status=403)  # fmt: skip
    snapshot = await connector(replay, tier="pro").follower_snapshot()
    assert (snapshot.followers_count, snapshot.followers) == (512, None)


def test_unknown_tier_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown X tier"):
        create_connector("x", account_id=USER, token=TOKEN, tier="platinum")


@pytest.mark.parametrize(
    ("fixture", "status", "expected"),
    [
        ("problem_unauthorized", 401, AuthError),
        ("problem_forbidden", 403, PermissionMissing),
        ("problem_client_forbidden", 403, Unsupported),
        ("problem_too_many_requests", 429, RateLimited),
        ("problem_server_error", 503, TransientError),
        ("problem_not_found", 404, NotFound),
        ("problem_not_found", 200, NotFound),
    ],
)
async def test_problems_map_onto_our_errors(
    replay: Replay, fixture: str, status: int, expected: type[ConnectorError]
) -> None:
    reset = int(time.time()) + 300
    replay.add("GET", MENTIONS, load_fixture("x", fixture), status=status,
               headers={"x-rate-limit-remaining": "0", "x-rate-limit-reset": str(reset)}
               if status == 429 else {})  # fmt: skip
    with pytest.raises(expected) as info:
        await connector(replay).fetch_comments(None)
    if isinstance(info.value, RateLimited):
        assert 295 <= info.value.retry_after <= 301
    assert TOKEN not in str(info.value)


async def test_a_used_up_window_waits_without_a_request(replay: Replay) -> None:
    reset = int(time.time()) + 600
    replay.add("GET", MENTIONS, load_fixture("x", "mentions_empty"),
               headers={"x-rate-limit-limit": "450", "x-rate-limit-remaining": "0",
                        "x-rate-limit-reset": str(reset)})  # fmt: skip
    account = connector(replay)
    await account.fetch_comments("1")
    with pytest.raises(RateLimited) as info:
        await account.fetch_comments("1")
    assert 590 <= info.value.retry_after <= 601
    assert len(replay.seen) == 1


async def test_hiding_outside_our_own_conversations_says_so(sim: Sim) -> None:
    ours = await sim.add_comment("x", "Lovely", author="Gemma")
    post = await sim._call(
        "POST",
        "/_sim/posts",
        {"platform": "x", "account": "303", "text": "Great event @oakfieldsch", "author": "Dave"},
    )
    theirs = await sim.add_comment("x", "I agree!", parent=post["id"], author="Priya")
    account = sim.connector("x")

    with pytest.raises(Unsupported, match="conversations it started"):
        await account.hide(theirs)
    await account.hide(ours)
    assert (await sim.comment(ours))["hidden"] is True
    assert (await sim.comment(theirs))["hidden"] is False


async def test_simulated_rate_window_runs_out(sim_factory: SimFactory) -> None:
    accounts = make_accounts()
    sim = await sim_factory(accounts)
    account = sim.connector("x", tier="pro")
    for _ in range(15):  # the followers window allows 15 calls
        await account.follower_snapshot()
    with pytest.raises(RateLimited):
        await account.follower_snapshot()  # remaining hit 0: no 16th list request is sent
    assert await sim.requests("x") == 31


def test_bot_never_imports_tweepy() -> None:
    pattern = re.compile(r"^\s*(import tweepy|from tweepy)", re.MULTILINE)
    offenders = [
        str(path.relative_to(REPO))
        for path in (REPO / "bot").rglob("*.py")
        if pattern.search(path.read_text(encoding="utf-8"))
    ]
    assert offenders == []


async def test_unhide_and_a_refused_hide_in_someone_elses_conversation(replay: Replay) -> None:
    replay.add("PUT", "/2/tweets/1860000000000002001/hidden", load_fixture("x", "unhide_reply"))
    forbidden = load_fixture("x", "problem_forbidden")
    replay.add("PUT", "/2/tweets/1860000000000003001/hidden", forbidden, status=403)
    replay.add("GET", "/2/tweets/1860000000000003001", load_fixture("x", "tweet_lookup"))
    replay.add("GET", "/2/tweets/1860000000000003000", load_fixture("x", "tweet_lookup_root"))
    account = connector(replay)

    await account.hide("1860000000000002001", hidden=False)
    assert replay.seen[0].body == {"hidden": False}
    with pytest.raises(Unsupported, match="someone else started"):
        await account.hide("1860000000000003001")
    assert [s.path for s in replay.seen[1:]] == [
        "/2/tweets/1860000000000003001/hidden",
        "/2/tweets/1860000000000003001",
        "/2/tweets/1860000000000003000",
    ]


async def test_a_refused_hide_in_our_own_conversation_is_a_missing_permission(
    replay: Replay,
) -> None:
    root = load_fixture("x", "tweet_lookup_root")
    root["data"]["author_id"] = USER
    forbidden = load_fixture("x", "problem_forbidden")
    replay.add("PUT", "/2/tweets/1860000000000003001/hidden", forbidden, status=403)
    replay.add("GET", "/2/tweets/1860000000000003001", load_fixture("x", "tweet_lookup"))
    replay.add("GET", "/2/tweets/1860000000000003000", root)
    with pytest.raises(PermissionMissing):
        await connector(replay).hide("1860000000000003001")


def _oauth1_accounts() -> dict[str, SimAccount]:
    accounts = make_accounts()
    accounts["x"] = replace(
        accounts["x"],
        consumer_key="app-consumer-key",
        consumer_secret="app-SECRET-consumer",
        token_secret="x-SECRET-token-secret",
    )
    return accounts


async def test_oauth1_signed_requests_read_hide_reply_and_count(sim_factory: SimFactory) -> None:
    sim = await sim_factory(_oauth1_accounts())
    keys = OAuth1Keys("app-consumer-key", "app-SECRET-consumer", "x-SECRET-token-secret")
    account = sim.connector("x", oauth1=keys, tier="pro")
    rude = await sim.add_comment("x", "You lot are idiots: shut it down", author="Troll")

    result = await account.fetch_comments(None)
    await account.hide(rude)
    reply = await account.reply(rude, "Please contact the school office on 01632 960000.")
    snapshot = await account.follower_snapshot()

    assert rude in [comment.id for comment in result.comments]
    assert (await sim.comment(rude))["hidden"] is True
    assert reply
    assert snapshot.followers_count == 500
    assert snapshot.followers is not None
    assert len(snapshot.followers) == 30


async def test_oauth1_with_a_wrong_secret_is_refused_as_an_auth_error(
    sim_factory: SimFactory,
) -> None:
    sim = await sim_factory(_oauth1_accounts())
    wrong = OAuth1Keys("app-consumer-key", "app-SECRET-consumer", "not-the-token-secret")
    with pytest.raises(AuthError):
        await sim.connector("x", oauth1=wrong).fetch_comments(None)


async def test_an_oauth1_token_sent_as_a_bearer_token_is_refused(sim_factory: SimFactory) -> None:
    sim = await sim_factory(_oauth1_accounts())
    with pytest.raises(AuthError):
        await sim.connector("x").fetch_comments(None)


def test_oauth1_keys_never_show_in_a_repr() -> None:
    keys = OAuth1Keys("app-consumer-key", "app-SECRET-consumer", "x-SECRET-token-secret")
    assert "SECRET" not in repr(keys)
    assert "consumer-key" not in repr(keys)


async def test_a_long_post_is_read_whole_from_its_note_tweet(replay: Replay) -> None:
    """Issue 12.7: X cuts ``text`` at 280 characters; the whole post is in ``note_tweet``."""
    recorded = load_fixture("x", "mentions_long_post")
    replay.add("GET", MENTIONS, recorded)

    (comment,) = (await connector(replay).fetch_comments(None)).comments

    assert "note_tweet" in replay.seen[0].query["tweet.fields"].split(",")
    assert comment.text == recorded["data"][0]["note_tweet"]["text"]
    assert len(comment.text) > 280
    assert comment.text.endswith("Please can someone call me back today.")
    assert comment.post_text == recorded["includes"]["tweets"][0]["note_tweet"]["text"]


async def test_a_post_with_an_unreadable_time_is_kept_with_the_read_time(
    replay: Replay, caplog: pytest.LogCaptureFixture
) -> None:
    """Issue 12.9: skipping it let the cursor move past it for good."""
    replay.add("GET", MENTIONS, load_fixture("x", "mentions_unreadable_time"))
    before = datetime.now(UTC)

    result = await connector(replay).fetch_comments(None)

    odd, fine = sorted(result.comments, key=lambda c: c.id, reverse=True)
    assert odd.id == "1860000000000004002"
    assert odd.text == "@oakfieldsch you should all be sacked"
    assert before <= odd.created_at <= datetime.now(UTC)
    assert fine.created_at == datetime(2026, 11, 20, 15, 30, tzinfo=UTC)
    assert result.cursor == "1860000000000004002"
    (warning,) = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert "1860000000000004002" in warning.getMessage()
    assert "sacked" not in warning.getMessage()


async def test_a_long_post_in_the_simulator_is_read_whole(sim: Sim) -> None:
    text = "Please read this before Friday. " * 12
    posted = await sim.add_comment("x", text)

    result = await sim.connector("x").fetch_comments(None)

    assert [c.text for c in result.comments if c.id == posted] == [text]
