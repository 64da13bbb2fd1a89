"""The dashboard in a real browser: Playwright driving Debian's Chromium, headless.

The reply loop runs end to end: the champion edits and sends the suggested reply, the outbox
worker sends it through the Facebook connector to the simulator, and the simulator has exactly
that reply. Screenshots of the queue and an item, phone- and desktop-sized, go to
``docs/screenshots/``.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestServer
from cryptography.fernet import Fernet
from sqlalchemy import Engine
from sqlmodel import select

from bot.config import Config
from bot.knowledge import KnowledgeEntry
from bot.labels import Label
from bot.notify import Mailer
from bot.web.app import create_app
from connectors.facebook import FacebookConnector
from connectors.simulator.app import create_app as create_simulator
from models import Account, Comment, QueueStatus, session_scope
from models.types import utcnow
from tests.bot.web.factory import (
    CHAMPION,
    DSL,
    OTHER_CHAMPION,
    PASSWORD,
    SAFEGUARDING_TEXT,
    Seeded,
    add_item,
    make_config,
    seed,
)

CHROMIUM = Path("/usr/bin/chromium")
SCREENSHOTS = Path(__file__).resolve().parents[3] / "docs" / "screenshots"
SIM_ACCOUNT = "100000000000001"  # the simulator's Oakfield Facebook page
SIM_TOKEN = "demo-token-facebook-oakfield"
ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip
PHONE = {"width": 375, "height": 812}
DESKTOP = {"width": 1280, "height": 900}

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium at /usr/bin"),
]


class Loop:
    """The pieces around the dashboard: simulator, worker, and the abusive comment."""

    def __init__(self) -> None:
        self.sim: TestServer | None = None
        self.base = ""
        self.item = 0
        self.comment_platform_id = ""
        self.seeded: Seeded | None = None
        self.tasks: set[asyncio.Task[Any]] = set()


@pytest.fixture
async def loop_setup(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Loop]:
    monkeypatch.setenv("OAK_FB", SIM_TOKEN)
    config: Config = with_knowledge(make_config(oak_fb_id=SIM_ACCOUNT))
    now = utcnow()
    loop = Loop()
    loop.seeded = seed(engine, config, now=now)
    sim = TestServer(create_simulator(seed=1, posts_per_account=1))
    await sim.start_server()
    loop.sim = sim
    async with _client() as http:
        created = await http.post(
            sim.make_url("/_sim/comments"),
            json={"platform": "facebook", "account": SIM_ACCOUNT, "author": "Angry Parent",
                  "text": "You lot are useless idiots and the head should be sacked"},
        )  # fmt: skip
        assert created.status == 201, await created.text()
        body = await created.json()
    with session_scope(engine) as session:
        account = session.exec(
            select(Account).where(Account.platform_account_id == SIM_ACCOUNT)
        ).one()
        loop.item = add_item(
            session, account=account, now=now, label=Label.ABUSE,
            text="You lot are useless idiots and the head should be sacked",
            author_name="Angry Parent", author_id="sim-author", platform_id=body["id"],
            age=timedelta(minutes=50), reasons=["insult: 'useless idiots'"],
            suggested_reply="We want this page to stay welcoming: please keep comments respectful.",
        )  # fmt: skip
        comment = session.exec(select(Comment).where(Comment.platform_id == body["id"])).one()
        comment.post_id = body["post"]
        for n, (text, label) in enumerate(
            [
                ("Is the school closed tomorrow because of the snow?", Label.QUESTION),
                ("Thank you to all the staff for a brilliant nativity!", Label.POSITIVE),
                ("Parking at pick-up is dangerous again, please do something", Label.COMPLAINT),
                ("My son Tom won't be in today, he has a temperature", Label.ABSENCE),
            ]
        ):
            add_item(session, account=account, now=now, label=label, text=text,
                     author_name=f"Parent {n}", author_id=f"p-{n}",
                     age=timedelta(minutes=20 + 70 * n))  # fmt: skip
    loop.comment_platform_id = body["id"]

    connector = FacebookConnector(
        account_id=SIM_ACCOUNT, token=SIM_TOKEN, base_url=str(sim.make_url("")).rstrip("/")
    )
    from bot.worker import OutboxWorker

    with session_scope(engine) as session:
        account_id = session.exec(
            select(Account.id).where(Account.platform_account_id == SIM_ACCOUNT)
        ).one()
    assert account_id is not None
    worker = OutboxWorker(engine, config, {account_id: connector}, Mailer(config.email))

    def wake() -> None:
        task = asyncio.get_running_loop().create_task(worker.drain())
        loop.tasks.add(task)
        task.add_done_callback(loop.tasks.discard)

    app = create_app(
        config, engine, wake_outbox=wake, secret_key=Fernet(Fernet.generate_key()),
        action_wait=10.0, live_interval=0.1,
    )  # fmt: skip
    dashboard = TestServer(app, host="127.0.0.1")
    await dashboard.start_server()
    loop.base = str(dashboard.make_url("")).rstrip("/")
    try:
        yield loop
    finally:
        if loop.tasks:
            await asyncio.gather(*loop.tasks, return_exceptions=True)
        await connector.close()
        await dashboard.close()
        await sim.close()


SNOW = KnowledgeEntry(
    topic="Snow closures",
    answer="If snow closes the school we text every family by 7am and post it here.",
    keywords=["snow", "closed", "closure"],
)


def with_knowledge(config: Config) -> Config:
    oak, *others = config.schools
    return config.model_copy(
        update={"schools": [oak.model_copy(update={"knowledge": [SNOW]}), *others]}
    )


def _client() -> Any:
    import aiohttp

    return aiohttp.ClientSession()


@pytest.fixture
async def browser() -> AsyncIterator[Any]:
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        chromium = await playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=ARGS
        )
        try:
            yield chromium
        finally:
            await chromium.close()


async def _signed_in(
    browser: Any, base: str, email: str, viewport: dict[str, int] = DESKTOP
) -> Any:
    context = await browser.new_context(viewport=viewport, base_url=base)
    page = await context.new_page()
    await page.goto("/login")
    await page.get_by_label("Email address").fill(email)
    await page.get_by_label("Password").fill(PASSWORD)
    await page.get_by_role("button", name="Sign in").click()
    await page.wait_for_url("**/queue")
    return page


@pytest.mark.sqlite_only
async def test_champion_edits_and_sends_the_reply_the_simulator_gets_it(loop_setup, browser):
    loop = loop_setup
    page = await _signed_in(browser, loop.base, CHAMPION)
    await page.get_by_role("link", name="You lot are useless idiots").click()
    await page.wait_for_url(f"**/items/{loop.item}")
    box = page.get_by_label("Suggested reply: edit before sending")
    assert "keep comments respectful" in await box.input_value()
    edited = "Please keep comments respectful. We have hidden this one. Oakfield office"
    await box.fill(edited)
    counter = page.locator("#reply-count")
    assert await counter.inner_text() == f"{len(edited)} of 8000 characters (facebook's limit)"
    await page.get_by_role("button", name="Send as public reply").click()
    await page.wait_for_load_state("load")
    # The reply finishes the item: the next one opens, and the message says it went.
    flashes = await page.locator(".flashes").inner_text()
    assert (
        f"#{loop.item}: Public reply queued; item marked handled. Done on the platform." in flashes
    )
    await page.goto(f"/items/{loop.item}")
    row = page.locator("table.actions tbody tr").first
    assert await row.locator(".result").inner_text() == "sent"
    assert edited in await row.inner_text()

    assert loop.sim is not None
    async with _client() as http:
        state = await (await http.get(loop.sim.make_url("/_sim/state"))).json()
    (comment,) = [c for c in state["comments"] if c["id"] == loop.comment_platform_id]
    ours = [reply["text"] for reply in comment["replies"] if reply["from_account"]]
    assert ours == [edited]
    await page.context.close()


@pytest.mark.sqlite_only
async def test_champion_of_another_school_cannot_reach_it(loop_setup, browser):
    loop = loop_setup
    page = await _signed_in(browser, loop.base, OTHER_CHAMPION)
    assert "useless idiots" not in await page.content()
    response = await page.goto(f"/items/{loop.item}")
    assert response.status == 404
    assert "useless idiots" not in await page.content()
    await page.goto("/queue?school=oakfield&status=all")
    assert "useless idiots" not in await page.content()
    await page.context.close()


@pytest.mark.sqlite_only
async def test_dsl_reads_the_safeguarding_text_the_champion_cannot(loop_setup, browser):
    loop = loop_setup
    assert loop.seeded is not None
    item = f"/items/{loop.seeded.safeguarding}"
    champion = await _signed_in(browser, loop.base, CHAMPION)
    await champion.goto(item)
    assert await champion.get_by_role("heading", name="Escalated to the DSL").is_visible()
    assert "bruises" not in await champion.locator("main").inner_text()
    await champion.context.close()
    dsl = await _signed_in(browser, loop.base, DSL)
    await dsl.goto(item)
    assert await dsl.locator("#comment-text").inner_text() == SAFEGUARDING_TEXT
    await dsl.context.close()


@pytest.mark.sqlite_only
async def test_hostile_comment_renders_inert(loop_setup, browser):
    loop = loop_setup
    assert loop.seeded is not None
    page = await _signed_in(browser, loop.base, CHAMPION)
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: dialogs.append(dialog.message))
    for path in (f"/items/{loop.seeded.xss}", "/queue", f"/items/{loop.seeded.xss}/evidence"):
        await page.goto(path)
        await page.wait_for_load_state("load")
        assert await page.title() != "pwned", path
        assert await page.locator("main script").count() == 0, path
        assert await page.locator("main img").count() == 0, path
        assert await page.locator("a[href^='javascript' i]").count() == 0, path
    await page.goto(f"/items/{loop.seeded.xss}")
    text = await page.locator("#comment-text").inner_text()
    assert "<script>" in text
    assert "<img src=x onerror=" in text
    assert (
        "</textarea><script>"
        in await page.get_by_label("Suggested reply: edit before sending").input_value()
    )
    assert await page.title() != "pwned"
    assert dialogs == []
    await page.context.close()


@pytest.mark.sqlite_only
async def test_screenshots_phone_and_desktop(loop_setup, browser, tmp_path):
    """Kept in docs/screenshots when HALLMONITOR_UPDATE_SCREENSHOTS=1, else in a temp folder."""
    loop = loop_setup
    folder = SCREENSHOTS if os.environ.get("HALLMONITOR_UPDATE_SCREENSHOTS") else tmp_path
    folder.mkdir(parents=True, exist_ok=True)
    for name, viewport in (("phone", PHONE), ("desktop", DESKTOP)):
        page = await _signed_in(browser, loop.base, CHAMPION, viewport)
        await page.goto("/queue")
        width = await page.evaluate("document.documentElement.scrollWidth")
        assert width <= viewport["width"], f"queue scrolls sideways on {name}"
        await page.screenshot(path=str(folder / f"queue-{name}.png"), full_page=True)
        assert (folder / f"queue-{name}.png").stat().st_size > 10_000
        await page.goto(f"/items/{loop.item}")
        width = await page.evaluate("document.documentElement.scrollWidth")
        assert width <= viewport["width"], f"item page scrolls sideways on {name}"
        await page.screenshot(path=str(folder / f"item-{name}.png"), full_page=True)
        # Keyboard: the skip link is the first stop, and it lands on the main content.
        await page.keyboard.press("Tab")
        assert await page.evaluate("document.activeElement.textContent") == "Skip to content"
        await page.context.close()


@pytest.mark.sqlite_only
async def test_bulk_dismiss_with_the_keyboard(loop_setup, browser, engine):
    loop = loop_setup
    page = await _signed_in(browser, loop.base, CHAMPION)
    await page.get_by_label(f"Select item {loop.item}").check()
    await page.get_by_label("With ticked items:").select_option("dismiss")
    await page.get_by_role("button", name="Apply", exact=True).focus()
    await page.keyboard.press("Enter")
    await page.wait_for_load_state("load")
    assert "1 item dismissed." in await page.locator(".flashes").inner_text()
    from models import QueueItem

    with session_scope(engine) as session:
        item = session.get(QueueItem, loop.item)
        assert item is not None
        assert item.status is QueueStatus.DISMISSED
    await page.context.close()


@pytest.mark.sqlite_only
async def test_the_counter_warns_before_sending_and_a_refused_reply_keeps_its_text(
    loop_setup, browser, engine
):
    """Issue 12.6: X refused a long reply and the edited text was thrown away."""
    loop = loop_setup
    with session_scope(engine) as session:
        x = session.exec(select(Account).where(Account.platform_account_id == "oak-x")).one()
        item_id = add_item(session, account=x, label=Label.QUESTION, text="When is the trip?",
                           suggested_reply="Hello, please call the office.")  # fmt: skip
    page = await _signed_in(browser, loop.base, CHAMPION)
    await page.goto(f"/items/{item_id}")
    counter = page.locator("#reply-count")
    assert await counter.inner_text() == "30 of 280 characters (x's limit)"
    edited = "Thank you for asking! " + "The coach leaves at nine on Friday. " * 8
    await page.get_by_label("Suggested reply: edit before sending").fill(edited)
    assert await counter.inner_text() == f"{len(edited.strip())} of 280 characters (x's limit)"
    assert "over" in (await counter.get_attribute("class") or "")

    await page.get_by_role("button", name="Send as public reply").click()
    await page.wait_for_load_state("load")

    assert "x allows 280" in await page.locator(".flashes").inner_text()
    assert await page.get_by_label("Suggested reply: edit before sending").input_value() == edited
    await page.context.close()


@pytest.mark.sqlite_only
async def test_a_reply_that_fails_reopens_the_item_and_says_why(loop_setup, browser, engine):
    """Issue 12.5: the simulator has no such comment, so the platform answers "not found"."""
    loop = loop_setup
    assert loop.seeded is not None
    item = loop.seeded.question
    page = await _signed_in(browser, loop.base, CHAMPION)
    await page.goto(f"/items/{item}")
    reply = "The next parents evening is on 12 March."
    await page.get_by_label("Suggested reply: edit before sending").fill(reply)
    await page.get_by_role("button", name="Send as public reply").click()
    await page.wait_for_url(f"**/items/{item}#actions")
    problem = await page.locator("#reply-problem").inner_text()
    assert problem.startswith("The reply was not sent: the comment is no longer on facebook")
    await page.goto("/queue")
    card = page.locator(".item-card", has_text="When is the next parents evening?")
    assert await card.locator(".badge.failed").inner_text() == "reply not sent"
    await page.context.close()
