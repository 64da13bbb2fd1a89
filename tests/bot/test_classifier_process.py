"""The classifier in its own process: same verdicts, batches shared across callers, restarted
when it dies, and never outliving the bot."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select

from bot.classifier import Classifier, ClassifierSettings
from bot.classifier_process import ClassifierProcess, ClassifierProcessError
from bot.config import Config
from bot.runtime import Bot
from models import Classification
from tests.bot.conftest import SimControl

FAKE = "tests.bot.fake_classifier:make"
ROOT = Path(__file__).resolve().parents[2]


def alive(pid: int) -> bool:
    """Running, and not a zombie waiting to be reaped."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return False
    return "\nState:\tZ" not in status


async def gone(pid: int, limit: float = 20.0) -> bool:
    deadline = asyncio.get_running_loop().time() + limit
    while alive(pid):
        if asyncio.get_running_loop().time() > deadline:
            return False
        await asyncio.sleep(0.05)
    return True


@pytest.fixture
def words() -> Iterator[ClassifierProcess]:
    process = ClassifierProcess(ClassifierSettings(), factory=FAKE)
    process.load()
    yield process
    process.close()


async def test_verdicts_come_from_the_child(words: ClassifierProcess) -> None:
    verdicts = await words.classify(["you idiot", "when is sports day?", "lovely"])

    assert [v.label.value for v in verdicts] == ["abuse", "question", "other"]
    assert words.pid is not None
    assert words.pid != os.getpid()
    assert {v.reasons for v in verdicts} == {(f"pid {words.pid}",)}
    assert (words.name, words.version) == ("words", "1")


async def test_callers_waiting_together_share_one_batch(words: ClassifierProcess) -> None:
    texts = [f"question {n}?" for n in range(30)]
    results = await asyncio.gather(*(words.classify([text]) for text in texts))

    assert [r[0].label.value for r in results] == ["question"] * 30
    assert words.exchanges <= 3  # the first alone, the rest together


async def test_a_dead_child_is_started_again(words: ClassifierProcess) -> None:
    first = words.pid
    with pytest.raises(ClassifierProcessError):
        await words.classify(["__die__"])
    verdicts = await words.classify(["you idiot"])

    assert verdicts[0].label.value == "abuse"
    assert words.pid != first
    assert first is not None
    assert await gone(first)


async def test_the_child_dies_with_its_parent() -> None:
    script = (
        "import time\n"
        "from bot.classifier import ClassifierSettings\n"
        "from bot.classifier_process import ClassifierProcess\n"
        f"process = ClassifierProcess(ClassifierSettings(), factory={FAKE!r})\n"
        "process.load()\n"
        "print(process.pid, flush=True)\n"
        "time.sleep(120)\n"
    )
    parent = await asyncio.create_subprocess_exec(
        sys.executable, "-c", script, stdout=asyncio.subprocess.PIPE, cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )  # fmt: skip
    assert parent.stdout is not None
    child = int((await parent.stdout.readline()).decode())
    assert alive(child)

    parent.send_signal(signal.SIGKILL)
    await parent.wait()

    assert await gone(child), f"classifier process {child} outlived its parent"


async def test_the_real_model_gives_the_same_verdicts_in_its_process(
    classifier: Classifier,
) -> None:
    texts = [
        "The head is a useless f***ing idiot and the teachers are a pathetic joke",
        "What time does the Christmas fair start on Saturday?",
        "My son told me his stepdad hits him when mum is at work",
    ]
    process = ClassifierProcess(ClassifierSettings())
    await asyncio.to_thread(process.load)
    try:
        theirs = await process.classify(texts)
    finally:
        process.close()
    ours = await classifier.classify(texts)

    assert [v.label for v in theirs] == [v.label for v in ours]
    assert [v.version for v in theirs] == [v.version for v in ours]


async def test_the_bot_classifies_in_a_process_of_its_own_and_stops_it(
    engine: Engine, trust_config: Config, sim: SimControl
) -> None:
    await sim.post("oakfield", "facebook", "What time does the Christmas fair start on Saturday?")
    bot = await Bot.create(trust_config, engine=engine)
    assert isinstance(bot.classifier, ClassifierProcess)
    child = bot.classifier.pid
    try:
        await bot.run_once()
    finally:
        await bot.stop()

    with Session(engine) as session:
        labels = session.exec(select(Classification.label)).all()
    assert labels == ["question"]
    assert child is not None
    assert await gone(child)
