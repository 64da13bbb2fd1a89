"""A champion's day in a real browser: one pass through the queue, nothing missed.

Desktop and phone widths; the loop (dashboard, simulator, outbox worker) is the one of
``test_browser.py``.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import select

from bot.labels import Label
from models import Account, Comment, QueueItem, QueueStatus, session_scope
from models.types import utcnow
from tests.bot.web import test_browser as base
from tests.bot.web.factory import ADMIN, CHAMPION, DSL, add_item
from tests.bot.web.test_browser import CHROMIUM, DESKTOP, PHONE, SIM_ACCOUNT, _signed_in

loop_setup = base.loop_setup
browser = base.browser

pytestmark = [
    pytest.mark.browser,
    pytest.mark.sqlite_only,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium at /usr/bin"),
]


async def _fits(page, viewport) -> None:  # type: ignore[no-untyped-def]
    width = await page.evaluate("document.documentElement.scrollWidth")
    assert width <= viewport["width"], f"{page.url} scrolls sideways at {viewport['width']} px"


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
async def test_champion_queue_starts_with_work_not_with_the_dsls_rows(
    loop_setup, browser, viewport
):
    page = await _signed_in(browser, loop_setup.base, CHAMPION, viewport)
    assert await page.locator("#with-dsl").inner_text() == (
        "1 with the DSL: safeguarding item only the school's Designated Safeguarding Lead "
        "can read and act on. Nothing for you to do."
    )
    first = page.locator("ol.items .excerpt").first
    assert "only the DSL" not in await first.inner_text()
    assert await page.get_by_text("only the DSL can read it").count() == 0
    await _fits(page, viewport)
    await page.context.close()


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
async def test_safeguarding_reply_is_private_first_public_behind_a_second_step(
    loop_setup, browser, viewport
):
    assert loop_setup.seeded is not None
    page = await _signed_in(browser, loop_setup.base, DSL, viewport)
    await page.goto(f"/items/{loop_setup.seeded.safeguarding}")
    primary = page.locator("button.primary")
    assert await primary.inner_text() == "Send as private reply"
    public = page.get_by_role("button", name="Send as public reply")
    assert not await public.is_visible()
    await page.get_by_text("Reply in public instead…").click()
    assert await public.is_visible()
    assert not await page.get_by_label("Yes, reply in public").is_checked()
    await _fits(page, viewport)
    await page.context.close()


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
async def test_block_asks_first_and_dismiss_can_be_undone(loop_setup, browser, viewport):
    page = await _signed_in(browser, loop_setup.base, CHAMPION, viewport)
    await page.goto(f"/items/{loop_setup.item}")
    yes = page.get_by_role("button", name="Yes, block Angry Parent")
    assert not await yes.is_visible()
    await page.get_by_text("Block the author…").click()
    assert await yes.is_visible()
    await _fits(page, viewport)
    await page.get_by_role("button", name="Dismiss", exact=True).click()
    await page.wait_for_load_state("load")
    assert "Item dismissed." in await page.locator(".flashes").inner_text()
    await page.get_by_role("button", name="Undo").click()
    await page.wait_for_load_state("load")
    assert "Item open." in await page.locator(".flashes").inner_text()
    assert await page.get_by_role("button", name="Dismiss", exact=True).is_visible()
    await page.context.close()


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
async def test_browsing_admin_claims_nothing_take_it_does(loop_setup, browser, viewport):
    admin = await _signed_in(browser, loop_setup.base, ADMIN, viewport)
    await admin.goto(f"/items/{loop_setup.item}")
    champion = await _signed_in(browser, loop_setup.base, CHAMPION, viewport)
    assert "with admin" not in await champion.locator("main").inner_text()
    await champion.goto(f"/items/{loop_setup.item}")
    assert await champion.locator("#claim-banner").count() == 0
    viewing = await champion.locator("#viewing").inner_text()
    assert viewing == "Also looking at it now: admin@riverside.example"
    await champion.get_by_role("button", name="Take it", exact=True).click()
    await champion.wait_for_load_state("load")
    assert "You have taken this item" in await champion.locator("#claim-banner").inner_text()
    await _fits(champion, viewport)
    await admin.goto(f"/items/{loop_setup.item}")
    assert "Olive Champion has taken this item" in await admin.locator("#claim-banner").inner_text()
    await admin.context.close()
    await champion.context.close()


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
async def test_queue_and_item_show_the_same_posted_time(loop_setup, browser, viewport):
    page = await _signed_in(browser, loop_setup.base, CHAMPION, viewport)
    card = page.locator("li.item-card", has_text="You lot are useless idiots")
    queue_time = await card.locator("time").get_attribute("datetime")
    assert "posted" in await card.locator(".meta.small").inner_text()
    await page.goto(f"/items/{loop_setup.item}")
    item_time = await page.locator("dl.facts time").get_attribute("datetime")
    assert queue_time == item_time
    await page.context.close()


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
async def test_not_found_is_a_page_with_a_way_back(loop_setup, browser, viewport):
    page = await _signed_in(browser, loop_setup.base, CHAMPION, viewport)
    response = await page.goto("/items/999999")
    assert response.status == 404
    assert await page.get_by_role("heading", name="Not found").is_visible()
    await _fits(page, viewport)
    await page.get_by_role("link", name="Go to the queue").click()
    await page.wait_for_url("**/queue")
    await page.context.close()


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
async def test_audit_log_reads_as_plain_words_one_event_a_row(loop_setup, browser, viewport):
    page = await _signed_in(browser, loop_setup.base, CHAMPION, viewport)
    await page.goto(f"/items/{loop_setup.item}")
    await page.get_by_role("button", name="Hide comment").click()
    await page.wait_for_url(f"**/items/{loop_setup.item}#actions")
    await page.goto(f"/audit?item={loop_setup.item}")
    group = page.locator(f'section[aria-label="Item {loop_setup.item}"]')
    assert "Oakfield Primary · Facebook" in await group.locator("h2").inner_text()
    events = group.locator("li.event")
    assert await events.count() == 1
    text = await events.first.inner_text()
    assert f"{CHAMPION}: Hid the comment: done" in text
    assert "hide_done" not in await page.locator("main").inner_text()
    await _fits(page, viewport)
    await page.context.close()


async def _add_items(loop, engine, count: int) -> list[int]:  # type: ignore[no-untyped-def]
    """Questions that exist in the simulator too, so acting on them really works."""
    texts = [f"Question number {n}: when is the trip?" for n in range(count)]
    ids = []
    async with base._client() as http:
        for text in texts:
            created = await http.post(
                loop.sim.make_url("/_sim/comments"),
                json={"platform": "facebook", "account": SIM_ACCOUNT, "text": text},
            )
            ids.append((await created.json())["id"])
    with session_scope(engine) as session:
        account = session.exec(
            select(Account).where(Account.platform_account_id == SIM_ACCOUNT)
        ).one()
        return [
            add_item(
                session,
                account=account,
                now=utcnow(),
                label=Label.QUESTION,
                text=text,
                author_id=f"kb-{n}",
                platform_id=platform_id,
                age=timedelta(minutes=5 + n),
            )
            for n, (text, platform_id) in enumerate(zip(texts, ids, strict=True))
        ]


async def test_keyboard_triage_of_twenty_items_takes_no_mouse(loop_setup, browser, engine):
    added = await _add_items(loop_setup, engine, 20)
    page = await _signed_in(browser, loop_setup.base, CHAMPION, DESKTOP)
    await page.keyboard.press("?")
    assert await page.locator("#keys-help").is_visible()
    assert "mark handled, then the next item" in await page.locator("#keys-help").inner_text()
    await page.keyboard.press("Escape")
    assert not await page.locator("#keys-help").is_visible()
    await page.keyboard.press("j")
    assert "current" in (await page.locator("li.item-card").first.get_attribute("class") or "")
    await page.keyboard.press("Enter")
    await page.wait_for_url("**/items/*")
    handled = 0
    while "/items/" in page.url:
        before = page.url
        await page.keyboard.press("m")
        await page.wait_for_url(lambda url, before=before: url != before)
        await page.wait_for_load_state("load")
        handled += 1
        assert handled < 60, "the keyboard loop does not end"
    assert handled >= 20
    assert "the queue is clear" in await page.locator(".flashes").inner_text()
    with session_scope(engine) as session:
        statuses = {session.get(QueueItem, item_id).status for item_id in added}  # type: ignore[union-attr]
    assert statuses == {QueueStatus.HANDLED}
    await page.context.close()


async def test_keyboard_reply_hide_and_move(loop_setup, browser, engine):
    first, second = await _add_items(loop_setup, engine, 2)
    page = await _signed_in(browser, loop_setup.base, CHAMPION, DESKTOP)
    await page.goto(f"/items/{second}")
    await page.keyboard.press("h")
    await page.wait_for_url(f"**/items/{second}#actions")
    assert "Hide queued." in await page.locator(".flashes").inner_text()
    await page.keyboard.press("j")  # the newer question comes after the older one
    await page.wait_for_url(f"**/items/{first}")
    await page.keyboard.press("k")
    await page.wait_for_url(f"**/items/{second}")
    await page.keyboard.press("j")
    await page.wait_for_url(f"**/items/{first}")
    await page.keyboard.press("r")
    await page.keyboard.type("The trip is on Friday.")
    await page.keyboard.press("Control+Enter")
    await page.wait_for_load_state("load")
    assert f"#{first}: Public reply queued" in await page.locator(".flashes").inner_text()
    await page.keyboard.press("u")
    await page.wait_for_url("**/queue")
    await page.context.close()


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
async def test_search_note_and_assign(loop_setup, browser, viewport):
    page = await _signed_in(browser, loop_setup.base, CHAMPION, viewport)
    await page.get_by_label("Words").fill("snow")
    await page.get_by_role("button", name="Search").click()
    await page.wait_for_url("**/queue?*q=snow*")
    cards = page.locator("li.item-card")
    assert await cards.count() == 1
    assert "closed tomorrow because of the snow" in await cards.first.inner_text()
    await _fits(page, viewport)
    await cards.first.locator(".excerpt a").click()
    await page.wait_for_url("**/items/*")
    await page.keyboard.press("n")
    await page.keyboard.type("Head says we decide at 7am")
    await page.keyboard.press("Control+Enter")
    await page.wait_for_load_state("load")
    assert "Head says we decide at 7am" in await page.locator("#notes").inner_text()
    await page.get_by_label("Assign to").select_option(label="dsl@oakfield.example")
    await page.get_by_role("button", name="Assign", exact=True).click()
    await page.wait_for_load_state("load")
    assert await page.locator("#assigned").inner_text() == "Assigned to dsl@oakfield.example."
    await _fits(page, viewport)
    await page.context.close()


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
async def test_the_item_shows_its_post_and_conversation(loop_setup, browser, engine, viewport):
    with session_scope(engine) as session:
        item = session.get(QueueItem, loop_setup.item)
        assert item is not None
        abusive = session.get(Comment, item.comment_id)
        assert abusive is not None
        session.add(
            Comment(
                platform="facebook", platform_id="reply-to-abuse", account_id=abusive.account_id,
                school_id=abusive.school_id, post_id=abusive.post_id, parent_id=abusive.platform_id,
                author_id="calm-1", author_name="Calm Parent",
                text="Please be kind, the staff work hard",
                created_at=utcnow(),
            )
        )  # fmt: skip
    page = await _signed_in(browser, loop_setup.base, CHAMPION, viewport)
    await page.goto(f"/items/{loop_setup.item}")
    thread = page.locator("#thread")
    assert await thread.locator("li.thread-this").count() == 1
    reply = await thread.locator("li.thread-reply").inner_text()
    assert "Calm Parent" in reply
    assert "Please be kind, the staff work hard" in reply
    assert await page.locator(".post-text").count() == 1
    await _fits(page, viewport)
    await page.context.close()


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
async def test_new_and_handled_items_show_without_a_reload(loop_setup, browser, engine, viewport):
    page = await _signed_in(browser, loop_setup.base, CHAMPION, viewport)
    badge = page.locator("#nav-open")
    await badge.wait_for(state="visible")
    before = int(await badge.inner_text())
    assert before == await page.locator("li.item-card").count()
    await page.evaluate("document.body.dataset.marker = 'same page'")
    [new] = await _add_items(loop_setup, engine, 1)
    await page.locator(f'.excerpt a[href="/items/{new}"]').wait_for()
    await page.locator("#nav-open", has_text=str(before + 1)).wait_for()
    with session_scope(engine) as session:
        item = session.get(QueueItem, loop_setup.item)
        assert item is not None
        item.status = QueueStatus.HANDLED  # as if a colleague handled it
    await page.locator(f'.excerpt a[href="/items/{loop_setup.item}"]').wait_for(state="detached")
    await page.locator("#nav-open", has_text=str(before)).wait_for()
    assert await page.evaluate("document.body.dataset.marker") == "same page"  # no reload
    await _fits(page, viewport)
    await page.context.close()


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
async def test_a_question_gets_the_knowledge_base_answer(loop_setup, browser, viewport):
    page = await _signed_in(browser, loop_setup.base, CHAMPION, viewport)
    await page.get_by_role("link", name="Is the school closed tomorrow").click()
    await page.wait_for_url("**/items/*")
    source = await page.locator("#reply-source").inner_text()
    assert source == "From the knowledge base entry “Snow closures”."
    box = page.get_by_label("Suggested reply: edit before sending")
    assert "we text every family by 7am" in await box.input_value()
    await _fits(page, viewport)
    await page.context.close()


async def test_an_open_item_says_when_someone_else_handled_it(loop_setup, browser, engine):
    page = await _signed_in(browser, loop_setup.base, CHAMPION, DESKTOP)
    await page.goto(f"/items/{loop_setup.item}")
    await page.locator("#nav-open").wait_for(state="visible")
    with session_scope(engine) as session:
        item = session.get(QueueItem, loop_setup.item)
        assert item is not None
        item.status = QueueStatus.HANDLED  # a colleague, elsewhere
    note = page.locator("#live-note")
    await note.wait_for(state="visible")
    assert "Changed meanwhile: this item is now handled." in await note.inner_text()
    await page.context.close()
