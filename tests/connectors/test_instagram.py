"""Instagram: recorded Graph payloads into records, replies, private replies, no block."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from connectors import (
    AlreadyDone,
    AuthError,
    Capability,
    ConnectorError,
    NotFound,
    PermissionMissing,
    RateLimited,
    TransientError,
    Unsupported,
    create_connector,
)
from connectors.graph import GRAPH_API_VERSION
from connectors.instagram import InstagramConnector
from tests.connectors.conftest import Replay, load_fixture

IG = "17841400000000202"
TOKEN = "ig-SECRET-token-202"
NOW = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)
MEDIA = f"/{GRAPH_API_VERSION}/{IG}/media"


def connector(replay: Replay, **options: object) -> InstagramConnector:
    made = create_connector(
        "instagram",
        account_id=IG,
        token=TOKEN,
        base_url=replay.base_url,
        session=replay.session,
        **options,
    )
    assert isinstance(made, InstagramConnector)
    return made


async def test_media_become_comments_with_their_replies(replay: Replay) -> None:
    replay.add("GET", MEDIA, load_fixture("instagram", "media"))

    result = await connector(replay, now=lambda: NOW).fetch_comments(None)

    by_id = {c.id: c for c in result.comments}
    assert sorted(by_id) == ["17858893269000001", "17870913679156914", "17881770991003329"]
    top = by_id["17870913679156914"]
    assert (top.author.username, top.text, top.parent_id) == (
        "gemma.jones",
        "Looks amazing 😍",
        None,
    )
    assert top.post_id == "17895695668004550"
    assert top.post_text == "Year 6 had a fantastic time on their residential trip this week."
    assert top.permalink == "https://www.instagram.com/p/DAbc123xyz/"
    assert by_id["17881770991003329"].parent_id == "17870913679156914"
    assert by_id["17858893269000001"].hidden is True
    newest = int(datetime(2026, 11, 20, 15, 45, tzinfo=UTC).timestamp())
    assert result.cursor == f"{newest}|17881770991003329"
    (request,) = replay.seen
    assert "replies.limit(50){" in request.query["fields"]
    assert request.headers["Authorization"] == f"Bearer {TOKEN}"


async def test_cursor_leaves_out_what_was_read(replay: Replay) -> None:
    replay.add("GET", MEDIA, load_fixture("instagram", "media"))
    cursor = f"{int(datetime(2026, 11, 20, 15, 25, tzinfo=UTC).timestamp())}|17858893269000001"
    result = await connector(replay).fetch_comments(cursor)
    assert [c.id for c in result.comments] == ["17881770991003329"]


async def test_empty_media(replay: Replay) -> None:
    replay.add("GET", MEDIA, load_fixture("instagram", "media_empty"))
    result = await connector(replay).fetch_comments(None)
    assert (result.comments, result.cursor) == ((), None)


async def test_writes_send_the_graph_shapes(replay: Replay) -> None:
    v = GRAPH_API_VERSION
    replay.add("POST", f"/{v}/17870913679156914", load_fixture("instagram", "hide_success"))
    replay.add(
        "POST", f"/{v}/17870913679156914/replies", load_fixture("instagram", "reply_created")
    )
    replay.add("POST", f"/{v}/{IG}/messages", load_fixture("instagram", "private_reply_sent"))
    replay.add(
        "GET", f"/{v}/17870913679156914/replies", load_fixture("instagram", "comment_replies")
    )
    replay.add("GET", f"/{v}/{IG}", load_fixture("instagram", "user_followers"))
    account = connector(replay)

    await account.hide("17870913679156914", hidden=False)
    assert await account.reply("17870913679156914", "Thank you!") == "17873440459141029"
    assert await account.reply("17870913679156914", "See DM", private=True)
    found = await account.find_reply("17870913679156914", "@gemma.jones thank you!")
    assert found is not None
    assert found.id == "17881770991003328"
    assert await account.find_reply("17870913679156914", "Agreed, what a week") is None
    snapshot = await account.follower_snapshot()
    assert (snapshot.followers_count, snapshot.fan_count, snapshot.followers) == (912, None, None)

    assert [s.body for s in replay.seen[:3]] == [
        {"hide": False},
        {"message": "Thank you!"},
        {"recipient": {"comment_id": "17870913679156914"}, "message": {"text": "See DM"}},
    ]


async def test_block_is_not_supported_and_costs_no_request(replay: Replay) -> None:
    account = connector(replay)
    assert not account.supports(Capability.BLOCK)
    with pytest.raises(Unsupported):
        await account.block("17841400000999999")
    assert replay.seen == []


@pytest.mark.parametrize(
    ("fixture", "status", "expected"),
    [
        ("error_token_expired", 400, AuthError),
        ("error_token_invalidated", 400, AuthError),
        ("error_permission", 403, PermissionMissing),
        ("error_no_permission", 400, PermissionMissing),
        ("error_rate_limit", 400, RateLimited),
        ("error_app_rate_limit", 400, RateLimited),
        ("error_user_rate_limit", 400, RateLimited),
        ("error_not_found", 400, NotFound),
        ("error_unknown", 503, TransientError),
        ("error_already_replied", 400, AlreadyDone),
    ],
)
async def test_error_codes_map_onto_our_errors(
    replay: Replay, fixture: str, status: int, expected: type[ConnectorError]
) -> None:
    body = load_fixture("instagram", fixture)
    replay.add("GET", MEDIA, body, status=status)
    with pytest.raises(expected) as info:
        await connector(replay).fetch_comments(None)
    assert info.value.code == body["error"]["code"]
    assert TOKEN not in str(info.value)


async def test_comments_without_from_keep_their_authors_apart(replay: Replay) -> None:
    """Issue 12.8: an empty author id would merge every such author for blocks and counts."""
    replay.add("GET", MEDIA, load_fixture("instagram", "media_without_from"))

    result = await connector(replay, now=lambda: NOW).fetch_comments(None)

    by_id = {c.id: c.author for c in result.comments}
    named, other, unknown, unknown_too = (by_id[f"1787091367915000{n}"] for n in range(1, 5))
    assert (named.username, named.name) == ("angry.dad", "angry.dad")
    assert named.id != other.id
    assert unknown.id != unknown_too.id
    assert unknown.name == unknown_too.name == "(unknown)"
    assert "" not in {a.id for a in by_id.values()}
