"""Dashboard latency with 100,000 comments: queue and item pages, p50/p95, SQLite and PostgreSQL.

    python -m bench.dashboard_bench                       # SQLite in a temporary file
    python -m bench.dashboard_bench --url postgresql+psycopg://postgres@127.0.0.1:5432/test

Seeds a trust of 3 schools x 3 platforms: 100,000 comments from 5,000 authors over 90 days,
a classification each, queue items for 40% of them (3,000 still open, the rest handled or
dismissed), an outbox action and an audit entry for each handled item. Then it serves the
dashboard on a loopback port, signs in as a champion of one school (the access-filtered
case) and as a trust admin, and times sequential requests from an HTTP client.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import re
import statistics
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web
from cryptography.fernet import Fernet
from sqlalchemy import Engine, insert, text

from bot.config import Config, parse_config
from bot.labels import Label
from bot.policy import DUE_AFTER
from bot.sync import sync_config
from bot.web.app import create_app
from bot.workspace.users import create_user
from models import (
    Action,
    ActionKind,
    ActionStatus,
    AuditEntry,
    Classification,
    Comment,
    QueueItem,
    QueueStatus,
    Role,
    make_engine,
    session_scope,
)
from models.migrate import upgrade
from models.types import utcnow

SCHOOLS = ("oakfield", "birchwood", "hillcrest")
PLATFORMS = ("facebook", "instagram", "x")
PASSWORD = "bench-password-1"
LABEL_WEIGHTS = {
    Label.SAFEGUARDING: 1, Label.ABUSE: 6, Label.ABSENCE: 5, Label.PERSONAL_DATA: 2,
    Label.SPAM: 6, Label.COMPLAINT: 10, Label.QUESTION: 25, Label.POSITIVE: 30, Label.OTHER: 15,
}  # fmt: skip
WORDS = [
    "the",
    "school",
    "trip",
    "was",
    "great",
    "thanks",
    "to",
    "all",
    "staff",
    "when",
    "is",
    "parents",
    "evening",
    "my",
    "son",
    "is",
    "off",
    "sick",
    "today",
    "parking",
    "at",
    "pick",
    "up",
    "is",
    "awful",
    "again",
    "who",
    "decided",
    "this",
    "uniform",
    "policy",
    "brilliant",
    "nativity",
    "well",
    "done",
    "year",
    "six",
    "homework",
    "club",
    "question",
    "about",
    "lunch",
    "menu",
]


def bench_config() -> Config:
    return parse_config(
        {
            "trust": {"name": "Bench Trust"},
            "schools": [
                {
                    "id": school,
                    "name": school.title(),
                    "accounts": [
                        {"platform": p, "account_id": f"{school}-{p}", "token_env": "BENCH_TOKEN"}
                        for p in PLATFORMS
                    ],
                }
                for school in SCHOOLS
            ],
        }
    )


def seed(engine: Engine, config: Config, comments: int, rng: random.Random) -> list[int]:
    """Returns the ids of queue items of the first school (the champion's)."""
    now = utcnow()
    with session_scope(engine) as session:
        accounts = list(sync_config(session, config).values())
        session.flush()
        admin = create_user(
            session, email="admin@bench.example", password=PASSWORD, role=Role.TRUST_ADMIN,
            schools=[],
        )  # fmt: skip
        create_user(
            session, email="champion@bench.example", password=PASSWORD, role=Role.CHAMPION,
            schools=[SCHOOLS[0]],
        )  # fmt: skip
        session.flush()
        admin_id = admin.id
    labels = list(LABEL_WEIGHTS)
    weights = list(LABEL_WEIGHTS.values())
    batch = 5000
    open_left = 3000
    queued = int(comments * 0.4)
    next_id = 1
    for start in range(0, comments, batch):
        c_rows, l_rows, q_rows, a_rows, e_rows = [], [], [], [], []
        for n in range(start, min(comments, start + batch)):
            account = accounts[n % len(accounts)]
            created = now - timedelta(seconds=rng.randint(60, 90 * 86400))
            label = rng.choices(labels, weights)[0]
            words = rng.choices(WORDS, k=rng.randint(4, 40))
            cid = next_id
            next_id += 1
            c_rows.append({
                "id": cid, "platform": account.platform, "platform_id": f"p{n}",
                "account_id": account.id, "school_id": account.school_id,
                "post_id": f"post{n % 400}", "post_text": "A post about the week",
                "author_id": f"a{rng.randint(1, 5000)}", "author_name": "A Parent",
                "text": " ".join(words), "permalink": f"https://example.org/c/{n}",
                "created_at": created, "fetched_at": created, "hidden": label.hide_group,
            })  # fmt: skip
            l_rows.append({
                "comment_id": cid, "label": label.value, "scores": {label.value: 0.9},
                "reasons": ["bench"], "model": "bench", "version": "1", "created_at": created,
            })  # fmt: skip
            if n < queued or label is Label.SAFEGUARDING:
                active = open_left > 0 and rng.random() < 0.1
                status = (
                    QueueStatus.OPEN
                    if active
                    else rng.choice([QueueStatus.HANDLED, QueueStatus.DISMISSED])
                )
                if active:
                    open_left -= 1
                    if label is Label.SAFEGUARDING:
                        status = QueueStatus.ESCALATED
                q_rows.append({
                    "id": cid, "comment_id": cid, "school_id": account.school_id,
                    "label": label.value, "status": status, "priority": label.precedence,
                    "needs_review": False, "suggested_reply": "Thank you for your message.",
                    "reply_private": False, "suggest_block": False, "due_at": created
                    + DUE_AFTER[label], "created_at": created, "updated_at": created,
                })  # fmt: skip
                if status is QueueStatus.HANDLED:
                    a_rows.append({
                        "kind": ActionKind.REPLY, "status": ActionStatus.DONE,
                        "idempotency_key": f"reply:{cid}:bench", "account_id": account.id,
                        "comment_id": cid, "queue_item_id": cid, "payload": {"text": "Thanks"},
                        "requested_by": admin_id, "attempts": 1, "next_attempt_at": created,
                        "created_at": created, "updated_at": created, "done_at": created,
                        "result_ref": f"r{cid}",
                    })  # fmt: skip
                    e_rows.append({
                        "at": created, "user_id": admin_id, "actor": "admin@bench.example",
                        "action": "reply", "school_id": account.school_id, "queue_item_id": cid,
                        "comment_id": cid, "detail": "",
                    })  # fmt: skip
        with session_scope(engine) as session:
            session.execute(insert(Comment), c_rows)
            session.execute(insert(Classification), l_rows)
            if q_rows:
                session.execute(insert(QueueItem), q_rows)
            if a_rows:
                session.execute(insert(Action), a_rows)
                session.execute(insert(AuditEntry), e_rows)
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:
            conn.execute(text("SELECT setval(pg_get_serial_sequence('queue_items', 'id'), "
                              "(SELECT max(id) FROM queue_items))"))  # fmt: skip
            conn.execute(text("ANALYZE"))
    with session_scope(engine) as session:
        from sqlmodel import col, select

        ids = session.exec(
            select(QueueItem.id)
            .where(QueueItem.school_id == SCHOOLS[0])
            .order_by(col(QueueItem.id))
        ).all()
    return [i for i in ids if i is not None]


async def _sign_in(http: aiohttp.ClientSession, base: str, email: str) -> None:
    page = await (await http.get(f"{base}/login")).text()
    match = re.search(r'name="csrf" value="([^"]+)"', page)
    assert match
    response = await http.post(
        f"{base}/login",
        data={"csrf": match.group(1), "email": email, "password": PASSWORD},
        allow_redirects=False,
    )
    assert response.status == 303, response.status


async def _time(http: aiohttp.ClientSession, url: str) -> float:
    started = time.perf_counter()
    async with http.get(url, allow_redirects=False) as response:
        await response.read()
        assert response.status == 200, (url, response.status)
    return (time.perf_counter() - started) * 1000


def _stats(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    p95 = ordered[max(0, int(len(ordered) * 0.95) - 1)]
    return {"p50": statistics.median(ordered), "p95": p95, "max": ordered[-1]}


async def _listen(http: aiohttp.ClientSession, url: str, events: list[int]) -> None:
    """One open page's live stream, read for as long as the measurement runs."""
    async with http.get(url, timeout=aiohttp.ClientTimeout(total=None)) as response:
        async for line in response.content:
            if line.startswith(b"event: counts"):
                events[0] += 1


async def measure(
    engine: Engine,
    config: Config,
    item_ids: list[int],
    requests: int,
    rng: random.Random,
    live: int = 20,
) -> dict[str, dict[str, float]]:
    """p50/p95 per page, with ``live`` pages' event streams open (live updates on)."""
    app = create_app(config, engine, secret_key=Fernet(Fernet.generate_key()))
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    base = f"http://127.0.0.1:{port}"
    results: dict[str, dict[str, float]] = {}
    cases: list[tuple[str, str, Any]] = [
        ("champion", "queue (champion, default)", lambda: "/queue"),
        ("champion", "queue (champion, label+age filter)", lambda: "/queue?label=question&age=7d"),
        ("champion", "queue (champion, all, page 20)", lambda: "/queue?status=all&page=20"),
        ("champion", "queue (champion, search)", lambda: "/queue?q=trip"),
        ("champion", "item (champion)", lambda: f"/items/{rng.choice(item_ids)}"),
        ("admin", "queue (trust admin, default)", lambda: "/queue"),
        ("admin", "item (trust admin)", lambda: f"/items/{rng.choice(item_ids)}"),
    ]  # fmt: skip
    try:
        sessions = {}
        for who in ("champion", "admin"):
            jar = aiohttp.CookieJar(unsafe=True)
            sessions[who] = aiohttp.ClientSession(cookie_jar=jar)
            await _sign_in(sessions[who], base, f"{who}@bench.example")
        events = [0]
        listeners = [
            asyncio.create_task(_listen(sessions[who], base + "/events", events))
            for who in ("champion", "admin")
            for _ in range(live // 2)
        ]
        for who, name, path in cases:
            http = sessions[who]
            for _ in range(10):
                await _time(http, base + path())
            results[name] = _stats([await _time(http, base + path()) for _ in range(requests)])
        for task in listeners:
            task.cancel()
        await asyncio.gather(*listeners, return_exceptions=True)
        print(f"live updates: {len(listeners)} event streams open, {events[0]} count events sent")
        for http in sessions.values():
            await http.close()
    finally:
        await runner.cleanup()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--url", help="database URL (default: SQLite in a temporary file)")
    parser.add_argument("--comments", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--live", type=int, default=20, help="event streams held open")
    args = parser.parse_args()
    rng = random.Random(7)
    config = bench_config()
    with tempfile.TemporaryDirectory() as tmp:
        url = args.url or f"sqlite:///{Path(tmp) / 'bench.db'}"
        schema = None
        if url.startswith("postgresql"):
            schema = "bench_dashboard"
            admin = make_engine(url)
            with admin.begin() as conn:
                conn.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
                conn.execute(text(f"CREATE SCHEMA {schema}"))
            admin.dispose()
        engine = make_engine(url, schema=schema)
        upgrade(engine)
        started = time.perf_counter()
        item_ids = seed(engine, config, args.comments, rng)
        print(f"{engine.dialect.name}: seeded {args.comments:,} comments "
              f"in {time.perf_counter() - started:.0f} s")  # fmt: skip
        results = asyncio.run(measure(engine, config, item_ids, args.requests, rng, args.live))
        print(
            f"\n| page ({engine.dialect.name}, {args.requests} requests) "
            "| p50 ms | p95 ms | max ms |"
        )
        print("| --- | ---: | ---: | ---: |")
        for name, figures in results.items():
            print(
                f"| {name} | {figures['p50']:.1f} | {figures['p95']:.1f} | {figures['max']:.1f} |"
            )
        engine.dispose()
        if schema:
            admin = make_engine(url)
            with admin.begin() as conn:
                conn.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
            admin.dispose()


if __name__ == "__main__":
    main()
