"""Pipeline scale benchmark (issue 5): 300 accounts polled every minute, a steady flow and a burst.

Run: ``.venv/bin/python -m bench.pipeline_bench`` (about 12 minutes; ``--help`` for knobs).

The simulator runs in this process on a loopback port with 100 schools x (Facebook, Instagram,
X). The bot runs as a subprocess (``python -m bot.cli --config CFG run --no-dashboard``) against
a fresh SQLite database and a maildir, exactly as it would in production, polling each account
every 60 seconds. The benchmark then:

1. waits until every account has been polled once;
2. idle: zeroes the simulator's request counters, adds nothing for ``--idle-seconds`` and counts
   the requests of each poll (an account's requests close together in time are one poll);
3. steady: posts comments at ``--rate`` per hour for ``--minutes`` minutes (a corpus mix with
   abusive and safeguarding comments over-represented, so the latencies have a sample);
4. burst: posts ``--burst`` comments spread over one minute (the corpus as it is);
5. drain: waits until every comment is stored and classified and no action is pending
   (capped at ``--drain-cap`` seconds).

From the database afterwards: hide latency = hide ``Action.done_at`` - ``Comment.created_at``
(platform time) for automatic hides, target p95 <= poll interval + 5 s; DSL email latency =
alert ``Action.done_at`` - ``Comment.fetched_at`` (the read), target p95 <= 60 s. CPU and memory
of the bot process come from ``/proc/<pid>/stat`` and ``/proc/<pid>/status`` sampled every second.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import platform
import random
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from aiohttp import web
from sqlalchemy import Engine, create_engine, make_url, text
from sqlalchemy.exc import DBAPIError

from connectors.simulator import SimAccount, create_app, load_corpus
from connectors.simulator.keys import STATE
from connectors.simulator.state import SimState

ROOT = Path(__file__).resolve().parents[1]
PLATFORMS = ("facebook", "instagram", "x")
ID_BASE = {
    "facebook": 100_000_000_000_000,
    "instagram": 17_841_400_000_000_000,
    "x": 1_500_000_000_000_000_000,
}
POLL_SECONDS = 60.0
HIDE_SLACK = 5.0
EMAIL_TARGET = 60.0
CLK_TCK = os.sysconf("SC_CLK_TCK")
POLL_GAP = 10.0


# --------------------------------------------------------------------------- the trust


def school_id(n: int) -> str:
    return f"school-{n:03d}"


def token_env(n: int, kind: str) -> str:
    return f"BENCH_S{n:03d}_{kind.upper()}_TOKEN"


def token(n: int, kind: str) -> str:
    return f"bench-token-{n:03d}-{kind}"


def account_id(n: int, kind: str) -> str:
    return str(ID_BASE[kind] + n)


def sim_accounts(schools: int) -> list[SimAccount]:
    return [
        SimAccount(
            platform=kind,
            account_id=account_id(n, kind),
            token=token(n, kind),
            name=f"School {n:03d}" if kind == "facebook" else f"@school{n:03d}",
            username=f"school{n:03d}",
            followers=300 + n,
        )
        for n in range(1, schools + 1)
        for kind in PLATFORMS
    ]


def config_text(
    folder: Path, database_url: str, sim_url: str, schools: int, poll_minutes: float
) -> str:
    lines = [
        "# Written by bench/pipeline_bench.py; every run starts afresh.",
        "[trust]",
        'name = "Benchmark Learning Trust"',
        'timezone = "Europe/London"',
        'admin_emails = ["admin@bench.example"]',
        "",
        "[database]",
        f'url = "{database_url}"',
        "",
        "[email]",
        "enabled = false",
        'from_address = "hallmonitor@bench.example"',
        f'maildir = "{folder / "mail"}"',
        "",
        "[platforms.facebook]",
        f'graph_url = "{sim_url}"',
        "[platforms.instagram]",
        f'graph_url = "{sim_url}"',
        "[platforms.x]",
        f'api_url = "{sim_url}"',
        'tier = "pro"',
        "",
        "[reports]",
        f'dir = "{folder / "reports"}"',
        'trust_recipients = ["ceo@bench.example"]',
    ]
    for n in range(1, schools + 1):
        sid = school_id(n)
        lines += [
            "",
            "[[schools]]",
            f'id = "{sid}"',
            f'name = "School {n:03d}"',
            'office_phone = "01632 960000"',
            'absence_line = "01632 960001"',
            f'office_email = "office@{sid}.example"',
            f'dsl_emails = ["dsl@{sid}.example"]',
            f'champion_emails = ["champion@{sid}.example"]',
            f'report_recipients = ["head@{sid}.example"]',
        ]
        for kind in PLATFORMS:
            lines += [
                "[[schools.accounts]]",
                f'platform = "{kind}"',
                f'account_id = "{account_id(n, kind)}"',
                f'name = "School {n:03d} on {kind.title()}"',
                f'token_env = "{token_env(n, kind)}"',
                f"poll_interval_minutes = {poll_minutes}",
            ]
    return "\n".join(lines) + "\n"


def bot_environ(schools: int) -> dict[str, str]:
    env = dict(os.environ)
    for n in range(1, schools + 1):
        for kind in PLATFORMS:
            env[token_env(n, kind)] = token(n, kind)
    return env


# --------------------------------------------------------------------------- measurement


def _polls(heard: list[tuple[float, int]]) -> list[int]:
    """Requests per poll: counts heard less than ``POLL_GAP`` apart are one poll."""
    sizes: list[int] = []
    last = -POLL_GAP
    for at, n in heard:
        if at - last < POLL_GAP and sizes:
            sizes[-1] += n
        else:
            sizes.append(n)
        last = at
    return sizes


@dataclass
class Sample:
    at: float
    cpu: float  # seconds of user + system time, all threads
    rss_mb: float
    hwm_mb: float


@dataclass
class ProcWatch:
    pid: int
    samples: list[Sample] = field(default_factory=list)
    marks: dict[str, float] = field(default_factory=dict)

    def read(self) -> Sample | None:
        try:
            with open(f"/proc/{self.pid}/stat") as handle:
                fields = handle.read().rsplit(")", 1)[1].split()
            cpu = (int(fields[11]) + int(fields[12])) / CLK_TCK
            rss = hwm = 0.0
            with open(f"/proc/{self.pid}/status") as handle:
                for line in handle:
                    if line.startswith("VmRSS:"):
                        rss = int(line.split()[1]) / 1024
                    elif line.startswith("VmHWM:"):
                        hwm = int(line.split()[1]) / 1024
        except (OSError, IndexError, ValueError):
            return None
        return Sample(time.monotonic(), cpu, rss, hwm)

    async def run(self) -> None:
        while True:
            sample = self.read()
            if sample is not None:
                self.samples.append(sample)
            await asyncio.sleep(1.0)

    def mark(self, name: str) -> None:
        self.marks[name] = time.monotonic()

    def window(self, start: str, end: str) -> tuple[float, float, float]:
        """CPU seconds, mean CPU % and peak RSS (MB) between two marks."""
        t0, t1 = self.marks[start], self.marks[end]
        inside = [s for s in self.samples if t0 <= s.at <= t1]
        if len(inside) < 2:
            return 0.0, 0.0, 0.0
        cpu = inside[-1].cpu - inside[0].cpu
        span = inside[-1].at - inside[0].at
        return cpu, 100 * cpu / span if span else 0.0, max(s.rss_mb for s in inside)


def query(db: Engine, sql: str) -> list[tuple[object, ...]]:
    """Rows, or none while the bot has not yet created its tables."""
    try:
        with db.connect() as con:
            return [tuple(row) for row in con.execute(text(sql))]
    except DBAPIError:
        return []


class Database:
    """The bot's database: a fresh SQLite file, or a fresh PostgreSQL database beside ``admin``."""

    def __init__(self, folder: Path, admin_url: str | None) -> None:
        self._admin = create_engine(admin_url, isolation_level="AUTOCOMMIT") if admin_url else None
        if self._admin is None:
            self.url = f"sqlite:///{folder / 'hallmonitor.db'}"
            self.engine = create_engine(self.url, connect_args={"timeout": 30})
            return
        self.name = f"hm_bench_{os.getpid()}_{int(time.time())}"
        with self._admin.connect() as con:
            con.execute(text(f'CREATE DATABASE "{self.name}"'))
        url = make_url(admin_url).set(database=self.name)
        self.url = url.render_as_string(hide_password=False)
        self.engine = create_engine(url)

    def drop(self) -> None:
        self.engine.dispose()
        if self._admin is not None:
            with self._admin.connect() as con:
                con.execute(text(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)'))
            self._admin.dispose()

    def describe(self) -> str:
        if self._admin is None:
            return "SQLite"
        with self.engine.connect() as con:
            return f"PostgreSQL {con.execute(text('SHOW server_version')).scalar()}"


def when(value: object) -> datetime:
    moment = datetime.fromisoformat(str(value))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, round(q * len(ordered) + 0.5) - 1))
    return ordered[rank]


# --------------------------------------------------------------------------- the run


@dataclass
class Injected:
    phase: str
    label: str
    at: float  # wall-clock seconds (time.time()) when posted


class Bench:
    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.schools = args.accounts // 3
        self.folder = Path(tempfile.mkdtemp(prefix="hm-pipeline-"))
        self.database = Database(self.folder, args.postgres)
        self.db = self.database.engine
        self.rng = random.Random(args.seed)
        self.corpus = load_corpus()
        self.injected: dict[str, Injected] = {}
        self.state: SimState | None = None
        self.posts: dict[tuple[str, str], str] = {}
        self.proc: subprocess.Popen[bytes] | None = None
        self.watch: ProcWatch | None = None
        self.results: dict[str, object] = {}
        self.log = print

    # -- simulator ------------------------------------------------------------------------

    async def start_simulator(self) -> web.AppRunner:
        app = create_app(sim_accounts(self.schools), seed=self.args.seed, posts_per_account=1)
        runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        self.state = app[STATE]
        for account in self.state.accounts:
            posts = self.state.posts(account)
            self.posts[(account.kind.value, account.account_id)] = posts[-1].id
        return runner

    def inject(self, phase: str, weighted: bool) -> None:
        assert self.state is not None
        if weighted and self.rng.random() < 0.4:
            wanted = "abuse" if self.rng.random() < 0.6 else "safeguarding"
            line = self.rng.choice([c for c in self.corpus if c.label == wanted])
        else:
            line = self.rng.choice(self.corpus)
        accounts = self.state.accounts
        if phase == "burst" and self.args.burst_accounts:
            accounts = accounts[: self.args.burst_accounts]
        account = self.rng.choice(accounts)
        first = self.rng.choice(["Sam", "Jo", "Alex", "Kim", "Lee"])
        person = f"{first} Parent{self.rng.randrange(900)}"
        item = self.state.add_comment(
            account,
            line.text,
            author={"name": person},
            post=self.posts[(account.kind.value, account.account_id)],
        )
        self.injected[item.id] = Injected(phase, line.label, time.time())

    async def flow(self, phase: str, count: int, seconds: float, *, weighted: bool) -> None:
        """Post ``count`` comments evenly over ``seconds`` (in ticks of at most a second)."""
        start = time.monotonic()
        done = 0
        while done < count:
            due = min(count, int(count * (time.monotonic() - start) / seconds) + 1)
            while done < due:
                self.inject(phase, weighted)
                done += 1
            await asyncio.sleep(min(1.0, seconds / count))

    # -- the bot --------------------------------------------------------------------------

    def start_bot(self, sim_url: str) -> None:
        cfg = self.folder / "config.toml"
        cfg.write_text(
            config_text(self.folder, self.database.url, sim_url, self.schools, POLL_SECONDS / 60),
            encoding="utf-8",
        )
        log = (self.folder / "bot.log").open("wb")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "bot.cli", "--config", str(cfg), "run", "--no-dashboard"],
            cwd=ROOT,
            env=bot_environ(self.schools),
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        self.watch = ProcWatch(self.proc.pid)

    def stop_bot(self) -> int | None:
        assert self.proc is not None
        if self.proc.poll() is not None:
            return self.proc.returncode
        self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.log("bot did not exit within 60 s of SIGTERM; killing it")
            self.proc.kill()
            self.proc.wait()
            return None

    def alive(self) -> None:
        assert self.proc is not None
        if self.proc.poll() is not None:
            tail = (self.folder / "bot.log").read_text(errors="replace")[-3000:]
            raise SystemExit(f"the bot exited with {self.proc.returncode}:\n{tail}")

    # -- phases ---------------------------------------------------------------------------

    async def wait_first_polls(self) -> float:
        started = time.monotonic()
        total = self.schools * 3
        while time.monotonic() - started < self.args.start_cap:
            self.alive()
            rows = await asyncio.to_thread(
                query, self.db, "SELECT count(*) FROM accounts WHERE last_poll_at IS NOT NULL"
            )
            polled = int(rows[0][0]) if rows else 0  # type: ignore[call-overload]
            if polled >= total:
                return time.monotonic() - started
            await asyncio.sleep(2)
        raise SystemExit(f"not every account was polled within {self.args.start_cap} s")

    async def idle(self) -> None:
        """Requests per poll, from the simulator alone: an account's requests less than
        ``POLL_GAP`` apart belong to one poll (polls of an account are a minute apart).

        Counting polls in the database instead miscounts the polls that are in flight at
        the window's edges, which with staggered polls is a few every second.
        """
        assert self.state is not None
        self.state.requests.clear()
        seen: Counter[tuple[str, str, str]] = Counter()
        heard: dict[tuple[str, str], list[tuple[float, int]]] = defaultdict(list)
        end = time.monotonic() + self.args.idle_seconds
        while time.monotonic() < end:
            await asyncio.sleep(0.25)
            now = time.monotonic()
            current = Counter(self.state.requests)
            for (kind, account, _endpoint), n in (current - seen).items():
                heard[(kind, account)].append((now, n))
            seen = current
        endpoints: Counter[tuple[str, str]] = Counter()
        for (kind, _account, endpoint), n in seen.items():
            endpoints[(kind, endpoint)] += n
        ids = await asyncio.to_thread(
            query, self.db, "SELECT platform, platform_account_id FROM accounts"
        )
        keys = [(str(kind), str(account)) for kind, account in ids]
        sizes = [size for key in keys for size in _polls(heard.get(key, []))]
        self.results["idle"] = {
            "seconds": self.args.idle_seconds,
            "requests": sum(seen.values()),
            "accounts": len(keys),
            "polls": len(sizes),
            "accounts_not_polled": sum(1 for key in keys if key not in heard),
            "max_per_poll": max(sizes) if sizes else float("nan"),
            "mean_per_poll": sum(sizes) / len(sizes) if sizes else float("nan"),
            "endpoints": dict(endpoints),
            "over_one": sum(1 for size in sizes if size > 1),
        }

    async def drain(self) -> float:
        started = time.monotonic()
        total = len(self.injected)
        while time.monotonic() - started < self.args.drain_cap:
            self.alive()
            stored = await asyncio.to_thread(query, self.db, "SELECT count(*) FROM comments")
            unclassified = await asyncio.to_thread(
                query,
                self.db,
                "SELECT count(*) FROM comments c WHERE NOT EXISTS "
                "(SELECT 1 FROM classifications k WHERE k.comment_id = c.id)",
            )
            pending = await asyncio.to_thread(
                query,
                self.db,
                "SELECT count(*) FROM actions WHERE status IN ('pending', 'in_flight')",
            )
            s = int(stored[0][0]) if stored else 0  # type: ignore[call-overload]
            u = int(unclassified[0][0]) if unclassified else -1  # type: ignore[call-overload]
            p = int(pending[0][0]) if pending else -1  # type: ignore[call-overload]
            self.log(
                f"  drain {time.monotonic() - started:5.0f}s: stored {s}/{total}, "
                f"unclassified {u}, actions pending {p}"
            )
            if s >= total and u == 0 and p == 0:
                return time.monotonic() - started
            await asyncio.sleep(5)
        self.results["drain_timed_out"] = True
        return time.monotonic() - started

    # -- analysis -------------------------------------------------------------------------

    def analyse(self) -> None:
        comments = query(
            self.db, "SELECT id, platform_id, created_at, fetched_at, hidden FROM comments"
        )
        actions = query(
            self.db,
            "SELECT kind, status, comment_id, done_at, idempotency_key, created_at FROM actions",
        )
        by_id = {int(c[0]): c for c in comments}  # type: ignore[call-overload]
        hide: dict[str, list[float]] = defaultdict(list)
        email: dict[str, list[float]] = defaultdict(list)
        read: dict[str, list[float]] = defaultdict(list)
        statuses: Counter[tuple[str, str]] = Counter()
        stages: dict[str, list[float]] = defaultdict(list)
        for kind, status, comment_id, done_at, key, queued in actions:
            statuses[(str(kind), str(status))] += 1
            if status != "done" or comment_id is None or done_at is None:
                continue
            comment = by_id.get(int(comment_id))  # type: ignore[call-overload]
            if comment is None:
                continue
            info = self.injected.get(str(comment[1]))
            phase = info.phase if info else "other"
            if kind == "hide" and str(key).startswith("hide:auto:"):
                hide[phase].append((when(done_at) - when(comment[2])).total_seconds())
                # where a hide's time goes: waiting for the poll, classification, the outbox
                stages["read (fetched - posted)"].append(
                    (when(comment[3]) - when(comment[2])).total_seconds()
                )
                stages["classify (action queued - fetched)"].append(
                    (when(queued) - when(comment[3])).total_seconds()
                )
                stages["outbox (done - action queued)"].append(
                    (when(done_at) - when(queued)).total_seconds()
                )
            elif kind == "alert":
                email[phase].append((when(done_at) - when(comment[3])).total_seconds())
        for _, platform_id, created, fetched, _ in comments:
            info = self.injected.get(str(platform_id))
            if info is not None:
                read[info.phase].append((when(fetched) - when(created)).total_seconds())
        matched = sum(1 for c in comments if str(c[1]) in self.injected)
        mail = self.folder / "mail"
        self.results.update(
            hide=dict(hide),
            email=dict(email),
            read=dict(read),
            stages=dict(stages),
            statuses=dict(statuses),
            stored=len(comments),
            matched=matched,
            eml=sum(1 for _ in mail.rglob("*.eml")) if mail.exists() else 0,
        )

    # -- main -----------------------------------------------------------------------------

    async def run(self) -> dict[str, object]:
        args = self.args
        runner = await self.start_simulator()
        port = runner.addresses[0][1]
        self.start_bot(f"http://127.0.0.1:{port}")
        assert self.watch is not None
        watcher = asyncio.create_task(self.watch.run())
        bench_cpu0 = _own_cpu()
        try:
            self.watch.mark("start")
            self.log(f"bot pid {self.watch.pid}; folder {self.folder}; simulator port {port}")
            first = await self.wait_first_polls()
            self.results["first_poll_seconds"] = first
            self.log(f"every account polled once after {first:.0f} s")
            self.watch.mark("idle")
            await self.idle()
            self.log(f"idle: {self.results['idle']}")
            self.watch.mark("steady")
            steady = round(args.rate * args.minutes / 60)
            self.log(f"steady: {steady} comments over {args.minutes} min")
            await self.flow("steady", steady, args.minutes * 60, weighted=True)
            self.watch.mark("burst")
            self.log(f"burst: {args.burst} comments over 60 s")
            burst_start = time.monotonic()
            await self.flow("burst", args.burst, 60.0, weighted=False)
            self.results["burst_seconds"] = time.monotonic() - burst_start
            self.watch.mark("drain")
            self.results["drain_seconds"] = await self.drain()
            self.watch.mark("end")
        finally:
            self.results["bench_cpu"] = _own_cpu() - bench_cpu0
            await asyncio.sleep(1.1)
            watcher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await watcher
            self.results["exit_code"] = await asyncio.to_thread(self.stop_bot)
            await runner.cleanup()
        self.results["injected"] = Counter(i.phase for i in self.injected.values())
        self.results["labels"] = Counter(f"{i.phase}:{i.label}" for i in self.injected.values())
        self.analyse()
        samples = self.watch.samples
        self.results["peak_rss"] = max(s.rss_mb for s in samples)
        self.results["hwm"] = max(s.hwm_mb for s in samples)
        self.results["cpu_total"] = samples[-1].cpu
        self.results["wall"] = samples[-1].at - samples[0].at
        self.results["windows"] = {
            name: self.watch.window(a, b)
            for name, a, b in (
                ("start-up + first polls", "start", "idle"),
                ("idle", "idle", "steady"),
                ("steady", "steady", "burst"),
                ("burst", "burst", "drain"),
                ("drain", "drain", "end"),
                ("whole run", "start", "end"),
            )
            if a in self.watch.marks and b in self.watch.marks
        }
        return self.results


def _own_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


# --------------------------------------------------------------------------- report


def machine() -> str:
    model = platform.processor() or "unknown CPU"
    with contextlib.suppress(OSError):
        out = subprocess.run(["lscpu"], capture_output=True, text=True, check=False).stdout
        for line in out.splitlines():
            if line.startswith("Model name:"):
                model = line.split(":", 1)[1].strip()
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    return (
        f"{model}, {os.cpu_count()} CPUs (nproc), {memory:.1f} GiB RAM, "
        f"Python {platform.python_version()}, load average at the end {load}"
    )


def _row(name: str, values: list[float], target: float | None) -> str:
    if not values:
        return f"| {name} | 0 | - | - | - | - |"
    p95 = pct(values, 0.95)
    verdict = "-" if target is None else ("met" if p95 <= target else "**missed**")
    return (
        f"| {name} | {len(values)} | {pct(values, 0.5):.1f} | {p95:.1f} | "
        f"{max(values):.1f} | {verdict} |"
    )


def report(results: dict[str, object], args: argparse.Namespace) -> str:
    hide: dict[str, list[float]] = results["hide"]  # type: ignore[assignment]
    email: dict[str, list[float]] = results["email"]  # type: ignore[assignment]
    read: dict[str, list[float]] = results["read"]  # type: ignore[assignment]
    idle: dict[str, object] = results["idle"]  # type: ignore[assignment]
    hide_target = POLL_SECONDS + HIDE_SLACK
    counts: dict[tuple[str, str], int] = idle["endpoints"]  # type: ignore[assignment]
    endpoints = ", ".join(f"{p} {e}: {n}" for (p, e), n in sorted(counts.items()))
    lines = [
        "| latency (seconds) | n | p50 | p95 | max | target |",
        "| --- | ---: | ---: | ---: | ---: | --- |",
    ]
    for phase in ("steady", "burst"):
        lines.append(
            _row(f"hide, {phase} (done - posted; p95 <= 65)", hide.get(phase, []), hide_target)
        )
    lines.append(
        _row("hide, all (p95 <= 65)", [v for vs in hide.values() for v in vs], hide_target)
    )
    for phase in ("steady", "burst"):
        lines.append(
            _row(f"DSL email, {phase} (sent - read; p95 <= 60)", email.get(phase, []), EMAIL_TARGET)
        )
    lines.append(
        _row("DSL email, all (p95 <= 60)", [v for vs in email.values() for v in vs], EMAIL_TARGET)
    )
    for phase in ("steady", "burst"):
        lines.append(_row(f"read, {phase} (read - posted)", read.get(phase, []), None))
    stages: dict[str, list[float]] = results["stages"]  # type: ignore[assignment]
    for name, values in stages.items():
        lines.append(_row(f"automatic hides, stage: {name}", values, None))
    lines += [
        "",
        "| idle polls | value |",
        "| --- | ---: |",
        f"| window (s) | {idle['seconds']} |",
        f"| accounts / polls heard | {idle['accounts']} / {idle['polls']} |",
        f"| accounts not polled in the window | {idle['accounts_not_polled']} |",
        f"| requests | {idle['requests']} |",
        f"| requests per poll, mean / max | {idle['mean_per_poll']:.2f} / "
        f"{idle['max_per_poll']:.2f} |",
        f"| polls of more than 1 request | {idle['over_one']} |",
        f"| endpoints | {endpoints} |",
        "",
        "| bot process | CPU s | mean CPU % (of one core) | peak RSS MB |",
        "| --- | ---: | ---: | ---: |",
    ]
    windows: dict[str, tuple[float, float, float]] = results["windows"]  # type: ignore[assignment]
    for name, (cpu, share, rss) in windows.items():
        lines.append(f"| {name} | {cpu:.1f} | {share:.0f} | {rss:.0f} |")
    lines += [
        "",
        f"Peak RSS {results['peak_rss']:.0f} MB (VmHWM {results['hwm']:.0f} MB); "
        f"{results['cpu_total']:.0f} CPU s in {results['wall']:.0f} s of wall time. "
        f"Comments posted: {dict(results['injected'])} "  # type: ignore[call-overload]
        f"(stored {results['stored']}, matched {results['matched']}); actions: "
        + ", ".join(f"{k} {s} {n}" for (k, s), n in sorted(results["statuses"].items()))  # type: ignore[attr-defined]
        + f"; .eml files {results['eml']}. First poll of every account after "
        f"{results['first_poll_seconds']:.0f} s; burst posted in {results['burst_seconds']:.0f} s; "
        f"drained {results['drain_seconds']:.0f} s after the burst"
        + (" (**cap reached**)" if results.get("drain_timed_out") else "")
        + f". Benchmark process (simulator + injection) CPU {results['bench_cpu']:.0f} s. "
        f"Bot exit code after SIGTERM: {results['exit_code']}.",
    ]
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=300, help="accounts (3 per school)")
    parser.add_argument("--minutes", type=float, default=3.0, help="minutes of steady flow")
    parser.add_argument("--rate", type=float, default=1000.0, help="steady comments per hour")
    parser.add_argument("--burst", type=int, default=5000, help="comments in the burst minute")
    parser.add_argument(
        "--burst-accounts",
        type=int,
        default=0,
        metavar="N",
        help="post the burst on the first N accounts only (a post gone viral: 1); default all",
    )
    parser.add_argument("--idle-seconds", type=float, default=70.0)
    parser.add_argument("--start-cap", type=float, default=180.0)
    parser.add_argument("--drain-cap", type=float, default=360.0)
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    parser.add_argument(
        "--postgres",
        metavar="URL",
        help="run on a fresh PostgreSQL database made beside this one "
        "(e.g. postgresql+psycopg://postgres@127.0.0.1:5432/test), not on SQLite",
    )
    args = parser.parse_args()
    bench = Bench(args)
    started = datetime.now(UTC)
    database = bench.database.describe()
    try:
        results = asyncio.run(bench.run())
    finally:
        if not args.keep:
            bench.database.drop()
            shutil.rmtree(bench.folder, ignore_errors=True)
    print(f"\nPipeline benchmark, {started:%Y-%m-%d %H:%M} UTC, {database}")
    print(f"Machine: {machine()}")
    print(" ".join([".venv/bin/python -m bench.pipeline_bench", *sys.argv[1:]]))
    print()
    print(report(results, args))
    return 0


if __name__ == "__main__":
    sys.exit(main())
