"""A job queue over APScheduler's ``AsyncIOScheduler``, in the spirit of PTB's JobQueue.

One place configures the scheduler (the trust's time zone); every job runs inside one
wrapper that routes failures to a single error reporter; ``stop`` waits for running jobs.
"""

from __future__ import annotations

import asyncio
import logging
import math
import random
from collections import defaultdict
from collections.abc import Awaitable, Callable, Mapping
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

_LOGGER = logging.getLogger(__name__)

JobFunc = Callable[[], Awaitable[Any]]
ErrorReporter = Callable[[str, BaseException], None]


def _log_error(job_id: str, error: BaseException) -> None:
    _LOGGER.error("job failed: %s", error, exc_info=error, extra={"job": job_id})


def stagger(intervals: Mapping[str, float]) -> dict[str, float]:
    """A start delay per job that spreads jobs of the same interval evenly across it.

    Started together, 300 poll jobs every 60 s fire in the same few seconds each minute and hand
    the classifier a minute of comments at once; spread, five fire each second and each poll's
    comments are done long before the next. Prometheus spreads its scrapes the same way.
    Ordering by job id keeps each job's slot the same from one restart to the next.
    """
    groups: defaultdict[float, list[str]] = defaultdict(list)
    for job_id, seconds in intervals.items():
        groups[seconds].append(job_id)
    delays = {}
    for seconds, job_ids in groups.items():
        for slot, job_id in enumerate(sorted(job_ids)):
            delays[job_id] = seconds * slot / len(job_ids)
    return delays


class AnchoredInterval(IntervalTrigger):  # type: ignore[misc]
    """An interval trigger whose jitter is drawn afresh from a fixed grid each time.

    APScheduler's own jitter is added to the previous, already jittered, run, so the gaps
    average more than the interval and a job's slot wanders; the promise "hidden within the
    poll interval plus 5 seconds" needs gaps of the interval, give or take the jitter.
    A run moved by hand (a rate limit's wait) goes back to the grid, at least half an
    interval later.
    """

    def get_next_fire_time(
        self, previous_fire_time: datetime | None, now: datetime
    ) -> datetime | None:
        if previous_fire_time is None:
            first: datetime | None = super().get_next_fire_time(None, now)
            return first
        start = self.start_date.timestamp()
        step = float(self.interval_length)
        previous = previous_fire_time.timestamp()
        slot = math.floor((previous - start) / step) + 1
        if start + slot * step - previous < step / 2:
            slot += 1
        moment = start + slot * step + random.uniform(0, self.jitter or 0)  # noqa: S311 - spread, not secrecy
        if self.end_date and moment > self.end_date.timestamp():
            return None
        return datetime.fromtimestamp(moment, tz=self.timezone)


class JobQueue:
    def __init__(self, timezone: ZoneInfo, *, on_error: ErrorReporter = _log_error) -> None:
        self._scheduler = AsyncIOScheduler(
            timezone=timezone,
            job_defaults={"max_instances": 1, "coalesce": True, "misfire_grace_time": 60},
        )
        self._on_error = on_error
        self._running: set[asyncio.Task[Any]] = set()
        self._active: set[str] = set()
        self.timezone = timezone

    async def _run(self, job_id: str, func: JobFunc) -> None:
        task = asyncio.current_task()
        if task is not None:
            self._running.add(task)
        self._active.add(job_id)
        try:
            await func()
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # the job's edge: report once, keep the scheduler alive
            self._on_error(job_id, exc)
        finally:
            self._active.discard(job_id)
            if task is not None:
                self._running.discard(task)

    def every(
        self,
        job_id: str,
        func: JobFunc,
        *,
        seconds: float,
        jitter: float | None = None,
        delay: float = 0.0,
    ) -> None:
        """Run ``func`` after ``delay``, then every ``seconds`` (+ up to ``jitter``), never
        two runs of it at once."""
        first = datetime.now(self.timezone) + timedelta(seconds=delay)
        trigger = AnchoredInterval(
            seconds=seconds, jitter=jitter, start_date=first, timezone=self.timezone
        )
        self._scheduler.add_job(
            self._run,
            trigger,
            args=(job_id, func),
            id=job_id,
            name=job_id,
            replace_existing=True,
            next_run_time=first,
        )

    def cron(self, job_id: str, func: JobFunc, **fields: Any) -> None:
        """Run ``func`` on a cron schedule in the trust's time zone (e.g. ``day_of_week="mon"``)."""
        self._scheduler.add_job(
            self._run,
            CronTrigger(timezone=self.timezone, **fields),
            args=(job_id, func),
            id=job_id,
            name=job_id,
            replace_existing=True,
        )

    def run_soon(self, job_id: str, delay: float = 0.0) -> None:
        """Bring a job's next run forward (or push it back, for a rate limit).

        A job running now is not brought forward: it would only be skipped as a second instance.
        """
        if delay <= 0 and job_id in self._active:
            return
        job = self._scheduler.get_job(job_id)
        if job is not None:
            job.modify(next_run_time=datetime.now(self.timezone) + timedelta(seconds=delay))

    def job_ids(self) -> list[str]:
        return sorted(job.id for job in self._scheduler.get_jobs())

    def next_run(self, job_id: str) -> datetime | None:
        job = self._scheduler.get_job(job_id)
        return job.next_run_time if job is not None else None

    def start(self) -> None:
        self._scheduler.start()

    async def stop(self) -> None:
        """Stop taking new runs, let the running ones finish, then shut down."""
        if not self._scheduler.running:
            return
        self._scheduler.pause()
        if self._running:
            await asyncio.gather(*self._running, return_exceptions=True)
        self._scheduler.shutdown(wait=False)
