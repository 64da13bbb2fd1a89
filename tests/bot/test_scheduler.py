"""The job queue: one error reporter, no overlapping runs, stop waits for running jobs."""

from __future__ import annotations

import asyncio
from zoneinfo import ZoneInfo

from bot.scheduler import JobQueue

LONDON = ZoneInfo("Europe/London")


async def test_a_failing_job_goes_to_the_error_reporter_and_the_queue_lives_on() -> None:
    errors: list[tuple[str, str]] = []
    queue = JobQueue(LONDON, on_error=lambda job, exc: errors.append((job, str(exc))))

    async def boom() -> None:
        raise ValueError("malformed reply")

    await queue._run("poll:facebook:oakfield", boom)
    assert errors == [("poll:facebook:oakfield", "malformed reply")]


async def test_stop_waits_for_a_running_job_to_finish() -> None:
    queue = JobQueue(LONDON)
    finished: list[bool] = []
    started = asyncio.Event()
    release = asyncio.Event()

    async def slow() -> None:
        started.set()
        await release.wait()
        finished.append(True)

    queue.every("outbox", slow, seconds=3600)
    queue.start()
    await asyncio.wait_for(started.wait(), timeout=5)
    stopping = asyncio.create_task(queue.stop())
    await asyncio.sleep(0)
    assert not stopping.done()
    release.set()
    await asyncio.wait_for(stopping, timeout=5)
    assert finished == [True]


async def test_jobs_are_single_instance_and_coalesced() -> None:
    queue = JobQueue(LONDON)

    async def noop() -> None:
        return None

    queue.start()
    queue.every("poll:x:oakfield:1", noop, seconds=60, jitter=5)
    job = queue._scheduler.get_job("poll:x:oakfield:1")
    assert job.max_instances == 1
    assert job.coalesce is True
    assert queue.job_ids() == ["poll:x:oakfield:1"]
    await queue.stop()
