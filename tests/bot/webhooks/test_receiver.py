"""``/webhooks/meta`` over real HTTP: the handshake, signed deliveries stored once and
processed into comments, and bad input that stores nothing."""

from __future__ import annotations

import asyncio
import json
import logging

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select

from bot.runtime import Bot
from models import AuditEntry, Classification, Comment, WebhookEvent
from tests.bot.conftest import SimControl, account_id
from tests.bot.webhooks.conftest import APP_SECRET, VERIFY_TOKEN, Meta, batched, delivery

PAGE = account_id("oakfield", "facebook")
INSTAGRAM = account_id("oakfield", "instagram")
ABUSE = "The head is a useless f***ing idiot and the teachers are a pathetic joke, absolute scum"


async def sim_comment(sim: SimControl, platform: str, text: str) -> tuple[str, str]:
    """A comment on the simulator (so hides and reads by id work): its id and its post's."""
    comment_id = await sim.post("oakfield", platform, text, author={"id": "u-7", "name": "Sam"})
    post = next(c["post"] for c in (await sim.state())["comments"] if c["id"] == comment_id)
    return comment_id, post


def events(engine: Engine) -> list[WebhookEvent]:
    with Session(engine) as session:
        return list(session.exec(select(WebhookEvent)).all())


def comments(engine: Engine) -> dict[str, Comment]:
    with Session(engine) as session:
        return {c.platform_id: c for c in session.exec(select(Comment)).all()}


def labels(engine: Engine) -> dict[str, list[str]]:
    with Session(engine) as session:
        rows = session.exec(
            select(Comment.platform_id, Classification.label).join(
                Classification, Classification.comment_id == Comment.id
            )
        ).all()
    found: dict[str, list[str]] = {}
    for platform_id, label in rows:
        found.setdefault(platform_id, []).append(label)
    return found


def comment_add(comment: str, post: str, text: str, page: str = PAGE) -> dict[str, object]:
    return delivery("feed_comment_add", page=page, post=post, comment=comment, text=text,
                    author="u-7")  # fmt: skip


async def test_the_handshake_echoes_the_challenge_only_for_the_right_token(meta: Meta) -> None:
    ok = await meta.verify(**{"hub.mode": "subscribe", "hub.verify_token": VERIFY_TOKEN,
                              "hub.challenge": "1158201444"})  # fmt: skip
    wrong = await meta.verify(**{"hub.mode": "subscribe", "hub.verify_token": "guess",
                                 "hub.challenge": "1158201444"})  # fmt: skip
    assert ok == (200, "1158201444")
    assert wrong[0] == 403
    assert "1158201444" not in wrong[1]


async def test_a_signed_comment_is_stored_first_then_classified_and_hidden(
    engine: Engine, bot: Bot, meta: Meta, sim: SimControl
) -> None:
    comment_id, post = await sim_comment(sim, "facebook", ABUSE)

    assert await meta.send(comment_add(comment_id, post, ABUSE)) == (200, "EVENT_RECEIVED")
    assert [e.status for e in events(engine)] == ["pending"]
    assert comments(engine) == {}

    assert await bot.webhooks.drain() == 1
    await bot.drain_outbox()

    assert labels(engine) == {comment_id: ["abuse"]}
    assert [e.status for e in events(engine)] == ["done"]
    hidden = {c["id"] for c in (await sim.state())["comments"] if c["hidden"]}
    assert hidden == {comment_id}


async def test_duplicates_and_out_of_order_changes_store_each_comment_once(
    engine: Engine, bot: Bot, meta: Meta
) -> None:
    post = f"{PAGE}_501"
    add = comment_add("501_9001", post, "What time is the nativity play?")
    edited = delivery("feed_comment_edited", page=PAGE, post=post, comment="501_9001",
                      text="What time is the nativity play on Friday?", author="u-7")  # fmt: skip
    other = comment_add("501_9002", post, "Thank you for a lovely term!")

    assert (await meta.send(edited))[0] == 200  # the edit overtakes the comment
    assert (await meta.send(add))[0] == 200
    assert (await meta.send(add))[0] == 200  # Meta's retry
    assert (await meta.send(batched(other, add, other)))[0] == 200
    await bot.webhooks.drain()
    assert (await meta.send(add))[0] == 200  # a late duplicate after processing
    await bot.webhooks.drain()

    stored = comments(engine)
    assert sorted(stored) == ["501_9001", "501_9002"]
    assert stored["501_9001"].text == "What time is the nativity play on Friday?"
    assert {k: len(v) for k, v in labels(engine).items()} == {"501_9001": 1, "501_9002": 1}
    assert len(events(engine)) == 3
    assert {e.status for e in events(engine)} == {"done"}


async def test_a_batch_across_pages_reaches_each_account(
    engine: Engine, bot: Bot, meta: Meta
) -> None:
    other_page = account_id("birchwood", "facebook")
    body = batched(
        comment_add("601_1", f"{PAGE}_601", "Lovely photos"),
        comment_add("602_1", f"{other_page}_602", "When does term end?", page=other_page),
    )
    assert (await meta.send(body))[0] == 200
    await bot.webhooks.drain()

    stored = comments(engine)
    assert {stored["601_1"].school_id, stored["602_1"].school_id} == {"oakfield", "birchwood"}


async def test_an_edit_and_a_hide_on_the_platform_are_kept_as_evidence(
    engine: Engine, bot: Bot, meta: Meta
) -> None:
    post = f"{PAGE}_701"
    await meta.send(comment_add("701_1", post, "Great day out"))
    await bot.webhooks.drain()
    await meta.send(delivery("feed_comment_edited", page=PAGE, post=post, comment="701_1",
                             text="Great day out, thanks all", author="u-7"))  # fmt: skip
    await meta.send(delivery("feed_comment_hide", page=PAGE, post=post, comment="701_1",
                             author="u-7"))  # fmt: skip
    await bot.webhooks.drain()

    stored = comments(engine)["701_1"]
    assert stored.text == "Great day out, thanks all"
    assert stored.hidden is True
    with Session(engine) as session:
        audit = session.exec(select(AuditEntry).where(AuditEntry.comment_id == stored.id)).all()
    assert [(a.action, a.detail) for a in audit] == [("edited_on_platform", "was: Great day out")]


async def test_a_change_that_carries_too_little_is_read_by_id(
    engine: Engine, bot: Bot, meta: Meta, sim: SimControl
) -> None:
    comment_id, post = await sim_comment(sim, "facebook", "Is the school open on Monday?")
    body = delivery("feed_comment_photo_only", page=PAGE, post=post, comment=comment_id)
    assert (await meta.send(body))[0] == 200
    await bot.webhooks.drain()

    stored = comments(engine)[comment_id]
    assert stored.text == "Is the school open on Monday?"
    assert stored.author_id == "u-7"
    assert stored.post_id == post


async def test_instagram_comments_and_mentions(
    engine: Engine, bot: Bot, meta: Meta, sim: SimControl
) -> None:
    commented, media = await sim_comment(sim, "instagram", "Brilliant concert!")
    mentioned, _ = await sim_comment(sim, "instagram", "Well done @oakfieldschool")
    await meta.send(delivery("instagram_comments", page=INSTAGRAM, post=media, comment=commented,
                             text="Brilliant concert!", author="u-7"))  # fmt: skip
    await meta.send(delivery("instagram_mentions", page=INSTAGRAM, post=media, comment=mentioned))
    await bot.webhooks.drain()

    stored = comments(engine)
    assert stored[commented].text == "Brilliant concert!"
    assert stored[commented].author_username == "sam.parent"
    assert stored[mentioned].text == "Well done @oakfieldschool"
    assert set(labels(engine)) == {commented, mentioned}


async def test_reactions_are_received_and_ignored(engine: Engine, bot: Bot, meta: Meta) -> None:
    body = delivery("feed_reaction", page=PAGE, post=f"{PAGE}_801", author="u-7")
    assert (await meta.send(body))[0] == 200
    await bot.webhooks.drain()
    assert comments(engine) == {}
    assert [e.status for e in events(engine)] == ["done"]


def _signed_malformed() -> bytes:
    return b'{"object": "page", "entry": [{"id": '


@pytest.mark.parametrize(
    ("case", "expected"),
    [
        ("bad signature", 403),
        ("no signature", 403),
        ("signed with another secret", 403),
        ("malformed JSON", 400),
        ("no entry list", 400),
        ("over 1 MB", 413),
        ("unknown page", 200),
    ],
)
async def test_bad_input_stores_nothing(
    engine: Engine, bot: Bot, meta: Meta, case: str, expected: int
) -> None:
    good = comment_add("901_1", f"{PAGE}_901", "Hello")
    raw = json.dumps(good).encode()
    from connectors.meta_webhooks import sign

    sent = {
        "bad signature": lambda: meta.send(raw, signature="sha256=" + "0" * 64),
        "no signature": lambda: meta.send(raw, signature=None),
        "signed with another secret": lambda: meta.send(raw, signature=sign(raw, "not-it")),
        "malformed JSON": lambda: meta.send(_signed_malformed()),
        "no entry list": lambda: meta.send({"object": "page"}),
        "over 1 MB": lambda: meta.send(batched(good, {"entry": [{"id": "x" * (1024 * 1024)}]})),
        "unknown page": lambda: meta.send(comment_add("901_1", "999_901", "Hi", page="999")),
    }[case]
    status, _ = await sent()
    await bot.webhooks.drain()

    assert status == expected
    assert events(engine) == []
    assert comments(engine) == {}


async def test_each_bad_kind_is_logged_once_per_source_without_body_or_secret(
    bot: Bot, meta: Meta, caplog: pytest.LogCaptureFixture
) -> None:
    secret_text = "my-private-words-4471"
    raw = json.dumps(comment_add("902_1", f"{PAGE}_902", secret_text)).encode()
    with caplog.at_level(logging.WARNING, logger="bot.webhooks.receiver"):
        for _ in range(3):
            await meta.send(raw, signature="sha256=" + "1" * 64)
            await meta.send(b"not json at all " + secret_text.encode())
            await meta.send(comment_add("902_2", "998_902", secret_text, page="998"))
    lines = [r.getMessage() for r in caplog.records if r.name == "bot.webhooks.receiver"]
    assert len(lines) == 3
    assert not any(secret_text in line or APP_SECRET in line for line in lines)


async def test_a_flood_of_bad_requests_neither_stores_nor_blocks_a_good_one(
    engine: Engine, bot: Bot, meta: Meta
) -> None:
    good = comment_add("903_1", f"{PAGE}_903", "Is there parking at the fair?")
    raw = json.dumps(good).encode()
    bad = [meta.send(raw, signature="sha256=" + "2" * 64) for _ in range(200)]
    results = await asyncio.gather(*bad[:100], meta.send(good), *bad[100:])
    await bot.webhooks.drain()

    assert results[100][0] == 200
    assert sorted({status for status, _ in results}) == [200, 403]
    assert list(comments(engine)) == ["903_1"]
    assert len(events(engine)) == 1


async def test_a_comment_that_cannot_be_read_yet_is_read_on_a_later_try(
    engine: Engine, bot: Bot, meta: Meta, sim: SimControl
) -> None:
    comment_id, post = await sim_comment(sim, "facebook", "Are we allowed to bring scooters?")
    await sim.fault(kind="error", status=500, account=PAGE, count=1)
    await meta.send(delivery("feed_comment_photo_only", page=PAGE, post=post, comment=comment_id))

    await bot.webhooks.drain()
    assert [(e.status, e.attempts) for e in events(engine)] == [("pending", 1)]
    assert comments(engine) == {}

    await bot.webhooks.drain()
    assert [e.status for e in events(engine)] == ["done"]
    assert list(comments(engine)) == [comment_id]
