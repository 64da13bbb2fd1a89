"""Builds a small trust for the dashboard's tests: two schools, four users, a few items."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine

from bot.config import Config, parse_config
from bot.labels import Label
from bot.policy import DUE_AFTER
from bot.sync import sync_config
from bot.workspace.users import create_user
from models import (
    Account,
    Classification,
    Comment,
    QueueItem,
    QueueStatus,
    Role,
    session_scope,
)

PASSWORD = "hallmonitor-demo"
ADMIN = "admin@riverside.example"
CHAMPION = "champion@oakfield.example"
DSL = "dsl@oakfield.example"
OTHER_CHAMPION = "champion@birchwood.example"
NOW = datetime(2025, 3, 4, 10, 0, tzinfo=UTC)

XSS_TEXT = (
    '<script>document.title="pwned"</script> <img src=x onerror="document.title=\'pwned\'"> '
    "<a href=\"javascript:document.title='pwned'\">click</a>"
)
SAFEGUARDING_TEXT = (
    "I am worried about a child in year 4, he has bruises again and says home is scary"
)


def make_config(oak_fb_id: str = "oak-fb", **dashboard: object) -> Config:
    return parse_config(
        {
            "trust": {"name": "Riverside Learning Trust"},
            "dashboard": {"base_url": "http://127.0.0.1:8080", **dashboard},
            "schools": [
                {
                    "id": "oakfield",
                    "name": "Oakfield Primary",
                    "dsl_emails": [DSL],
                    "accounts": [
                        {"platform": "facebook", "account_id": oak_fb_id, "token_env": "OAK_FB"},
                        {"platform": "x", "account_id": "oak-x", "token_env": "OAK_X"},
                    ],
                },
                {
                    "id": "birchwood",
                    "name": "Birchwood Academy",
                    "accounts": [
                        {"platform": "facebook", "account_id": "birch-fb", "token_env": "BIRCH_FB"}
                    ],
                },
            ],
        }
    )


@dataclass
class Seeded:
    abuse: int
    safeguarding: int
    question_birchwood: int
    xss: int
    question: int
    author_other: int
    users: dict[str, int]


def add_item(
    session: object,
    *,
    account: Account,
    text: str,
    label: Label,
    author_id: str = "author-1",
    author_name: str = "Pat Parent",
    status: QueueStatus = QueueStatus.OPEN,
    age: timedelta = timedelta(minutes=30),
    suggested_reply: str | None = None,
    permalink: str | None = None,
    platform_id: str | None = None,
    reasons: list[str] | None = None,
    now: datetime = NOW,
) -> int:
    from sqlmodel import Session

    assert isinstance(session, Session)
    assert account.id is not None
    created = now - age
    comment = Comment(
        platform=account.platform,
        platform_id=platform_id or f"c-{account.id}-{text[:10]}-{age.total_seconds()}",
        account_id=account.id,
        school_id=account.school_id,
        post_id="post-1",
        post_text="Sports day is on Friday!",
        author_id=author_id,
        author_name=author_name,
        text=text,
        permalink=permalink or f"https://facebook.example/{account.platform_account_id}/c",
        created_at=created,
        fetched_at=created,
    )
    session.add(comment)
    session.flush()
    assert comment.id is not None
    session.add(
        Classification(
            comment_id=comment.id,
            label=label.value,
            scores={label.value: 0.93},
            reasons=reasons or [f"looks like {label.value}"],
            model="test",
            created_at=created,
        )
    )
    item = QueueItem(
        comment_id=comment.id,
        school_id=account.school_id,
        label=label.value,
        status=status,
        priority=label.precedence,
        suggested_reply=suggested_reply,
        due_at=created + DUE_AFTER[label],
        created_at=created,
        updated_at=created,
    )
    session.add(item)
    session.flush()
    assert item.id is not None
    return item.id


def seed(engine: Engine, config: Config, now: datetime = NOW) -> Seeded:
    with session_scope(engine) as session:
        accounts = sync_config(session, config)
        session.flush()
        users = {
            ADMIN: create_user(
                session, email=ADMIN, password=PASSWORD, role=Role.TRUST_ADMIN, schools=[]
            ),
            CHAMPION: create_user(
                session,
                email=CHAMPION,
                password=PASSWORD,
                role=Role.CHAMPION,
                schools=["oakfield"],
                name="Olive Champion",
            ),
            DSL: create_user(
                session, email=DSL, password=PASSWORD, role=Role.DSL, schools=["oakfield"]
            ),
            OTHER_CHAMPION: create_user(
                session,
                email=OTHER_CHAMPION,
                password=PASSWORD,
                role=Role.CHAMPION,
                schools=["birchwood"],
            ),
        }
        session.flush()
        oak = next(
            a for (p, _), a in accounts.items() if p == "facebook" and a.school_id == "oakfield"
        )
        birch = accounts[("facebook", "birch-fb")]
        abuse = add_item(
            session,
            now=now,
            account=oak,
            text="You are all useless idiots at that school",
            label=Label.ABUSE,
            suggested_reply="We expect respectful comments on this page.",
            age=timedelta(hours=3),
            reasons=["insult: idiots"],
        )
        safeguarding = add_item(
            session,
            now=now,
            account=oak,
            text=SAFEGUARDING_TEXT,
            label=Label.SAFEGUARDING,
            status=QueueStatus.ESCALATED,
            author_id="worried-1",
            author_name="Sam Secret",
            suggested_reply="Please contact our DSL privately.",
        )
        question_b = add_item(
            session,
            now=now,
            account=birch,
            text="What time does Birchwood sports day start?",
            label=Label.QUESTION,
            author_name="Birch Parent",
            author_id="bp-1",
        )
        xss = add_item(
            session,
            now=now,
            account=oak,
            text=XSS_TEXT,
            label=Label.COMPLAINT,
            permalink="javascript:document.title='pwned'",
            author_id="xss-1",
            author_name="<img src=x onerror=\"document.title='pwned'\">",
            suggested_reply="</textarea><script>document.title='pwned'</script>",
        )
        question = add_item(
            session,
            now=now,
            account=oak,
            text="When is the next parents evening?",
            label=Label.QUESTION,
            author_name="Pat Parent",
            age=timedelta(days=2),
        )
        author_other = add_item(
            session,
            now=now,
            account=birch,
            text="Birchwood comment by the same author",
            label=Label.POSITIVE,
            age=timedelta(days=3),
        )
        ids = {email: user.id for email, user in users.items()}
    return Seeded(
        abuse=abuse,
        safeguarding=safeguarding,
        question_birchwood=question_b,
        xss=xss,
        question=question,
        author_other=author_other,
        users={k: v for k, v in ids.items() if v is not None},
    )
