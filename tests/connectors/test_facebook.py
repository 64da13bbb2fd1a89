"""Facebook: recorded Graph payloads into records, errors by code, usage headers, proofs."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime

import pytest

from connectors import (
    AlreadyDone,
    AuthError,
    ConnectorError,
    NotFound,
    PermissionMissing,
    RateLimited,
    TransientError,
    create_connector,
)
from connectors.facebook import FacebookConnector
from connectors.graph import GRAPH_API_VERSION, appsecret_proof
from tests.connectors.conftest import (
    FakeClock,
    Replay,
    Sim,
    SimFactory,
    load_fixture,
    make_accounts,
)

PAGE = "101"
TOKEN = "fb-SECRET-token-101"
NOW = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)
POSTS = f"/{GRAPH_API_VERSION}/{PAGE}/posts"


def connector(replay: Replay, **options: object) -> FacebookConnector:
    made = create_connector(
        "facebook",
        account_id=PAGE,
        token=TOKEN,
        base_url=replay.base_url,
        session=replay.session,
        **options,
    )
    assert isinstance(made, FacebookConnector)
    return made


async def test_page_posts_become_comments(replay: Replay) -> None:
    replay.add("GET", POSTS, load_fixture("facebook", "page_posts"))
    result = await connector(replay, now=lambda: NOW).fetch_comments(None)

    assert [c.id for c in result.comments] == [
        "5001_7001",
        "5001_7002",
    ]  # the Page's own is left out
    first, reply = result.comments
    assert first.author.name == "Gemma Jones"
    assert first.hidden is True
    assert first.parent_id is None
    assert first.post_id == "101_5001"
    assert first.post_text == "What a brilliant sports day! Thank you to all our families."
    assert first.created_at == datetime(2026, 11, 20, 15, 30, tzinfo=UTC)
    assert reply.parent_id == "5001_7001"
    assert reply.permalink == "https://www.facebook.com/101/posts/5001?comment_id=5001_7002"
    # the cursor covers the newest comment read, the Page's own reply included
    assert (
        result.cursor == f"{int(datetime(2026, 11, 20, 16, 10, tzinfo=UTC).timestamp())}|5001_7003"
    )
    (request,) = replay.seen
    assert request.headers["Authorization"] == f"Bearer {TOKEN}"
    assert "access_token" not in request.query
    assert "comments.filter(stream).order(reverse_chronological)" in request.query["fields"]
    assert request.query["since"] == str(int(NOW.timestamp()) - 7 * 86400)


async def test_empty_page(replay: Replay) -> None:
    replay.add("GET", POSTS, load_fixture("facebook", "page_posts_empty"))
    result = await connector(replay).fetch_comments("1700000000|1_2")
    assert result.comments == ()
    assert result.cursor == "1700000000|1_2"


async def test_malformed_comments_are_logged_and_skipped(
    replay: Replay, caplog: pytest.LogCaptureFixture
) -> None:
    replay.add("GET", POSTS, load_fixture("facebook", "page_posts_malformed"))
    result = await connector(replay, now=lambda: NOW).fetch_comments(None)

    assert [c.id for c in result.comments] == ["5001_8001", "5001_8005"]
    messages = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(messages) == 3
    assert "5001_8002" in messages[0]
    assert "(no id)" in messages[1]
    assert "5001_8004" in messages[2]
    assert TOKEN not in caplog.text


async def test_paging_links_are_followed_on_our_host_without_their_token(replay: Replay) -> None:
    first = load_fixture("facebook", "page_posts_empty")
    first["data"] = [{"id": "101_1", "message": "p", "created_time": "2026-11-20T15:00:00+0000"}]
    first["paging"] = {
        "next": f"https://graph.facebook.com/{GRAPH_API_VERSION}/{PAGE}/posts"
        f"?access_token={TOKEN}&limit=50&after=QVFIUmJxTEJ0Wmxi"
    }
    replay.add("GET", POSTS, first)
    replay.add("GET", POSTS, load_fixture("facebook", "page_posts"))

    result = await connector(replay, now=lambda: NOW).fetch_comments(None)

    assert len(result.comments) == 2
    assert len(replay.seen) == 2
    assert replay.seen[1].query == {"limit": "50", "after": "QVFIUmJxTEJ0Wmxi"}


async def test_appsecret_proof_is_sent_when_configured(replay: Replay) -> None:
    replay.add("GET", f"/{GRAPH_API_VERSION}/{PAGE}", load_fixture("facebook", "page_followers"))
    snapshot = await connector(replay, app_secret="s3cret", now=lambda: NOW).follower_snapshot()
    assert (snapshot.followers_count, snapshot.fan_count) == (1532, 1488)
    assert replay.seen[0].query["appsecret_proof"] == appsecret_proof(TOKEN, "s3cret")


async def test_writes_send_the_graph_shapes(replay: Replay) -> None:
    v = GRAPH_API_VERSION
    replay.add("POST", f"/{v}/5001_7001", load_fixture("facebook", "hide_success"))
    replay.add("POST", f"/{v}/5001_7001/comments", load_fixture("facebook", "reply_created"))
    replay.add("POST", f"/{v}/{PAGE}/messages", load_fixture("facebook", "private_reply_sent"))
    replay.add("POST", f"/{v}/{PAGE}/blocked", load_fixture("facebook", "block_success"))
    replay.add("GET", f"/{v}/5001_7002/comments", load_fixture("facebook", "comment_replies"))
    page = connector(replay)

    await page.hide("5001_7001")
    assert await page.reply("5001_7001", "Thanks!") == "5001_7010"
    assert (await page.reply("5001_7001", "See DM", private=True)).startswith("m_AG5")
    await page.block("6512345678901234")
    found = await page.find_reply("5001_7002", "Yes, on Monday. Thank you!")
    assert found is not None
    assert found.id == "5001_7009"
    assert await page.find_reply("5001_7002", "Is the photo gallery going on the website?") is None

    bodies = [s.body for s in replay.seen]
    assert bodies[:4] == [
        {"is_hidden": True},
        {"message": "Thanks!"},
        {"recipient": {"comment_id": "5001_7001"}, "message": {"text": "See DM"}},
        {"user": "6512345678901234"},
    ]


@pytest.mark.parametrize(
    ("fixture", "status", "expected"),
    [
        ("error_token_expired", 400, AuthError),
        ("error_token_invalidated", 401, AuthError),
        ("error_permission", 403, PermissionMissing),
        ("error_no_permission", 400, PermissionMissing),
        ("error_rate_limit", 400, RateLimited),
        ("error_app_rate_limit", 403, RateLimited),
        ("error_user_rate_limit", 403, RateLimited),
        ("error_not_found", 400, NotFound),
        ("error_unknown", 500, TransientError),
        ("error_already_replied", 400, AlreadyDone),
    ],
)
async def test_error_codes_map_onto_our_errors(
    replay: Replay, fixture: str, status: int, expected: type[ConnectorError]
) -> None:
    replay.add("POST", f"/{GRAPH_API_VERSION}/{PAGE}/messages", load_fixture("facebook", fixture),
               status=status)  # fmt: skip
    with pytest.raises(expected) as info:
        await connector(replay).reply("5001_7001", "hello", private=True)
    assert info.value.code == load_fixture("facebook", fixture)["error"]["code"]


async def test_rate_limit_retry_after_comes_from_the_usage_header(replay: Replay) -> None:
    usage = {PAGE: [{"type": "pages", "call_count": 100, "total_cputime": 40, "total_time": 40,
                     "estimated_time_to_regain_access": 7}]}  # fmt: skip
    replay.add("GET", POSTS, load_fixture("facebook", "error_rate_limit"), status=400,
               headers={"X-Business-Use-Case-Usage": json.dumps(usage)})  # fmt: skip
    with pytest.raises(RateLimited) as info:
        await connector(replay).fetch_comments(None)
    assert info.value.retry_after == 7 * 60


async def test_usage_headers_slow_down_then_pause(replay: Replay) -> None:
    clock = FakeClock(1000.0)
    page = connector(replay, clock=clock, sleep=clock.sleep)
    path = f"/{GRAPH_API_VERSION}/{PAGE}"
    body = load_fixture("facebook", "page_followers")
    replay.add("GET", path, body, headers={"X-App-Usage": '{"call_count": 80, "total_time": 5}'})
    replay.add("GET", path, body, headers={"X-App-Usage": '{"call_count": 97, "total_time": 9}'})
    replay.add("GET", path, body)

    await page.follower_snapshot()  # usage 80%: noted
    assert clock.sleeps == []
    await page.follower_snapshot()  # paced before the call; usage now 97%
    assert clock.sleeps == [2.0]
    with pytest.raises(RateLimited) as info:  # paused before the limit, no request made
        await page.follower_snapshot()
    assert info.value.retry_after == 60.0
    assert len(replay.seen) == 2
    clock.now += 61
    await page.follower_snapshot()
    assert len(replay.seen) == 3


async def test_simulator_checks_appsecret_proof(sim_factory: SimFactory) -> None:
    accounts = make_accounts()
    accounts["facebook"].app_secret = "trust-app-secret"
    sim: Sim = await sim_factory(accounts)
    await sim.add_comment("facebook", "hello", author="Parent")

    good = sim.connector("facebook", app_secret="trust-app-secret")
    assert len((await good.fetch_comments(None)).comments) == 1
    for wrong in (None, "not-the-secret"):
        with pytest.raises(ConnectorError, match="appsecret_proof"):
            await sim.connector("facebook", app_secret=wrong).fetch_comments(None)


async def test_paging_stops_at_posts_older_than_the_lookback(replay: Replay) -> None:
    page = load_fixture("facebook", "page_posts")
    page["paging"]["next"] = f"https://graph.facebook.com/{GRAPH_API_VERSION}/{PAGE}/posts?after=X"
    replay.add("GET", POSTS, page)
    result = await connector(replay, now=lambda: NOW, lookback_days=2).fetch_comments(None)
    assert len(result.comments) == 2
    assert len(replay.seen) == 1  # the 18th is outside two days: no next page


async def test_simulated_usage_near_the_limit_pauses_the_account(sim: Sim) -> None:
    await sim.add_comment("facebook", "hello", author="Parent")
    await sim.fault(kind="usage", platform="facebook", usage=97, count=1)
    clock = FakeClock(0.0)
    page = sim.connector("facebook", clock=clock, sleep=clock.sleep)
    assert len((await page.fetch_comments(None)).comments) == 1
    with pytest.raises(RateLimited):
        await page.fetch_comments(None)
    assert await sim.requests("facebook") == 1
