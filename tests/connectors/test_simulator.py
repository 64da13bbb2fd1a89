"""The simulator itself: control endpoints, error shapes, the feed, the corpus, the command."""

from __future__ import annotations

import argparse
import csv
from collections import Counter
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from connectors.graph import GRAPH_API_VERSION
from connectors.simulator import Feed, SimState, default_accounts, load_corpus
from connectors.simulator.command import register
from connectors.simulator.fields import FieldSyntaxError, parse_fields, unparse
from tests.connectors.conftest import Sim, make_accounts

LABELS = [
    "safeguarding", "abuse", "absence", "personal_data", "spam",
    "complaint", "question", "positive", "other",
]  # fmt: skip
SHARED_DATA = Path("/work/shared/data")


async def raw(
    sim: Sim, method: str, path: str, *, token: str | None = None, **kwargs: Any
) -> tuple[int, dict[str, str], Any]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    async with sim.session.request(
        method, sim.base_url + path, headers=headers, **kwargs
    ) as response:
        return response.status, dict(response.headers), await response.json(content_type=None)


def test_corpus_has_every_label_at_least_25_times() -> None:
    corpus = load_corpus()
    counts = Counter(line.label for line in corpus)
    assert set(counts) == set(LABELS)
    assert min(counts.values()) >= 25
    assert len({line.text for line in corpus}) == len(corpus)


@pytest.mark.skipif(not SHARED_DATA.exists(), reason="shared data not present")
def test_corpus_is_our_own_not_copied_from_the_shared_data() -> None:
    ours = {line.text.strip().lower() for line in load_corpus()}
    for path in SHARED_DATA.glob("*.csv"):
        with path.open(encoding="utf-8", newline="") as handle:
            theirs = {row.get("text", "").strip().lower() for row in csv.DictReader(handle)}
        assert not ours & theirs, path.name


def test_feed_is_seeded() -> None:
    texts = []
    for _ in range(2):
        state = SimState(list(make_accounts().values()))
        feed = Feed(state, seed=42)
        feed.seed_posts(2)
        texts.append([feed.post_one().text for _ in range(20)])
    assert texts[0] == texts[1]
    assert len(set(texts[0])) > 10


def test_default_accounts_are_a_demo_trust() -> None:
    accounts = default_accounts()
    assert len(accounts) == 9
    assert Counter(a.kind.value for a in accounts) == {"facebook": 3, "instagram": 3, "x": 3}
    assert all(a.token.startswith("demo-token-") for a in accounts)
    assert len({a.token for a in accounts}) == 9


def test_field_expansion_round_trips() -> None:
    text = "id,comments.filter(stream).limit(5){id,from{id,name},parent{id}},message"
    specs = parse_fields(text)
    assert unparse(specs) == text
    assert specs[1].modifiers == {"filter": "stream", "limit": "5"}
    with pytest.raises(FieldSyntaxError):
        parse_fields("id,comments{id")


async def test_control_endpoints(sim: Sim) -> None:
    comment_id = await sim.add_comment("facebook", "Is it PE today?", author="Parent")
    state = await sim.state()
    assert [c["text"] for c in state["comments"]] == ["Is it PE today?"]
    assert state["comments"][0]["platform"] == "facebook"
    assert state["comments"][0]["id"] == comment_id

    status, _, body = await raw(sim, "POST", "/_sim/feed/tick")
    assert status == 201
    assert len((await sim.state())["comments"]) == 2
    assert body["platform"] in ("facebook", "instagram", "x")

    await sim.fault(kind="error", status=500, platform="x", count=None)
    _, _, faults = await raw(sim, "GET", "/_sim/faults")
    assert [f["kind"] for f in faults["faults"]] == ["error"]
    await raw(sim, "DELETE", "/_sim/faults")
    assert (await raw(sim, "GET", "/_sim/faults"))[2] == {"faults": []}

    await sim.connector("facebook").fetch_comments(None)
    assert await sim.requests("facebook") == 1
    await raw(sim, "DELETE", "/_sim/requests")
    assert await sim.requests("facebook") == 0

    status, _, _ = await raw(sim, "POST", "/_sim/reset")
    assert status == 200
    assert (await sim.state())["comments"] == []
    status, _, body = await raw(sim, "POST", "/_sim/faults", json={"kind": "meteor"})
    assert status == 400
    assert "unknown fault kind" in body["error"]


async def test_graph_error_envelope_for_a_bad_token(sim: Sim) -> None:
    status, _, body = await raw(sim, "GET", f"/{GRAPH_API_VERSION}/101/posts", token="nope")
    assert status == 400
    assert set(body["error"]) >= {"message", "type", "code", "fbtrace_id"}
    assert (body["error"]["type"], body["error"]["code"]) == ("OAuthException", 190)


async def test_graph_access_token_param_and_usage_headers(sim: Sim) -> None:
    token = sim.accounts["facebook"].token
    status, headers, body = await raw(
        sim,
        "GET",
        f"/{GRAPH_API_VERSION}/101",
        params={"access_token": token, "fields": "id,fan_count"},
    )
    assert status == 200
    assert body == {"id": "101", "fan_count": 1400}
    assert "call_count" in headers["X-App-Usage"]
    assert "estimated_time_to_regain_access" in headers["X-Business-Use-Case-Usage"]


async def test_graph_unknown_field_and_foreign_object(sim: Sim) -> None:
    token = sim.accounts["facebook"].token
    ig_comment = await sim.add_comment("instagram", "hello", author="Parent")
    status, _, body = await raw(
        sim, "GET", f"/{GRAPH_API_VERSION}/101", token=token, params={"fields": "id,shoe_size"}
    )
    assert (status, body["error"]["code"]) == (400, 100)
    assert "nonexisting field (shoe_size)" in body["error"]["message"]
    status, _, body = await raw(sim, "GET", f"/{GRAPH_API_VERSION}/{ig_comment}", token=token)
    assert (body["error"]["code"], body["error"]["error_subcode"]) == (100, 33)


async def test_x_problem_shapes_and_rate_headers(sim: Sim) -> None:
    status, _, body = await raw(sim, "GET", "/2/users/303/mentions", token="nope")
    assert status == 401
    assert set(body) >= {"title", "detail", "type"}
    token = sim.accounts["x"].token
    status, headers, body = await raw(sim, "GET", "/2/users/303/mentions", token=token)
    assert status == 200
    assert body == {"meta": {"result_count": 0}}
    assert headers["x-rate-limit-limit"] == "450"
    assert headers["x-rate-limit-remaining"] == "449"
    assert int(headers["x-rate-limit-reset"]) > 0
    status, _, body = await raw(
        sim, "GET", "/2/users/303/mentions", token=token, params={"max_results": "1000"}
    )
    assert status == 400
    assert body["type"].endswith("invalid-request")


async def test_feed_runs_in_the_background(sim_factory: Any) -> None:
    sim: Sim = await sim_factory(feed_rate_per_minute=0.0)
    assert (await sim.state())["comments"] == []  # rate 0: nothing posts by itself


def test_command_registers_simulate() -> None:
    parser = argparse.ArgumentParser(prog="hallmonitor")
    register(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["simulate", "--rate", "3.5", "--seed", "7"])
    assert (args.host, args.port, args.rate, args.seed) == ("127.0.0.1", 8900, 3.5, 7)
    assert callable(args.handler)


async def test_connector_closes_only_a_session_it_created(sim: Sim) -> None:
    from connectors import create_connector

    account = sim.accounts["facebook"]
    async with create_connector(
        "facebook", account_id=account.account_id, token=account.token, base_url=sim.base_url
    ) as owned:
        await owned.follower_snapshot()
        own_session = owned.session
    assert own_session.closed
    async with sim.connector("facebook") as shared:
        await shared.follower_snapshot()
    assert not sim.session.closed
    assert isinstance(sim.session, aiohttp.ClientSession)
