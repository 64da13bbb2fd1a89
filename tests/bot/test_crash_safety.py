"""SIGKILL at random moments while comments and actions flow: nothing lost, nothing twice."""

from __future__ import annotations

import asyncio
import collections
import email
import os
import random
import re
import sys
from pathlib import Path
from typing import IO

import pytest
from aiohttp.test_utils import TestServer
from alembic.script import ScriptDirectory
from sqlalchemy import inspect
from sqlmodel import Session, select

from bot.config import Config
from bot.demo import DemoOptions, config_text
from bot.outbox import enqueue
from models import Action, ActionKind, ActionStatus, Comment, QueueItem, make_engine, session_scope
from models.migrate import alembic_config, current_revision
from tests.bot.conftest import SimControl

KILLS = 10
KILL_AFTER = (0.0, 10.0)  # seconds after the bot has migrated: a random moment of its work
MIX = [
    (
        "oakfield",
        "facebook",
        "My daughter says a man in a car keeps taking photos of the children at the gate",
    ),
    ("oakfield", "instagram", "You lot are a bunch of useless f***ing idiots"),
    ("birchwood", "x", "Tom won't be in today, he's been sick all night"),
    ("birchwood", "facebook", "Is there a uniform sale this term?"),
    ("cedar-grove", "instagram", "Brilliant sports day, thank you to all the staff!"),
    ("cedar-grove", "facebook", "When do the school gates open in the morning?"),
]


async def _feed(sim: SimControl, stop: asyncio.Event, rng: random.Random) -> int:
    posted = 0
    while not stop.is_set():
        school, platform, text = rng.choice(MIX)
        await sim.post(school, platform, f"{text} ({posted})")
        posted += 1
        await asyncio.sleep(rng.uniform(0.1, 0.5))
    return posted


def _champion_replies(config: Config) -> None:
    """Queue a reply to every open question, as a champion on the dashboard would."""
    engine = make_engine(config.database.url)
    try:
        if not inspect(engine).has_table("queue_items"):
            return  # killed before its first migration: nothing to reply to yet
        with session_scope(engine) as session:
            items = session.exec(select(QueueItem).where(QueueItem.label == "question")).all()
            for item in items:
                comment = session.get(Comment, item.comment_id)
                assert comment is not None
                enqueue(
                    session,
                    ActionKind.REPLY,
                    key=f"reply:{comment.id}:crash-test",
                    account_id=comment.account_id,
                    comment_id=comment.id,
                    queue_item_id=item.id,
                    payload={"text": f"Thank you for asking (reply to {comment.platform_id})."},
                )
    finally:
        engine.dispose()


async def _migrated(config: Config, process: asyncio.subprocess.Process, log_path: Path) -> None:
    """Wait for the bot to bring the schema to head: the champions' replies need its tables.

    A state, not a time: on a loaded machine the bot can take many seconds to get there.
    """
    engine = make_engine(config.database.url)
    head = ScriptDirectory.from_config(alembic_config(config.database.url)).get_current_head()
    try:
        while await asyncio.to_thread(current_revision, engine) != head:
            if process.returncode is not None:
                log = await asyncio.to_thread(log_path.read_text)
                raise AssertionError(f"the bot exited before migrating:\n{log[-3000:]}")
            await asyncio.sleep(0.05)
    finally:
        engine.dispose()


def _ended(pid: int) -> bool:
    """The process has ended (a zombie waiting to be reaped counts as ended)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return True
    return "\nState:\tZ" in status


async def _gone(pid: int, limit: float = 30.0) -> bool:
    """Whether the process ends within ``limit`` seconds."""
    deadline = asyncio.get_running_loop().time() + limit
    while not _ended(pid):
        if asyncio.get_running_loop().time() > deadline:
            return False
        await asyncio.sleep(0.1)
    return True


async def _bot(config_path: Path, log: IO[bytes], *extra: str) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot.cli", "--config", str(config_path), "run", *extra,
        stdout=log, stderr=asyncio.subprocess.STDOUT, env=dict(os.environ),
    )  # fmt: skip


@pytest.mark.slow
async def test_sigkill_at_random_moments_loses_nothing_and_repeats_nothing(
    simulator: TestServer, trust_config: Config, sim: SimControl, tmp_path: Path
) -> None:
    options = DemoOptions(folder=tmp_path, port=0, sim_port=simulator.port or 0, poll_minutes=0.02)
    config_path = tmp_path / "config.toml"
    config_path.write_text(config_text(options), encoding="utf-8")
    log_path = tmp_path / "bot.log"
    log = log_path.open("ab")
    rng = random.Random(20261121)
    stop = asyncio.Event()
    feeder = asyncio.create_task(_feed(sim, stop, rng))
    try:
        for _ in range(KILLS):
            process = await _bot(config_path, log, "--no-dashboard")
            await _migrated(trust_config, process, log_path)
            await asyncio.to_thread(_champion_replies, trust_config)
            await asyncio.sleep(rng.uniform(*KILL_AFTER))
            assert process.returncode is None, log_path.read_text()[-3000:]
            process.kill()
            await process.wait()
        stop.set()
        await feeder
        await asyncio.to_thread(_champion_replies, trust_config)
        for _ in range(2):
            final = await _bot(config_path, log, "--once")
            assert await final.wait() == 0, log_path.read_text()[-3000:]
    finally:
        stop.set()
        if not feeder.done():
            feeder.cancel()
        log.close()

    log_text = log_path.read_text()
    children = {int(pid) for pid in re.findall(r"classifier process (\d+) loading", log_text)}
    assert len(children) >= 2, "the bot runs its classifier in a process of its own"
    for child in children:
        assert await _gone(child), f"classifier process {child} outlived a killed bot"

    state = await sim.state()
    engine = make_engine(trust_config.database.url)
    with Session(engine) as session:
        stored = session.exec(select(Comment.platform_id)).all()
        actions = session.exec(
            select(Action, Comment).join(Comment, Comment.id == Action.comment_id)
        ).all()
    engine.dispose()

    on_platform = {c["id"]: c for c in state["comments"]}
    assert sorted(stored) == sorted(on_platform), "every comment stored exactly once"
    not_done = [(a, c) for a, c in actions if a.status is not ActionStatus.DONE]
    assert all(
        a.status is ActionStatus.PENDING and (a.last_error or "").startswith("RateLimited")
        for a, _ in not_done
    ), [(a.kind, a.status, a.last_error) for a, _ in not_done]
    done = [(a, c) for a, c in actions if a.status is ActionStatus.DONE]
    hides = [c.platform_id for a, c in done if a.kind is ActionKind.HIDE]
    assert hides, "the mix has comments to hide"
    assert all(on_platform[pid]["hidden"] for pid in hides)
    replies = [(c.platform_id, a.payload["text"]) for a, c in done if a.kind is ActionKind.REPLY]
    assert replies, "the champions replied to questions"
    for platform_id, text in replies:
        sent = [r for r in on_platform[platform_id]["replies"] if r["text"] == text]
        assert len(sent) == 1, f"reply to {platform_id} sent {len(sent)} times"
    alerts = [a for a, _ in done if a.kind is ActionKind.ALERT]
    message_ids = collections.Counter(
        email.message_from_bytes(path.read_bytes())["Message-ID"]
        for path in (tmp_path / "mail").glob("*.eml")
    )
    assert alerts, "the mix has safeguarding comments"
    assert len(message_ids) == len(alerts)
    assert set(message_ids.values()) == {1}, "no alert sent twice"
