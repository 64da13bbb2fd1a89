"""The queue: urgency order, filters, counts, the past-due badge, bulk actions."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlmodel import Session, select

from bot.labels import Label
from bot.workspace.access import load_viewer
from bot.workspace.triage import QueueFilters, list_queue
from models import Account, Action, ActionKind, QueueItem, QueueStatus, session_scope
from tests.bot.web.conftest import csrf_of, sign_in
from tests.bot.web.factory import ADMIN, CHAMPION, DSL, NOW, add_item


def _order(html: str) -> list[int]:
    return [int(n) for n in re.findall(r'<p class="excerpt"><a href="/items/(\d+)">', html)]


async def test_open_items_by_urgency_then_age(client, seeded, engine):
    with session_scope(engine) as session:
        oak = session.exec(select(Account).where(Account.platform_account_id == "oak-fb")).one()
        older_abuse = add_item(
            session, account=oak, text="older abuse", label=Label.ABUSE, age=timedelta(hours=5)
        )
        positive = add_item(
            session,
            account=oak,
            text="Lovely assembly!",
            label=Label.POSITIVE,
            age=timedelta(days=5),
        )
        absence = add_item(session, account=oak, text="Tom is off sick", label=Label.ABSENCE)
    await sign_in(client, CHAMPION)
    html = await (await client.get("/queue")).text()
    assert _order(html) == [
        older_abuse,
        seeded.abuse,
        absence,
        seeded.xss,
        seeded.question,
        positive,
    ]


async def test_champion_sees_safeguarding_as_one_line_the_dsl_as_rows(client, seeded, engine):
    with session_scope(engine) as session:
        oak = session.exec(select(Account).where(Account.platform_account_id == "oak-fb")).one()
        for n in range(2):
            add_item(
                session,
                account=oak,
                text=f"{n} worried about a child",
                label=Label.SAFEGUARDING,
                status=QueueStatus.ESCALATED,
            )
    await sign_in(client, CHAMPION)
    html = await (await client.get("/queue")).text()
    assert "<strong>3 with the DSL</strong>" in html
    assert "only the DSL can read it" not in html
    first = _order(html)[0]
    assert first == seeded.abuse
    await client.post("/logout", data={"csrf": await csrf_of(client, "/queue")})
    await sign_in(client, DSL)
    html = await (await client.get("/queue")).text()
    assert "with the DSL</strong>" not in html
    assert seeded.safeguarding in _order(html)[:3]  # the DSL's own work comes first
    assert re.search(r'safeguarding <span class="count">3</span>', html)


async def test_counts_per_label_and_filters(client, seeded, engine):
    await sign_in(client, ADMIN)
    html = await (await client.get("/queue")).text()
    assert re.search(r'question <span class="count">2</span>', html)
    assert re.search(r'abuse <span class="count">1</span>', html)
    by_label = await (await client.get("/queue?label=question")).text()
    assert set(_order(by_label)) == {seeded.question, seeded.question_birchwood}
    by_school = await (await client.get("/queue?school=birchwood")).text()
    assert set(_order(by_school)) == {seeded.question_birchwood, seeded.author_other}
    by_platform = await (await client.get("/queue?platform=x")).text()
    assert _order(by_platform) == []
    by_age = await (await client.get("/queue?age=1h")).text()
    assert set(_order(by_age)) == {seeded.safeguarding, seeded.question_birchwood, seeded.xss}
    older = await (await client.get("/queue?age=older7d")).text()
    assert _order(older) == []
    escalated = await (await client.get("/queue?status=escalated")).text()
    assert _order(escalated) == [seeded.safeguarding]


async def test_past_due_badge(client, seeded, engine):
    await sign_in(client, CHAMPION)
    html = await (await client.get("/queue")).text()
    # Abuse (2 h) is past due at NOW; the question (8 h) of 2 days too. The safeguarding item
    # (15 min) is past due as well but is the DSL's: a champion sees it only as a count.
    cards = re.findall(r'<li class="item-card( overdue)?">.*?href="/items/(\d+)"', html, re.S)
    overdue = {int(item) for flag, item in cards if flag}
    assert overdue == {seeded.abuse, seeded.question}
    assert html.count("past due</span>") == 2
    only = await (await client.get("/queue?overdue=1")).text()
    assert set(_order(only)) == overdue


async def test_bulk_handle_and_dismiss(client, seeded, engine):
    await sign_in(client, CHAMPION)
    token = await csrf_of(client, "/queue")
    response = await client.post(
        "/queue/bulk",
        data=[
            ("csrf", token),
            ("bulk_action", "handled"),
            ("item", str(seeded.abuse)),
            ("item", str(seeded.question)),
            ("return_to", "/queue"),
        ],
    )
    assert "2 items marked handled." in await response.text()
    with Session(engine) as session:
        for item_id in (seeded.abuse, seeded.question):
            item = session.get(QueueItem, item_id)
            assert item is not None
            assert item.status is QueueStatus.HANDLED
    handled = await (await client.get("/queue?status=handled")).text()
    assert set(_order(handled)) == {seeded.abuse, seeded.question}
    nothing = await client.post("/queue/bulk", data={"csrf": token, "bulk_action": "dismiss"})
    assert "Tick at least one item first." in await nothing.text()


def test_list_queue_service_scopes_to_the_viewers_schools(engine, seeded):
    with session_scope(engine) as session:
        viewer = load_viewer(session, seeded.users[CHAMPION])
        assert viewer is not None
        page = list_queue(session, viewer, QueueFilters(status="all", school="birchwood"), now=NOW)
        assert page.rows == []
        page = list_queue(session, viewer, QueueFilters(status="all"), now=NOW)
        assert {row.school_id for row in page.rows} == {"oakfield"}
        assert [row for row in page.rows if row.label == "safeguarding"] == []
        assert page.with_dsl == 1
        assert all(row.excerpt is not None for row in page.rows)


def test_filters_parse_ignores_junk() -> None:
    filters = QueueFilters.parse(
        {"status": "deleted", "label": "<b>", "platform": "myspace", "page": "x", "age": "1y"}
    )
    assert filters == QueueFilters()


async def test_bulk_hide_and_relabel(client, seeded, engine, wakes):
    await sign_in(client, CHAMPION)
    token = await csrf_of(client, "/queue")
    picked = [("item", str(seeded.abuse)), ("item", str(seeded.question))]
    response = await client.post(
        "/queue/bulk",
        data=[("csrf", token), ("bulk_action", "hide"), ("nonce", "bulk-nonce-1"), *picked],
    )
    assert "2 items queued to be hidden." in await response.text()
    assert wakes.count == 1
    again = await client.post(
        "/queue/bulk",
        data=[("csrf", token), ("bulk_action", "hide"), ("nonce", "bulk-nonce-1"), *picked],
    )
    assert "2 items queued to be hidden." in await again.text()
    with Session(engine) as session:
        hides = session.exec(select(Action).where(Action.kind == ActionKind.HIDE)).all()
        assert len(hides) == 2  # the same form twice queues each hide once
    relabel = await client.post(
        "/queue/bulk",
        data=[("csrf", token), ("bulk_action", "relabel"), ("label", "complaint"), *picked],
    )
    assert "2 items relabelled." in await relabel.text()
    with Session(engine) as session:
        for item_id in (seeded.abuse, seeded.question):
            item = session.get(QueueItem, item_id)
            assert item is not None
            assert item.label == "complaint"
    no_label = await client.post(
        "/queue/bulk", data=[("csrf", token), ("bulk_action", "relabel"), *picked]
    )
    assert "choose the label to give them" in await no_label.text()
