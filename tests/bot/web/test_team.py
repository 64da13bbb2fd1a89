"""Inbox basics: search by text, author and day; notes for colleagues; assignment."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlmodel import Session, select

from bot.labels import Label
from models import Account, Action, Comment, QueueItem
from tests.bot.web.conftest import act, sign_in
from tests.bot.web.factory import ADMIN, CHAMPION, DSL, OTHER_CHAMPION, add_item


def _listed(html: str) -> set[int]:
    return {int(n) for n in re.findall(r'<p class="excerpt"><a href="/items/(\d+)">', html)}


async def test_search_by_words_author_and_day(client, seeded):
    await sign_in(client, ADMIN)
    words = await (await client.get("/queue?q=PARENTS+evening")).text()
    assert _listed(words) == {seeded.question}
    assert 'value="PARENTS evening"' in words
    author = await (await client.get("/queue?author=birch")).text()
    assert _listed(author) == {seeded.question_birchwood}
    # NOW is 2025-03-04 10:00 UTC; the question was posted two days before.
    day = await (await client.get("/queue?on=2025-03-02")).text()
    assert _listed(day) == {seeded.question}
    both = await (await client.get("/queue?q=evening&on=2025-03-04")).text()
    assert _listed(both) == set()
    wildcard = await (await client.get("/queue?q=%25")).text()
    assert _listed(wildcard) == set()  # a literal %, not "anything"


async def test_search_says_nothing_about_text_a_champion_cannot_read(client, seeded):
    await sign_in(client, CHAMPION)
    html = await (await client.get("/queue?q=bruises")).text()
    assert _listed(html) == set()
    assert "with the DSL" not in html
    plain = await (await client.get("/queue")).text()
    assert "<strong>1 with the DSL</strong>" in plain


async def test_notes_are_for_colleagues_and_stay_off_the_platform(client, seeded, engine):
    await sign_in(client, CHAMPION)
    response = await act(client, seeded.question, "note", note="Spoke to the parent at pick-up")
    assert response.status == 303
    html = await (await client.get(f"/items/{seeded.question}")).text()
    assert "Olive Champion</span>," in html
    assert '<span class="note-text">Spoke to the parent at pick-up</span>' in html
    assert "Added a note" in html  # in the history
    empty = await act(client, seeded.question, "note", note="   ")
    assert empty.status == 303
    await sign_in(client, DSL)
    assert (
        "Spoke to the parent at pick-up"
        in await (await client.get(f"/items/{seeded.question}")).text()
    )
    with Session(engine) as session:
        assert session.exec(select(Action)).all() == []


async def test_assign_to_a_named_colleague(client, seeded, engine):
    await sign_in(client, CHAMPION)
    page = await (await client.get(f"/items/{seeded.question}")).text()
    options = {
        name: int(value)
        for value, name in re.findall(r'<option value="(\d+)"[^>]*>([^<]+)</option>', page)
        if int(value) in seeded.users.values()
    }
    assert "dsl@oakfield.example" in options
    assert "admin@riverside.example" in options
    assert OTHER_CHAMPION not in options  # another school's champion cannot act on it
    dsl_id = seeded.users[DSL]
    await act(client, seeded.question, "assign", assignee=str(dsl_id))
    with Session(engine) as session:
        item = session.get(QueueItem, seeded.question)
        assert item is not None
        assert item.assigned_to_id == dsl_id
    html = await (await client.get(f"/items/{seeded.question}")).text()
    assert "Assigned to <strong>dsl@oakfield.example</strong>." in html
    queue = await (await client.get("/queue")).text()
    assert "assigned to dsl@oakfield.example" in queue
    refused = await act(
        client, seeded.question, "assign", assignee=str(seeded.users[OTHER_CHAMPION])
    )
    assert refused.status == 303
    with Session(engine) as session:
        item = session.get(QueueItem, seeded.question)
        assert item is not None
        assert item.assigned_to_id == dsl_id
    await sign_in(client, DSL)
    mine = await (await client.get("/queue?assigned=me")).text()
    assert _listed(mine) == {seeded.question}
    await act(client, seeded.question, "assign", assignee="")
    assert _listed(await (await client.get("/queue?assigned=me")).text()) == set()


async def test_only_dsls_and_admins_take_a_safeguarding_item(client, seeded):
    await sign_in(client, DSL)
    page = await (await client.get(f"/items/{seeded.safeguarding}")).text()
    team = page[page.index('id="assignee"') : page.index("</select>", page.index('id="assignee"'))]
    assert "Olive Champion" not in team
    assert "dsl@oakfield.example" in team


async def test_the_conversation_around_a_comment(client, seeded, engine):
    with Session(engine) as session:
        oak = session.exec(select(Account).where(Account.platform_account_id == "oak-fb")).one()

        def add(text: str, label: Label, platform_id: str, minutes: int) -> int:
            return add_item(
                session,
                account=oak,
                text=text,
                label=label,
                platform_id=platform_id,
                age=timedelta(minutes=minutes),
            )

        parent = add("Is sports day still on?", Label.QUESTION, "thread-parent", 120)
        this = add("It is, my kids are excited", Label.OTHER, "thread-this", 60)
        secret = add("a worry about a child at home", Label.SAFEGUARDING, "thread-secret", 50)
        elsewhere = add("Other post entirely", Label.OTHER, "elsewhere", 30)
        for item_id, parent_id in ((this, "thread-parent"), (secret, "thread-parent")):
            item = session.get(QueueItem, item_id)
            assert item is not None
            comment = session.get(Comment, item.comment_id)
            assert comment is not None
            comment.parent_id = parent_id
        far = session.get(QueueItem, elsewhere)
        assert far is not None
        far_comment = session.get(Comment, far.comment_id)
        assert far_comment is not None
        far_comment.post_id = "post-2"
        session.commit()
    await sign_in(client, CHAMPION)
    html = await (await client.get(f"/items/{this}")).text()
    thread = html[html.index('id="thread-h"') : html.index("</ol>", html.index('id="thread-h"'))]
    assert re.findall(r'<li class="thread-(\w+)">', thread) == ["parent", "this", "sibling"]
    assert f'<a href="/items/{parent}">Is sports day still on?</a>' in thread
    assert "a worry about a child" not in thread
    assert "only the DSL can read it" in thread
    assert "Other post entirely" not in thread
    assert "Sports day is on Friday!" in html  # the post itself
