"""The item page and its actions: every platform call is an outbox row, every step audited."""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta

from aiohttp.test_utils import TestServer
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from bot.labels import Label
from bot.notify import Mailer
from bot.worker import OutboxWorker
from connectors.facebook import FacebookConnector
from connectors.simulator.app import create_app as create_simulator
from models import (
    Account,
    Action,
    ActionKind,
    ActionStatus,
    AuditEntry,
    Classification,
    Comment,
    QueueItem,
    QueueStatus,
    session_scope,
)
from tests.bot.web.conftest import act, form_value, sign_in
from tests.bot.web.factory import ADMIN, CHAMPION, DSL, add_item, make_config

SIM_ACCOUNT = "100000000000001"  # the simulator's Oakfield Facebook page
SIM_TOKEN = "demo-token-facebook-oakfield"

PRIMARY = r'<button type="submit" name="action" value="(\w+)" class="primary"'


def _actions(engine: Engine) -> list[Action]:
    with Session(engine) as session:
        return list(session.exec(select(Action).order_by(col(Action.id))).all())


def _item(engine: Engine, item_id: int) -> QueueItem:
    with Session(engine) as session:
        item = session.get(QueueItem, item_id)
        assert item is not None
        return item


async def test_item_page_shows_comment_author_post_link_reasons_and_reply(client, seeded):
    await sign_in(client, CHAMPION)
    html = await (await client.get(f"/items/{seeded.abuse}")).text()
    assert "You are all useless idiots at that school" in html
    assert "Pat Parent" in html
    assert "Sports day is on Friday!" in html
    assert 'href="https://facebook.example/oak-fb/c"' in html
    assert "insult: idiots" in html
    assert ">We expect respectful comments on this page.</textarea>" in html
    assert "When is the next parents evening?" in html  # the author's other comment
    assert "Birchwood comment by the same author" not in html  # another school's: not listed
    assert "Send as private reply" in html


async def test_edited_reply_goes_through_the_outbox_once(client, seeded, engine, wakes):
    await sign_in(client, CHAMPION)
    page = await (await client.get(f"/items/{seeded.abuse}")).text()
    token, nonce = form_value(page, "csrf"), form_value(page, "nonce")
    data = {"csrf": token, "nonce": nonce, "action": "reply", "text": "  Please keep it civil.  "}
    first = await client.post(f"/items/{seeded.abuse}/act", data=data, allow_redirects=False)
    assert first.status == 303
    again = await client.post(f"/items/{seeded.abuse}/act", data=data, allow_redirects=False)
    assert again.status == 303
    actions = _actions(engine)
    assert len(actions) == 1
    action = actions[0]
    assert action.kind is ActionKind.REPLY
    assert action.payload == {"text": "Please keep it civil."}
    assert action.idempotency_key.startswith("reply:")
    assert action.requested_by == seeded.users[CHAMPION]
    assert action.queue_item_id == seeded.abuse
    assert wakes.count == 2
    assert _item(engine, seeded.abuse).status is QueueStatus.HANDLED
    html = await (await client.get(f"/items/{seeded.abuse}")).text()
    assert "Public reply queued" in html
    assert "Please keep it civil." in html
    assert "queued" in html


async def test_results_of_the_worker_are_shown(client, seeded, engine):
    await sign_in(client, CHAMPION)
    await act(client, seeded.abuse, "hide")
    await act(client, seeded.abuse, "block", confirm="block")
    with session_scope(engine) as session:
        hide, block = session.exec(select(Action).order_by(col(Action.id))).all()
        hide.status = ActionStatus.DONE
        hide.result_ref = "hidden"
        block.status = ActionStatus.FAILED
        block.last_error = "PermissionMissing: (#200) requires pages_manage_engagement"
    html = await (await client.get(f"/items/{seeded.abuse}")).text()
    assert "done" in html
    assert "failed" in html
    assert "lacks a permission this needs. Reconnect the account" in html
    assert "<code>PermissionMissing: (#200) requires pages_manage_engagement</code>" in html
    actions = _actions(engine)
    assert actions[1].payload == {"author_id": "author-1"}


async def test_private_reply_refused_where_the_platform_cannot(client, seeded, engine):
    with session_scope(engine) as session:
        x = session.exec(select(Account).where(Account.platform == "x")).one()
        item_id = add_item(session, account=x, text="When is the trip?", label=Label.QUESTION)
    await sign_in(client, CHAMPION)
    html = await (await client.get(f"/items/{item_id}")).text()
    assert "does not allow private replies" in html
    response = await act(client, item_id, "private_reply", text="Sent you a DM")
    assert response.status == 422  # refused, and the page keeps what was written
    assert ">Sent you a DM</textarea>" in await response.text()
    assert _actions(engine) == []
    long = await act(client, item_id, "reply", text="x" * 281)
    assert long.status == 422
    assert _actions(engine) == []
    assert "x allows 280" in await long.text()


async def test_escalate_alerts_the_dsl_and_moves_the_item(client, seeded, engine):
    await sign_in(client, CHAMPION)
    await act(client, seeded.question, "escalate", note="parent sounds distressed")
    (alert,) = _actions(engine)
    assert alert.kind is ActionKind.ALERT
    assert alert.payload == {"reason": "escalated", "note": "parent sounds distressed"}
    assert _item(engine, seeded.question).status is QueueStatus.ESCALATED
    await sign_in(client, DSL)
    queue = await (await client.get("/queue?status=escalated")).text()
    assert f'href="/items/{seeded.question}"' in queue


async def test_relabel_is_kept_for_retraining_and_exported(client, seeded, engine):
    await sign_in(client, CHAMPION)
    await act(client, seeded.question, "relabel", label="complaint")
    with Session(engine) as session:
        human = session.exec(
            select(Classification).where(col(Classification.relabelled_by).is_not(None))
        ).one()
        assert human.label == "complaint"
        assert human.relabelled_by == seeded.users[CHAMPION]
    item = _item(engine, seeded.question)
    assert item.label == "complaint"
    assert item.priority == Label.COMPLAINT.precedence
    assert (await client.get("/exports/relabelled.csv")).status == 403
    await sign_in(client, ADMIN)
    response = await client.get("/exports/relabelled.csv")
    assert response.status == 200
    assert response.content_type == "text/csv"
    rows = list(csv.DictReader(io.StringIO(await response.text())))
    assert list(rows[0]) == ["text", "label", "platform", "note"]
    assert rows == [
        {
            "text": "When is the next parents evening?",
            "label": "complaint",
            "platform": "facebook",
            "note": "relabelled at oakfield",
        }
    ]


async def test_relabel_to_safeguarding_escalates_and_hides_text_from_champion(
    client, seeded, engine
):
    await sign_in(client, CHAMPION)
    await act(client, seeded.question, "relabel", label="safeguarding")
    (alert,) = _actions(engine)
    assert alert.payload["reason"] == "safeguarding"
    assert _item(engine, seeded.question).status is QueueStatus.ESCALATED
    html = await (await client.get(f"/items/{seeded.question}")).text()
    assert "parents evening" not in html


async def test_dismiss_handle_reopen_and_audit(client, seeded, engine):
    await sign_in(client, CHAMPION)
    await act(client, seeded.question, "dismiss")
    assert _item(engine, seeded.question).status is QueueStatus.DISMISSED
    await act(client, seeded.question, "reopen")
    assert _item(engine, seeded.question).status is QueueStatus.OPEN
    await act(client, seeded.question, "handled")
    item = _item(engine, seeded.question)
    assert item.status is QueueStatus.HANDLED
    assert item.first_human_action_at is not None
    with Session(engine) as session:
        entries = session.exec(
            select(AuditEntry).where(AuditEntry.queue_item_id == seeded.question)
        ).all()
    assert [(e.actor, e.action) for e in entries] == [
        (CHAMPION, "dismiss"),
        (CHAMPION, "reopen"),
        (CHAMPION, "handled"),
    ]
    audit = await (await client.get(f"/audit?item={seeded.question}")).text()
    assert audit.count(CHAMPION) >= 3
    assert "Reopened the item" in audit
    other = await (await client.get("/audit?actor=nobody")).text()
    assert "No entries match" in other


async def test_reading_does_not_claim_take_it_does_and_viewers_show_apart(client, seeded):
    await sign_in(client, ADMIN)
    browsing = await (await client.get(f"/items/{seeded.abuse}")).text()
    assert 'id="take-it">Take it</button>' in browsing
    await sign_in(client, CHAMPION)
    mine = await (await client.get(f"/items/{seeded.abuse}")).text()
    assert "has taken this item" not in mine
    assert "Also looking at it now: admin@riverside.example" in mine
    assert "with admin" not in await (await client.get("/queue")).text()
    await act(client, seeded.abuse, "claim")
    taken = await (await client.get(f"/items/{seeded.abuse}")).text()
    assert "You have taken this item" in taken
    assert 'id="take-it"' not in taken
    await sign_in(client, DSL)
    theirs = await (await client.get(f"/items/{seeded.abuse}")).text()
    assert "Olive Champion</strong> has taken this item" in theirs
    assert 'id="take-it">Take it over</button>' in theirs
    queue = await (await client.get("/queue")).text()
    assert "with Olive Champion" in queue
    await act(client, seeded.abuse, "claim")
    assert "You have taken this item" in await (await client.get(f"/items/{seeded.abuse}")).text()


async def test_evidence_export(client, seeded):
    await sign_in(client, CHAMPION)
    await act(client, seeded.abuse, "hide")
    html = await (await client.get(f"/items/{seeded.abuse}/evidence")).text()
    for part in (
        "Evidence record",
        "You are all useless idiots at that school",
        "Pat Parent",
        "author-1",
        "Tue 4 Mar 2025, 07:00",
        "https://facebook.example/oak-fb/c",
        "Sports day is on Friday!",
        "hide",
        CHAMPION,
    ):
        assert part in html, part


async def test_unknown_item_is_404(client, seeded):
    await sign_in(client, ADMIN)
    response = await client.get("/items/999999")
    assert response.status == 404
    html = await response.text()
    assert '<nav aria-label="Main">' in html
    assert '<a href="/queue">Go to the queue</a>' in html
    assert "belongs to a school that is not yours" in html
    unknown = await client.get("/no/such/page")
    assert unknown.status == 404
    assert '<nav aria-label="Main">' in await unknown.text()


async def test_private_matters_reply_privately_first_public_only_when_confirmed(
    client, seeded, engine
):
    await sign_in(client, DSL)
    html = await (await client.get(f"/items/{seeded.safeguarding}")).text()
    primary = re.findall(PRIMARY, html)
    assert primary == ["private_reply"]
    assert 'id="confirm-public"' in html
    refused = await act(client, seeded.safeguarding, "reply", text="Please call us.")
    assert refused.status == 303
    assert _actions(engine) == []
    sent = await act(client, seeded.safeguarding, "reply", text="Please call us.", confirm="public")
    assert sent.status == 303
    assert [a.kind for a in _actions(engine)] == [ActionKind.REPLY]


async def test_ordinary_items_keep_the_public_reply_first(client, seeded):
    await sign_in(client, CHAMPION)
    html = await (await client.get(f"/items/{seeded.question}")).text()
    primary = re.findall(PRIMARY, html)
    assert primary == ["reply"]
    assert 'id="confirm-public"' not in html


async def test_block_needs_its_confirmation(client, seeded, engine):
    await sign_in(client, CHAMPION)
    html = await (await client.get(f"/items/{seeded.abuse}")).text()
    assert "<summary>Block the author…" in html
    refused = await act(client, seeded.abuse, "block")
    assert "Not done: a block cannot be undone from here" in await _followed(client, refused)
    assert _actions(engine) == []
    await act(client, seeded.abuse, "block", confirm="block")
    assert [a.kind for a in _actions(engine)] == [ActionKind.BLOCK]


async def test_dismiss_offers_undo(client, seeded, engine):
    await sign_in(client, CHAMPION)
    response = await act(client, seeded.question, "dismiss")
    html = await _followed(client, response)
    assert "Item dismissed." in html
    assert 'value="reopen" class="link" id="undo">Undo</button>' in html
    assert _item(engine, seeded.question).status is QueueStatus.DISMISSED
    token = form_value(html, "csrf")
    undo = re.search(r'action="/items/(\d+)/act" class="inline-form undo">', html)
    assert undo is not None
    assert int(undo.group(1)) == seeded.question
    await client.post(
        f"/items/{seeded.question}/act",
        data={"csrf": token, "nonce": "undo-nonce-1", "action": "reopen"},
    )
    assert _item(engine, seeded.question).status is QueueStatus.OPEN


async def test_escalating_twice_needs_a_deliberate_second_email(client, seeded, engine):
    await sign_in(client, CHAMPION)
    await act(client, seeded.question, "escalate")
    html = await (await client.get(f"/items/{seeded.question}")).text()
    assert 'id="already-alerted"' in html
    again = await act(client, seeded.question, "escalate")
    assert "emailed about this item already" in await _followed(client, again)
    assert [a.kind for a in _actions(engine)] == [ActionKind.ALERT]
    await act(client, seeded.question, "escalate", confirm="again")
    assert [a.kind for a in _actions(engine)] == [ActionKind.ALERT, ActionKind.ALERT]


async def _followed(client, response) -> str:  # type: ignore[no-untyped-def]
    assert response.status == 303
    return await (await client.get(response.headers["Location"])).text()


async def test_one_clock_posted_everywhere_read_time_where_it_matters(client, seeded, engine):
    with session_scope(engine) as session:
        item = session.get(QueueItem, seeded.question)
        assert item is not None
        comment = session.get(Comment, item.comment_id)
        assert comment is not None
        comment.created_at = item.created_at - timedelta(hours=30)  # read late: an X poll
    await sign_in(client, CHAMPION)
    queue = await (await client.get("/queue")).text()
    card = queue[queue.index(f'href="/items/{seeded.question}"') :]
    assert "posted <time" in card
    assert ">3 d ago</time>" in card[: card.index("</li>")]  # posted 3 d ago, read 2 d ago
    page = await (await client.get(f"/items/{seeded.question}")).text()
    assert "<dt>Posted</dt>" in page
    assert "Hallmonitor read it" in page
    assert "30 h after it was posted" in page
    fresh = await (await client.get(f"/items/{seeded.abuse}")).text()
    assert 'id="read-at"' not in fresh
    evidence = await (await client.get(f"/items/{seeded.question}/evidence")).text()
    assert "Read by Hallmonitor" in evidence


async def test_finishing_an_item_goes_to_the_next_one_in_queue_order(client, seeded, engine):
    await sign_in(client, CHAMPION)
    # Oakfield, for a champion: abuse, then the complaint (xss), then the question.
    page = await (await client.get(f"/items/{seeded.abuse}")).text()
    assert f'href="/items/{seeded.xss}" rel="next"' in page
    assert 'rel="prev"' not in page
    response = await act(client, seeded.abuse, "handled")
    assert response.headers["Location"] == f"/items/{seeded.xss}"
    html = await (await client.get(response.headers["Location"])).text()
    assert f"#{seeded.abuse}: Item handled." in html
    assert 'rel="prev"' not in html  # the handled one is no longer in the open queue
    hidden = await act(client, seeded.xss, "hide")
    assert hidden.headers["Location"] == f"/items/{seeded.xss}#actions"  # not finished yet
    await act(client, seeded.xss, "dismiss")
    last = await act(client, seeded.question, "handled")
    assert last.headers["Location"] == "/queue"
    assert "the queue is clear" in await (await client.get("/queue")).text()


async def test_a_reply_refused_for_length_keeps_the_text(client, seeded, engine):
    """Issue 12.6: the edited text was thrown away with the refusal."""
    with session_scope(engine) as session:
        x = session.exec(select(Account).where(Account.platform == "x")).one()
        item_id = add_item(session, account=x, text="When is the trip?", label=Label.QUESTION)
    await sign_in(client, CHAMPION)
    edited = "Thank you for asking! " + "The trip is on Friday. " * 13
    assert len(edited) > 280

    response = await act(client, item_id, "reply", text=edited)

    html = await response.text()
    assert "x allows 280" in html
    assert f">{edited}</textarea>" in html
    assert 'data-limit="280"' in html
    assert _actions(engine) == []
    assert _item(engine, item_id).status is QueueStatus.OPEN


async def test_a_failed_reply_reopens_the_item_and_says_why(client, seeded, engine):
    """Issue 12.5: the item left the queue marked handled with the parent unanswered."""
    await sign_in(client, CHAMPION)
    await act(client, seeded.question, "reply", text="The next parents evening is on 12 March.")
    assert _item(engine, seeded.question).status is QueueStatus.HANDLED
    sim = TestServer(create_simulator(seed=1, posts_per_account=1))
    await sim.start_server()
    connector = FacebookConnector(
        account_id=SIM_ACCOUNT, token=SIM_TOKEN, base_url=str(sim.make_url("")).rstrip("/")
    )
    with Session(engine) as session:
        account_id = session.exec(
            select(Account.id).where(Account.platform_account_id == "oak-fb")
        ).one()
    config = make_config()
    try:  # the simulator has no such comment: the platform answers "not found"
        await OutboxWorker(engine, config, {account_id: connector}, Mailer(config.email)).drain()
    finally:
        await connector.close()
        await sim.close()

    (reply,) = _actions(engine)
    assert reply.status is ActionStatus.FAILED
    assert _item(engine, seeded.question).status is QueueStatus.OPEN
    html = await (await client.get(f"/items/{seeded.question}")).text()
    assert "The reply was not sent" in html
    assert "the comment is no longer on facebook" in html
    queue = await (await client.get("/queue")).text()
    assert "reply not sent" in queue
    handled = await (await client.get("/queue?status=handled")).text()
    assert "When is the next parents evening?" not in handled
