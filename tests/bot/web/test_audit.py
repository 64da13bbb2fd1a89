"""The audit log in plain words: one event a row, grouped by item, errors as advice."""

from __future__ import annotations

import re
from datetime import timedelta

from bot import audit
from bot.workspace.wording import advice
from models import QueueItem, session_scope
from tests.bot.web.conftest import sign_in
from tests.bot.web.factory import CHAMPION, DSL, NOW

RAW_CODES = ("auto_hide", "hide_done", "alert_done", "escalated (", "block_failed")


def _pipeline_rows(engine, item_id: int, *, block_error: str | None = None) -> None:  # type: ignore[no-untyped-def]
    """What the pipeline and the worker write for one safeguarding comment: four rows."""
    with session_scope(engine) as session:
        item = session.get(QueueItem, item_id)
        assert item is not None
        rows = [
            ("auto_hide", "safeguarding: hidden automatically"),
            ("escalated", "safeguarding: DSL alerted"),
            ("hide_done", "done"),
            ("alert_done", "done"),
        ]
        if block_error:
            rows += [("block", "action #9"), ("block_failed", f"failed: {block_error}")]
        for n, (action, detail) in enumerate(rows):
            entry = audit.record(
                session,
                action,
                school_id=item.school_id,
                queue_item_id=item.id,
                comment_id=item.comment_id,
                detail=detail,
            )
            entry.at = NOW + timedelta(seconds=n)


async def test_one_event_a_row_in_plain_words_grouped_by_item(client, seeded, engine):
    _pipeline_rows(engine, seeded.safeguarding)
    _pipeline_rows(engine, seeded.abuse, block_error="PermissionMissing: (#200) no permission")
    await sign_in(client, DSL)
    html = await (await client.get("/audit")).text()
    words = re.sub(r"<[^>]+>", " ", html)
    for code in RAW_CODES:
        assert code not in words, code
    groups = re.findall(r'<section class="audit-group" aria-label="Item (\d+)">', html)
    assert sorted(int(g) for g in groups) == sorted([seeded.safeguarding, seeded.abuse])
    section = html[html.index(f'aria-label="Item {seeded.safeguarding}"') :]
    section = section[: section.index("</section>")]
    events = re.findall(r'<li class="event', section)
    assert len(events) == 2  # four rows: two requests, each with its result
    assert 'Hallmonitor</span>: <span class="what">Hid the comment automatically' in section
    assert "Alerted the school&#39;s DSL by email" in section
    assert section.count(": done</span>") == 2
    assert "Oakfield Primary · Facebook" in section
    abuse = html[html.index(f'aria-label="Item {seeded.abuse}"') :]
    assert 'Blocked the author</span><span class="outcome bad">: not done.</span>' in abuse
    assert "Reconnect the account with the permissions" in abuse
    options = html[
        html.index('id="a-action"') : html.index("</select>", html.index('id="a-action"'))
    ]
    assert ">Hid the comment automatically</option>" in options
    assert ">Could not block the author</option>" in options


async def test_item_history_and_failed_actions_read_as_advice(client, seeded, engine):
    _pipeline_rows(engine, seeded.abuse, block_error="AuthError: token expired")
    await sign_in(client, CHAMPION)
    html = await (await client.get(f"/items/{seeded.abuse}")).text()
    history = re.sub(r"<[^>]+>", " ", html[html.index('id="history-h"') :])
    assert "auto_hide" not in history
    assert "Hid the comment automatically" in history
    assert "refused the account&#39;s access token" in history
    queue = await (await client.get("/queue")).text()
    assert "· Oakfield Primary · Facebook" in queue
    assert "· oakfield · facebook" not in queue


def test_advice_for_every_connector_error() -> None:
    for name in ("AuthError", "PermissionMissing", "RateLimited", "NotFound", "TransientError"):
        words = advice(f"{name}: raw text")
        assert words is not None
        assert "raw text" not in words
        assert "Hallmonitor's log" not in words
    assert advice("KeyError: 'data'") == (
        "Something unexpected went wrong. Hallmonitor's log has the details."
    )
    assert advice(None) is None
