"""The whole bot on the simulator: comments across three schools and three platforms end
stored, hidden, alerted, queued and replied exactly as the policy says."""

from __future__ import annotations

import email
from pathlib import Path

from sqlalchemy import Engine
from sqlmodel import Session, select

from bot.classifier import Classifier
from bot.config import Config
from bot.outbox import enqueue
from bot.runtime import Bot
from models import (
    Account,
    Action,
    ActionKind,
    ActionStatus,
    Classification,
    Comment,
    QueueItem,
    QueueStatus,
    session_scope,
)
from tests.bot.conftest import SimControl

SCRIPT = [
    (
        "oakfield",
        "facebook",
        "disclosure",
        "My son told me his stepdad hits him when mum is at work and he is scared to go home",
    ),
    (
        "oakfield",
        "instagram",
        "insult",
        "The head is a useless f***ing idiot and the teachers are a pathetic joke, absolute scum",
    ),
    (
        "birchwood",
        "x",
        "absence",
        "Lily in Year 3 won't be in today, she has a temperature and is off sick",
    ),
    ("birchwood", "facebook", "question", "What time does the Christmas fair start on Saturday?"),
    (
        "cedar-grove",
        "instagram",
        "praise",
        "Congratulations to the choir, they absolutely killed it last night! So proud of them",
    ),
    (
        "cedar-grove",
        "facebook",
        "phone",
        "Whoever found my daughter's coat please ring me on 07700 900123, thanks",
    ),
    ("cedar-grove", "x", "chat", "@jess_m remember this? 😂"),
]


def _latest_labels(session: Session) -> dict[str, str]:
    rows = session.exec(
        select(Comment.platform_id, Classification.label).join(
            Classification, Classification.comment_id == Comment.id
        )
    ).all()
    return dict(rows)


async def test_a_scripted_mix_ends_with_exactly_the_expected_sets(
    engine: Engine, trust_config: Config, classifier: Classifier, sim: SimControl
) -> None:
    ids = {}
    for school, platform, key, text in SCRIPT:
        ids[key] = await sim.post(
            school, platform, text, author={"id": f"u-{key}", "name": "Sam Parent"}
        )
    bot = await Bot.create(trust_config, engine=engine, classifier=classifier)
    try:
        await bot.run_once()
        with Session(engine) as session:
            comments = session.exec(select(Comment)).all()
            labels = _latest_labels(session)
            items = {
                c.platform_id: i
                for i, c in session.exec(
                    select(QueueItem, Comment).join(Comment, Comment.id == QueueItem.comment_id)
                )
            }
            hide_actions = session.exec(
                select(Action, Comment)
                .join(Comment, Comment.id == Action.comment_id)
                .where(Action.kind == ActionKind.HIDE)
            ).all()

        state = await sim.state()
        assert {c.platform_id for c in comments} == {c["id"] for c in state["comments"]}
        assert labels[ids["disclosure"]] == "safeguarding"
        assert labels[ids["insult"]] == "abuse"
        assert labels[ids["absence"]] == "absence"
        assert labels[ids["question"]] == "question"
        assert labels[ids["praise"]] == "positive"
        assert labels[ids["phone"]] == "personal_data"

        hidden_on_platform = {c["id"] for c in state["comments"] if c["hidden"]}
        hidden_by_bot = {c.platform_id for a, c in hide_actions if a.status is ActionStatus.DONE}
        assert hidden_on_platform == hidden_by_bot
        assert {
            ids["disclosure"],
            ids["insult"],
            ids["absence"],
            ids["phone"],
        } <= hidden_on_platform
        assert ids["question"] not in hidden_on_platform
        assert ids["praise"] not in hidden_on_platform

        disclosure = items[ids["disclosure"]]
        assert disclosure.status is QueueStatus.ESCALATED
        assert disclosure.reply_private is True
        assert items[ids["question"]].suggested_reply.startswith("Hello Sam,")
        assert ids["chat"] not in items

        mail = sorted(Path(trust_config.email.maildir).glob("*.eml"))  # noqa: ASYNC240
        assert len(mail) == 1
        alert = email.message_from_bytes(mail[0].read_bytes())
        assert alert["To"] == "dsl@oakfield.example"
        body = alert.get_payload(decode=True).decode()
        assert "stepdad hits him" in body
        assert "Oakfield Primary School" in body

        question = items[ids["question"]]
        with session_scope(engine) as session:
            comment = session.exec(
                select(Comment).where(Comment.platform_id == ids["question"])
            ).one()
            enqueue(
                session,
                ActionKind.REPLY,
                key=f"reply:{comment.id}:form-1",
                account_id=comment.account_id,
                comment_id=comment.id,
                queue_item_id=question.id,
                payload={"text": "It starts at 10am. See you there!"},
            )
        await bot.drain_outbox()
        await bot.run_once()

        state = await sim.state()
        question_state = next(c for c in state["comments"] if c["id"] == ids["question"])
        assert [r["text"] for r in question_state["replies"] if r["from_account"]] == [
            "It starts at 10am. See you there!"
        ]
        with Session(engine) as session:
            assert len(session.exec(select(Comment)).all()) == len(comments)
            assert len(session.exec(select(Classification)).all()) == len(comments)
    finally:
        await bot.stop()


async def test_faults_on_one_account_leave_the_others_unaffected(
    engine: Engine, trust_config: Config, classifier: Classifier, sim: SimControl
) -> None:
    await sim.post("oakfield", "facebook", "What time is pick-up on Friday?")
    healthy = await sim.post("birchwood", "instagram", "When is the next parents evening?")
    await sim.fault(
        kind="expired_token", platform="facebook", account="100000000000001", count=None
    )
    await sim.fault(
        kind="error", status=500, platform="instagram", account="17841400000000003", count=1
    )
    await sim.fault(kind="rate_limit", platform="x", account="1500000000000000002", count=1)
    bot = await Bot.create(trust_config, engine=engine, classifier=classifier)
    try:
        await bot.run_once()
        with Session(engine) as session:
            accounts = {a.platform_account_id: a for a in session.exec(select(Account)).all()}
            stored = set(session.exec(select(Comment.platform_id)).all())
            alerts = session.exec(select(Action).where(Action.kind == ActionKind.ALERT)).all()
        assert healthy in stored
        assert accounts["100000000000001"].needs_token is True
        assert accounts["100000000000001"].paused_until is not None
        assert "AuthError" in (accounts["100000000000001"].last_error or "")
        assert "TransientError" in (accounts["17841400000000003"].last_error or "")
        assert "RateLimited" in (accounts["1500000000000000002"].last_error or "")
        assert accounts["100000000000002"].last_error is None
        assert [a.payload["reason"] for a in alerts] == ["account_health"]
        assert alerts[0].status is ActionStatus.DONE

        await bot.run_once()
        with Session(engine) as session:
            alerts = session.exec(select(Action).where(Action.kind == ActionKind.ALERT)).all()
        assert len(alerts) == 1, "the admin is told once, not every poll"
    finally:
        await bot.stop()

    waiting = await sim.post("oakfield", "facebook", "Is the school open on Monday?")
    await sim.clear_faults()
    restarted = await Bot.create(trust_config, engine=engine, classifier=classifier)
    try:
        await restarted.run_once()
    finally:
        await restarted.stop()
    with Session(engine) as session:
        account = session.exec(
            select(Account).where(Account.platform_account_id == "100000000000001")
        ).one()
        stored = set(session.exec(select(Comment.platform_id)).all())
    assert account.needs_token is False, "a restart with a working token resumes polling"
    assert account.last_error is None
    assert waiting in stored, "what was posted during the outage is read afterwards"


ODD_TEXTS = [
    "hello \x00 there",
    "<script>alert('x')</script><img src=x onerror=alert(1)>",
    "مرحبا بالجميع، متى يبدأ الحفل؟",
    "👋🏽🎉🎉🎉",
    "zero\u200bwidth\u200djoiner\ufeff",
    "Diolch yn fawr i'r athrawon! " + "Long comment. " * 900,
]


async def test_odd_text_is_stored_classified_and_queued_without_loss(
    engine: Engine, trust_config: Config, classifier: Classifier, sim: SimControl
) -> None:
    ids = [await sim.post("birchwood", "facebook", text) for text in ODD_TEXTS]
    bot = await Bot.create(trust_config, engine=engine, classifier=classifier)
    try:
        reports = await bot.run_once()
    finally:
        await bot.stop()
    assert all(report.error is None for report in reports)
    with Session(engine) as session:
        stored = dict(session.exec(select(Comment.platform_id, Comment.text)).all())
        labels = _latest_labels(session)
    assert set(ids) <= set(stored)
    assert stored[ids[0]] == "hello \ufffd there"
    assert stored[ids[1]] == ODD_TEXTS[1]
    assert stored[ids[5]] == ODD_TEXTS[5]
    assert all(platform_id in labels for platform_id in ids)
