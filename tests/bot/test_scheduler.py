"""The job queue: one error reporter, no overlapping runs, stop waits for running jobs."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot.scheduler import AnchoredInterval, JobQueue, stagger

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


def test_stagger_spreads_three_hundred_polls_over_the_minute_five_a_second() -> None:
    delays = stagger({f"poll:x:school-{n:03d}": 60.0 for n in range(300)})
    per_second = Counter(int(delay) for delay in delays.values())
    assert sorted(per_second) == list(range(60))
    assert set(per_second.values()) == {5}


def test_stagger_spreads_each_interval_on_its_own_and_keeps_slots_across_restarts() -> None:
    intervals = {"poll:a": 60.0, "poll:b": 60.0, "poll:c": 300.0, "poll:d": 300.0}
    delays = stagger(intervals)
    assert delays == {"poll:a": 0.0, "poll:b": 30.0, "poll:c": 0.0, "poll:d": 150.0}
    assert stagger(dict(reversed(intervals.items()))) == delays


def test_jitter_stays_within_its_slot_however_long_the_job_runs() -> None:
    start = datetime(2026, 11, 23, 8, 0, tzinfo=LONDON)
    trigger = AnchoredInterval(seconds=60, jitter=3, start_date=start, timezone=LONDON)
    fired = start
    for slot in range(1, 2001):
        fired = trigger.get_next_fire_time(fired, fired)
        offset = (fired - start).total_seconds() - slot * 60
        assert 0 <= offset <= 3, f"run {slot} is {offset:.1f} s off its slot"


def test_a_run_moved_by_hand_returns_to_the_grid_at_least_half_an_interval_later() -> None:
    start = datetime(2026, 11, 23, 8, 0, tzinfo=LONDON)
    trigger = AnchoredInterval(seconds=60, jitter=None, start_date=start, timezone=LONDON)
    early = start + timedelta(minutes=7, seconds=21)
    late = start + timedelta(minutes=7, seconds=41)
    assert trigger.get_next_fire_time(early, early) == start + timedelta(minutes=8)
    assert trigger.get_next_fire_time(late, late) == start + timedelta(minutes=9)


async def test_every_starts_a_job_after_its_delay() -> None:
    queue = JobQueue(LONDON)

    async def noop() -> None:
        return None

    before = datetime.now(LONDON)
    queue.every("poll:x:oakfield:1", noop, seconds=60, jitter=3, delay=42)
    first = queue.next_run("poll:x:oakfield:1")
    assert first is not None
    assert timedelta(seconds=42) <= first - before < timedelta(seconds=43)
