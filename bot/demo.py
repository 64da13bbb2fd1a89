"""The demo: a trust of three schools on all three platforms, fed by the simulator."""

from __future__ import annotations

import logging
import os
import random
import shutil
from dataclasses import dataclass
from pathlib import Path

from aiohttp import web

from bot.config import Config, load_config
from bot.runtime import Bot
from bot.sync import sync_config
from bot.workspace.users import create_user
from connectors.simulator import SimAccount, create_app
from models import Role, make_engine, session_scope
from models.migrate import upgrade
from models.types import utcnow

_LOGGER = logging.getLogger(__name__)

DEMO_PASSWORD = "hallmonitor-demo"  # noqa: S105 (printed on start: demo only)
SCHOOLS = (
    ("oakfield", "Oakfield Primary School", "01632 960101", 1),
    ("birchwood", "Birchwood Academy", "01632 960201", 2),
    ("cedar-grove", "Cedar Grove Primary", "01632 960301", 3),
)
PLATFORM_IDS = {
    "facebook": "10000000000000{n}",
    "instagram": "1784140000000000{n}",
    "x": "150000000000000000{n}",
}
USERS: tuple[tuple[str, Role, list[str]], ...] = (
    ("admin@riverside.example", Role.TRUST_ADMIN, []),
    ("champion@oakfield.example", Role.CHAMPION, ["oakfield"]),
    ("dsl@oakfield.example", Role.DSL, ["oakfield"]),
    ("champion@birchwood.example", Role.CHAMPION, ["birchwood"]),
)


@dataclass(frozen=True, slots=True)
class DemoOptions:
    folder: Path
    port: int = 8080
    sim_port: int = 8900
    rate: float = 12.0
    seconds: float | None = None
    poll_minutes: float = 0.25
    seed: int = 7


def token_env(school_id: str, platform: str) -> str:
    return f"DEMO_{school_id.upper().replace('-', '_')}_{platform.upper()}_TOKEN"


def sim_accounts() -> list[SimAccount]:
    accounts = []
    for school_id, name, _phone, n in SCHOOLS:
        for platform, pattern in PLATFORM_IDS.items():
            handle = f"{school_id.replace('-', '')}school"
            accounts.append(
                SimAccount(
                    platform=platform,
                    account_id=pattern.format(n=n),
                    token=f"demo-token-{school_id}-{platform}",
                    name=name if platform == "facebook" else f"@{handle}",
                    username=handle,
                    followers=400 * n + (150 if platform == "facebook" else 60),
                )
            )
    return accounts


DEMO_KNOWLEDGE = [
    "[[schools.knowledge]]",
    'topic = "Term dates"',
    'answer = "This term ends on Friday 19 December; we are back on Monday 5 January."',
    'keywords = ["term", "holiday", "holidays", "half term", "back to school", "inset"]',
    "[[schools.knowledge]]",
    'topic = "Parents evening"',
    'answer = "Parents evening is on Thursday 11 December, 3.30 to 7pm: book a slot on the '
    'school app."',
    'keywords = ["parents evening", "parent evening", "parents meeting", "teacher meeting"]',
    "[[schools.knowledge]]",
    'topic = "Clubs"',
    'answer = "After-school clubs run Monday to Thursday until 4.30pm; the list is on the '
    'website under Clubs."',
    'keywords = ["club", "after school", "football", "choir"]',
    "[[schools.knowledge]]",
    'topic = "Uniform"',
    'answer = "Uniform is a green jumper, white polo shirt and grey trousers or skirt; the '
    'second-hand sale is every first Friday."',
    'keywords = ["uniform", "jumper", "pe kit"]',
    "[[schools.knowledge]]",
    'topic = "Snow and closures"',
    'answer = "If bad weather closes the school we text every family by 7am and post it here."',
    'keywords = ["snow", "closed", "closure", "weather"]',
    "[[schools.saved_replies]]",
    'title = "Thank you"',
    'text = "Thank you for your kind words: we will pass them on to the staff."',
    "[[schools.saved_replies]]",
    'title = "Please contact the office"',
    'text = "Thank you for getting in touch. Please contact the school office so we can help '
    'you properly."',
]
"""Short answers to what parents ask, so the demo's questions get real suggested replies."""


def config_text(options: DemoOptions) -> str:
    folder = options.folder.resolve()
    sim = f"http://127.0.0.1:{options.sim_port}"
    lines = [
        "# Written by `hallmonitor demo`; every run starts afresh.",
        "[trust]",
        'name = "Riverside Learning Trust (demo)"',
        'timezone = "Europe/London"',
        'admin_emails = ["admin@riverside.example"]',
        "",
        "[database]",
        f'url = "sqlite:///{folder / "hallmonitor.db"}"',
        "",
        "[email]",
        "enabled = false",
        'from_address = "hallmonitor@riverside.example"',
        f'maildir = "{folder / "mail"}"',
        "",
        "[dashboard]",
        f"port = {options.port}",
        f'base_url = "http://127.0.0.1:{options.port}"',
        "",
        "[platforms.facebook]",
        f'graph_url = "{sim}"',
        "[platforms.instagram]",
        f'graph_url = "{sim}"',
        "[platforms.x]",
        f'api_url = "{sim}"',
        'tier = "pro"',
        "",
        "[reports]",
        f'dir = "{folder / "reports"}"',
        'trust_recipients = ["ceo@riverside.example"]',
        "[reports.watchlist]",
        '"looks like a pupil" = "(?i)\\\\b(year ?[0-9]|yr ?[0-9]|pupil)\\\\b"',
        '"adult content" = "(?i)(onlyfans|18\\\\+|xxx)"',
    ]
    for school_id, name, phone, n in SCHOOLS:
        lines += [
            "",
            "[[schools]]",
            f'id = "{school_id}"',
            f'name = "{name}"',
            f'office_phone = "{phone}"',
            f'absence_line = "{phone[:-1]}2"',
            f'office_email = "office@{school_id}.example"',
            f'dsl_emails = ["dsl@{school_id}.example"]',
            f'champion_emails = ["champion@{school_id}.example"]',
            f'report_recipients = ["head@{school_id}.example"]',
            *DEMO_KNOWLEDGE,
        ]
        for platform, pattern in PLATFORM_IDS.items():
            lines += [
                "[[schools.accounts]]",
                f'platform = "{platform}"',
                f'account_id = "{pattern.format(n=n)}"',
                f'name = "{name} on {platform.title()}"',
                f'token_env = "{token_env(school_id, platform)}"',
                f"poll_interval_minutes = {options.poll_minutes}",
            ]
    return "\n".join(lines) + "\n"


def prepare(options: DemoOptions) -> Config:
    """A fresh folder, config, database, users, tokens in the environment, and history."""
    folder = options.folder
    for name in ("hallmonitor.db", "hallmonitor.db-wal", "hallmonitor.db-shm"):
        (folder / name).unlink(missing_ok=True)
    shutil.rmtree(folder / "mail", ignore_errors=True)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "config.toml").write_text(config_text(options), encoding="utf-8")
    config = load_config(folder / "config.toml")
    for school_id, *_ in SCHOOLS:
        for platform in PLATFORM_IDS:
            os.environ[token_env(school_id, platform)] = f"demo-token-{school_id}-{platform}"
    engine = make_engine(config.database.url)
    upgrade(engine)
    with session_scope(engine) as session:
        sync_config(session, config)
        for email, role, schools in USERS:
            create_user(session, email=email, password=DEMO_PASSWORD, role=role, schools=schools)
    _seed_history(engine, config, options.seed)
    engine.dispose()
    return config


def _seed_history(engine: object, config: Config, seed: int) -> None:
    try:
        from bot.reports.seed import seed_history
    except ImportError:
        return
    with session_scope(engine) as session:  # type: ignore[arg-type]
        seed_history(session, config, utcnow(), random.Random(seed))  # noqa: S311


def banner(options: DemoOptions) -> str:
    users = "\n".join(f"    {email:<30} {role.value}" for email, role, _ in USERS)
    return (
        "\nHallmonitor demo\n"
        f"  dashboard:  http://127.0.0.1:{options.port}/   (health: /healthz)\n"
        f"  simulator:  http://127.0.0.1:{options.sim_port}/_sim/state\n"
        f"  mailbox:    {options.folder / 'mail'} (DSL alerts as .eml files)\n"
        f"  config:     {options.folder / 'config.toml'}\n"
        f"  users (password {DEMO_PASSWORD!r}):\n{users}\n"
        "  Ctrl-C stops it.\n"
    )


async def run_demo(options: DemoOptions) -> None:
    config = prepare(options)
    sim = web.AppRunner(
        create_app(
            sim_accounts(),
            feed_rate_per_minute=options.rate,
            seed=options.seed,
            comments_per_post=2,
        ),
        access_log=None,
    )
    await sim.setup()
    await web.TCPSite(sim, "127.0.0.1", options.sim_port).start()
    bot = await Bot.create(config)
    try:
        await bot.start()
        print(banner(options), flush=True)
        await bot.run_until_stopped(options.seconds)
    finally:
        await bot.stop()
        await sim.cleanup()
