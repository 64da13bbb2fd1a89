"""A trust of two schools and one week (2026-W43, the October clock change) of known figures."""

from __future__ import annotations

import html.parser
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine

from bot.config import Config, parse_config
from bot.snapshots import store_snapshot
from bot.sync import sync_config
from connectors.records import Follower, FollowerSnapshot, Platform
from models import (
    Account,
    Action,
    ActionKind,
    ActionStatus,
    Classification,
    Comment,
    QueueItem,
    QueueStatus,
    Role,
    User,
    session_scope,
)

# Week 2026-W43 runs Monday 19 Oct 00:00 BST to Monday 26 Oct 00:00 GMT: 169 hours.
WEEK = "2026-W43"
START = datetime(2026, 10, 18, 23, 0, tzinfo=UTC)
END = datetime(2026, 10, 26, 0, 0, tzinfo=UTC)
NOW = datetime(2026, 10, 26, 7, 0, tzinfo=UTC)  # Monday 07:00 GMT, when the job runs
PAUSED_UNTIL = datetime(2026, 10, 26, 9, 30, tzinfo=UTC)  # 09:30 GMT

CONFIG = {
    "trust": {"name": "Riverside Trust", "timezone": "Europe/London"},
    "reports": {
        "trust_recipients": ["ceo@riverside.example"],
        "watchlist": {
            "looks like a pupil": r"(?i)\byear ?[0-9]\b",
            "adult content": r"(?i)\bonlyfans\b",
        },
    },
    "schools": [
        {
            "id": "oakfield",
            "name": "Oakfield Primary",
            "report_recipients": ["head@oakfield.example", "champion@oakfield.example"],
            "accounts": [
                {
                    "platform": "facebook",
                    "account_id": "fb1",
                    "name": "Oakfield FB",
                    "token_env": "T1",
                },
                {
                    "platform": "instagram",
                    "account_id": "ig1",
                    "name": "@oakfield.ig",
                    "token_env": "T2",
                },
                {"platform": "x", "account_id": "x1", "name": "@OakfieldX", "token_env": "T3"},
            ],
        },
        {
            "id": "birch",
            "name": "Birch Academy",
            "report_recipients": ["head@birch.example"],
            "accounts": [
                {
                    "platform": "facebook",
                    "account_id": "fb2",
                    "name": "Birch FB",
                    "token_env": "T4",
                },
            ],
        },
    ],
}


@pytest.fixture
def config() -> Config:
    return parse_config(CONFIG)


@dataclass
class Known:
    """Handles to the seeded rows, for tests that add more."""

    accounts: dict[str, Account]
    staff: User


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def _f(ident: str, name: str, bio: str = "") -> Follower:
    return Follower(id=ident, name=name, username=name.lower().replace(" ", ""), description=bio)


def _snap(session, account: Account, when: datetime, count: int, followers=None) -> None:
    store_snapshot(
        session,
        account.id,
        FollowerSnapshot(
            Platform(account.platform),
            account.platform_account_id,
            when,
            count,
            followers=tuple(followers) if followers is not None else None,
        ),
    )


@pytest.fixture
def known(engine: Engine, config: Config) -> Known:
    """Every figure the tests expect is written out beside the rows that make it."""
    with session_scope(engine) as s:
        synced = sync_config(s, config)
        acc = {key[1]: account for key, account in synced.items()}
        staff = User(email="champion@oakfield.example", password_hash="x", role=Role.CHAMPION)
        s.add(staff)
        s.flush()

        # Oakfield FB: before 1000 (Sun 23:59 BST), in the week 1003 .. 1010 (Sun 23:30 GMT,
        # after the clock went back), next week 1020. Followers now 1010, change +10.
        fb = acc["fb1"]
        _snap(s, fb, at("2026-10-11 03:00"), 990)
        _snap(s, fb, at("2026-10-18 22:59"), 1000)
        _snap(s, fb, at("2026-10-18 23:00"), 1003)
        _snap(s, fb, at("2026-10-22 03:00"), 1001)
        _snap(s, fb, at("2026-10-25 23:30"), 1010)
        _snap(s, fb, at("2026-10-26 00:00"), 1020)
        # Oakfield IG: one snapshot on each Wednesday noon of the 12 weeks W32..W43,
        # 500 + 5 * i, except W35 (i = 3) which has none. Now 555, change +5.
        ig = acc["ig1"]
        wednesday = at("2026-08-05 11:00")  # Wed of 2026-W32, 12:00 BST
        for i in range(12):
            if i != 3:
                _snap(s, ig, wednesday + timedelta(weeks=i), 500 + 5 * i)
        # Oakfield X: lists. Before: a b c. In the week: a b c d, then a c d e f.
        # New d e f (e and f on the watchlist), lost b. Count 5, change +2.
        x = acc["x1"]
        a, b, c = _f("1", "Ann Lee"), _f("2", "Bob Ray"), _f("3", "Cat Fox")
        d = _f("4", "Dan Ode", "Dad of three")
        e = _f("5", "Eve Moss", "Year 5 at Oakfield")
        f = _f("6", "Fay Hill", "my OnlyFans below")
        _snap(s, x, at("2026-10-11 03:00"), 3, [a, b, c])
        _snap(s, x, at("2026-10-18 03:00"), 3)  # count only, no list
        _snap(s, x, at("2026-10-21 03:00"), 4, [a, b, c, d])
        _snap(s, x, at("2026-10-25 03:00"), 5, [a, c, d, e, f])
        _snap(s, x, at("2026-10-26 03:00"), 6, [a, c, d, e, f, _f("7", "Gus Year 9")])
        # Birch FB: no snapshots at all.

        # Attention: X needs a token, IG lacks a permission, FB paused until 09:30 GMT.
        x.needs_token = True
        x.last_error = "token expired"
        ig.last_error = "permission missing: instagram_manage_comments"
        fb.paused_until = PAUSED_UNTIL
        acc["fb2"].paused_until = at("2026-10-26 06:00")  # already over: not listed

        def comment(account: Account, n: str, fetched: datetime, *labels: str) -> Comment:
            row = Comment(
                platform=account.platform,
                platform_id=n,
                account_id=account.id,
                school_id=account.school_id,
                post_id="p",
                author_id="u",
                text="t",
                created_at=fetched - timedelta(minutes=1),
                fetched_at=fetched,
            )
            s.add(row)
            s.flush()
            for i, label in enumerate(labels):
                s.add(
                    Classification(
                        comment_id=row.id,
                        label=label,
                        model="m",
                        created_at=fetched + timedelta(minutes=i),
                    )
                )
            return row

        def action(
            kind: ActionKind,
            row: Comment | None,
            done: datetime | None,
            *,
            staff_user: User | None = None,
            account: Account | None = None,
            status: ActionStatus = ActionStatus.DONE,
        ) -> None:
            s.add(
                Action(
                    kind=kind,
                    status=status,
                    idempotency_key=f"{kind}:{row and row.id}:{done}",
                    comment_id=row.id if row else None,
                    account_id=(account or (acc["fb1"])).id,
                    requested_by=staff_user.id if staff_user else None,
                    done_at=done,
                )
            )

        def item(
            row: Comment,
            label: str,
            status: QueueStatus,
            due: datetime,
            acted: datetime | None = None,
        ) -> None:
            s.add(
                QueueItem(
                    comment_id=row.id,
                    school_id=row.school_id,
                    label=label,
                    status=status,
                    due_at=due,
                    created_at=row.fetched_at,
                    first_human_action_at=acted,
                )
            )

        # Oakfield comments read in W43: 6. question 1, other 1 (relabelled from abuse),
        # safeguarding 1, spam 1, positive 1, not yet labelled 1.
        c1 = comment(fb, "c1", START, "question")
        c2 = comment(fb, "c2", at("2026-10-20 10:00"), "abuse", "other")
        c3 = comment(x, "c3", at("2026-10-21 12:00"), "safeguarding")
        c4 = comment(ig, "c4", at("2026-10-20 09:00"), "spam")
        comment(ig, "c5", at("2026-10-22 09:00"))
        c6 = comment(fb, "c6", at("2026-10-25 23:30"), "positive")
        c_next = comment(fb, "c7", END, "question")  # next week
        c_prev = comment(fb, "c8", at("2026-10-18 22:59"), "abuse")  # last week
        c_old = comment(fb, "c9", at("2026-09-30 10:00"), "complaint")
        b1 = comment(acc["fb2"], "b1", at("2026-10-23 15:00"), "question")

        # Actions done in the week. Oakfield: hidden automatically 2, by staff 1, replies 2,
        # private replies 1, blocks 2 (one with no comment, found by its account).
        action(ActionKind.HIDE, c3, at("2026-10-21 12:00:20"))
        action(ActionKind.HIDE, c4, at("2026-10-20 09:00:20"), account=ig)
        action(ActionKind.HIDE, c_prev, at("2026-10-18 22:59:30"))  # done last week
        action(ActionKind.HIDE, c6, None, status=ActionStatus.PENDING)  # not done
        action(ActionKind.HIDE, c2, at("2026-10-20 12:00"), staff_user=staff)
        action(ActionKind.UNHIDE, c2, at("2026-10-20 12:05"), staff_user=staff)
        action(ActionKind.REPLY, c1, at("2026-10-19 00:30"), staff_user=staff)
        action(ActionKind.REPLY, c6, at("2026-10-25 23:45"))
        action(ActionKind.REPLY, c_next, at("2026-10-26 00:10"), staff_user=staff)  # next week
        action(ActionKind.PRIVATE_REPLY, c3, at("2026-10-21 12:10"), staff_user=staff, account=x)
        action(ActionKind.BLOCK, c2, at("2026-10-20 12:01"), staff_user=staff)
        action(ActionKind.BLOCK, None, at("2026-10-24 08:00"), staff_user=staff, account=x)
        action(ActionKind.ALERT, c3, at("2026-10-21 12:00:25"), account=x)
        action(
            ActionKind.REPLY,
            c2,
            at("2026-10-20 12:30"),
            staff_user=staff,
            status=ActionStatus.FAILED,
        )
        # Birch: hidden automatically 1.
        action(ActionKind.HIDE, b1, at("2026-10-23 15:00:20"), account=acc["fb2"])

        # Queue. Median time to first human action, Oakfield: 10 min, 30 min, 2 h -> 30 min.
        # Past due and open at the end of the week: c4 (open), c3 (still escalated, as the
        # dashboard counts it), c_prev (acted on only after the week) -> 3; Birch b1 (open)
        # -> trust 4. Escalations: c3 -> 1 (c_prev was created the week before).
        item(
            c1,
            "question",
            QueueStatus.HANDLED,
            START + timedelta(hours=8),
            START + timedelta(minutes=30),
        )
        item(c2, "abuse", QueueStatus.HANDLED, at("2026-10-20 12:00"), at("2026-10-20 12:00"))
        item(
            c3,
            "safeguarding",
            QueueStatus.ESCALATED,
            at("2026-10-21 12:15"),
            at("2026-10-21 12:10"),
        )
        item(c4, "spam", QueueStatus.OPEN, at("2026-10-21 09:00"))
        item(c6, "positive", QueueStatus.OPEN, at("2026-10-27 23:30"))
        item(
            c_prev,
            "safeguarding",
            QueueStatus.HANDLED,
            at("2026-10-18 23:14"),
            at("2026-10-26 01:00"),
        )
        item(
            c_old,
            "complaint",
            QueueStatus.DISMISSED,
            at("2026-09-30 18:00"),
            at("2026-10-01 09:00"),
        )
        item(b1, "question", QueueStatus.OPEN, at("2026-10-23 23:00"))
    return Known(accounts=acc, staff=staff)


class _Tables(html.parser.HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.rows: list[list[str]] = []
        self._cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: object) -> None:
        if tag == "tr":
            self.rows.append([])
        elif tag in ("td", "th"):
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._cell is not None:
            self.rows[-1].append(" ".join("".join(self._cell).split()))
            self._cell = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


def table_rows(page: str) -> list[list[str]]:
    """Every table row of the page as its cells' text, whitespace collapsed."""
    parser = _Tables()
    parser.feed(page)
    return [row for row in parser.rows if row]


def row_starting(page: str, *cells: str) -> list[str]:
    matches = [row for row in table_rows(page) if row[: len(cells)] == list(cells)]
    assert len(matches) == 1, f"{len(matches)} rows start with {cells}: {table_rows(page)}"
    return matches[0]
