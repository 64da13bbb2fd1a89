"""The demo's history: twelve weeks of daily follower snapshots and of moderated comments."""

from __future__ import annotations

import logging
import math
import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo

from sqlmodel import Session, col, select

from bot.config import Config, SchoolConfig
from bot.labels import Label
from bot.policy import DUE_AFTER
from bot.reports import seed_text as words
from bot.reports.period import Week, last_complete_week
from bot.snapshots import store_snapshot
from bot.sync import sync_config
from connectors.records import Follower, FollowerSnapshot, Platform
from models import (
    Account,
    Action,
    ActionKind,
    ActionStatus,
    AuditEntry,
    Classification,
    Comment,
    FollowerSnapshotRow,
    QueueItem,
    QueueStatus,
    Role,
    User,
    UserSchool,
)

_LOGGER = logging.getLogger(__name__)

LABEL_WEIGHTS = {
    Label.POSITIVE: 30,
    Label.QUESTION: 22,
    Label.OTHER: 16,
    Label.COMPLAINT: 9,
    Label.SPAM: 7,
    Label.ABSENCE: 6,
    Label.ABUSE: 5,
    Label.PERSONAL_DATA: 3,
    Label.SAFEGUARDING: 1.5,
}
_BASE = {"facebook": (1100, 350), "instagram": (520, 180), "x": (200, 60)}
_WEEKLY_COMMENTS = {"facebook": (10, 18), "instagram": (6, 12), "x": (4, 9)}
SEED_STAFF_EMAIL = "seeded.staff@hallmonitor.invalid"


@dataclass(frozen=True, slots=True)
class SeedSummary:
    snapshots: int = 0
    comments: int = 0
    queue_items: int = 0
    actions: int = 0


class _Seeder:
    def __init__(self, session: Session, config: Config, now: datetime, rng: random.Random) -> None:
        self.session = session
        self.now = now
        self.rng = rng
        self.tz: tzinfo = config.trust.tz
        self.last_week = last_complete_week(now, self.tz)
        self.serial = 0
        self.counts = {"snapshots": 0, "comments": 0, "queue_items": 0, "actions": 0}
        self._staff: dict[str, User] = {}

    # -- followers ---------------------------------------------------------------------------

    def _follower(self, account: Account) -> Follower:
        self.serial += 1
        first, last = self.rng.choice(words.FIRST), self.rng.choice(words.LAST)
        return Follower(
            id=f"{account.platform_account_id}{self.serial:05d}",
            name=f"{first} {last}",
            username=f"{first.lower()}{last.lower()}{self.rng.randint(1, 99)}",
            description=self.rng.choice(words.BIOS),
        )

    def _hit(self, account: Account, which: int, school: SchoolConfig) -> Follower:
        name, bio = words.WATCHLIST_HITS[which]
        self.serial += 1
        first = self.rng.choice(words.FIRST)
        return Follower(
            id=f"{account.platform_account_id}{self.serial:05d}",
            name=name.format(first=first),
            username=f"{first.lower()}_{'yr6' if which == 0 else 'pics'}{self.rng.randint(10, 99)}",
            description=bio.format(school=school.name.split()[0]),
        )

    def snapshots(self, account: Account, school: SchoolConfig, index: int, first: date) -> None:
        assert account.id is not None
        base, step = _BASE.get(account.platform, (300, 100))
        days = (self.now.astimezone(self.tz).date() - first).days + 1
        is_x = account.platform == Platform.X.value
        followers = [self._follower(account) for _ in range(base + step * index)] if is_x else []
        # Other platforms: a walk that ends near the base, with a dip now and then.
        walk = [0]
        for _ in range(days - 1):
            walk.append(walk[-1] + self.rng.choice((-2, -1, 0, 0, 1, 1, 1, 2, 3, 4)))
        offset = base + step * index - walk[-1]
        for n in range(days):
            day = first + timedelta(days=n)
            taken = datetime.combine(day, time(4, 0), tzinfo=self.tz).astimezone(UTC)
            if taken > self.now:
                break
            listed = None
            if is_x:
                followers += [
                    self._follower(account) for _ in range(self.rng.choice((0, 0, 1, 1, 2)))
                ]
                if self.rng.random() < 0.2 and followers:
                    followers.pop(self.rng.randrange(len(followers)))
                if self.last_week.contains(taken) and day.weekday() in (1, 3):
                    followers.append(self._hit(account, 0 if day.weekday() == 1 else 1, school))
                if day.weekday() == 6 or (self.now - taken) < timedelta(days=9):
                    listed = tuple(followers)
                count = len(followers)
            else:
                count = max(0, offset + walk[n])
            store_snapshot(
                self.session,
                account.id,
                FollowerSnapshot(
                    platform=Platform(account.platform),
                    account_id=account.platform_account_id,
                    taken_at=taken,
                    followers_count=count,
                    fan_count=count + count // 20 if account.platform == "facebook" else None,
                    followers=listed,
                ),
            )
            self.counts["snapshots"] += 1

    # -- comments ----------------------------------------------------------------------------

    def staff(self, school_id: str) -> User:
        if school_id in self._staff:
            return self._staff[school_id]
        user = self.session.exec(
            select(User)
            .join(UserSchool, col(UserSchool.user_id) == User.id)
            .where(UserSchool.school_id == school_id, User.role == Role.CHAMPION)
            .order_by(col(User.id))
        ).first()
        user = (
            user
            or self.session.exec(
                select(User).where(User.role == Role.TRUST_ADMIN).order_by(col(User.id))
            ).first()
        )
        user = user or self.session.exec(select(User).where(User.email == SEED_STAFF_EMAIL)).first()
        if user is None:
            # "!" is no argon2 hash, so no password ever signs this user in.
            unusable = "!"
            user = User(
                email=SEED_STAFF_EMAIL,
                name="Seeded staff",
                password_hash=unusable,
                role=Role.TRUST_ADMIN,
            )
            self.session.add(user)
            self.session.flush()
        self._staff[school_id] = user
        return user

    def _action(
        self,
        kind: ActionKind,
        comment: Comment,
        item: QueueItem | None,
        at: datetime,
        user: User | None = None,
        text: str | None = None,
    ) -> None:
        self.session.add(
            Action(
                kind=kind,
                status=ActionStatus.DONE,
                idempotency_key=f"seed:{kind.value}:{comment.id}",
                account_id=comment.account_id,
                comment_id=comment.id,
                queue_item_id=item.id if item else None,
                payload={"text": text} if text else {},
                requested_by=user.id if user else None,
                attempts=1,
                next_attempt_at=at,
                created_at=at,
                updated_at=at,
                done_at=at,
            )
        )
        self.session.add(
            AuditEntry(
                at=at,
                user_id=user.id if user else None,
                actor=user.email if user else "hallmonitor",
                action=kind.value if user else f"auto_{kind.value}",
                school_id=comment.school_id,
                queue_item_id=item.id if item else None,
                comment_id=comment.id,
                detail="seeded history",
            )
        )
        self.counts["actions"] += 1

    def _moment(self, week: Week) -> datetime:
        day = week.monday + timedelta(days=self.rng.randrange(7))
        clock = time(self.rng.randint(7, 21), self.rng.randrange(60), self.rng.randrange(60))
        return datetime.combine(day, clock, tzinfo=self.tz).astimezone(UTC)

    def comments(self, account: Account, week: Week) -> None:
        low, high = _WEEKLY_COMMENTS.get(account.platform, (4, 8))
        for _ in range(self.rng.randint(low, high)):
            created = self._moment(week)
            fetched = created + timedelta(seconds=self.rng.randint(30, 400))
            if fetched > self.now - timedelta(minutes=30):
                continue
            self._comment(account, week, created, fetched)

    def _comment(self, account: Account, week: Week, created: datetime, fetched: datetime) -> None:
        assert account.id is not None
        rng = self.rng
        label = rng.choices(list(LABEL_WEIGHTS), weights=list(LABEL_WEIGHTS.values()))[0]
        first, last = rng.choice(words.FIRST), rng.choice(words.LAST)
        self.serial += 1
        comment = Comment(
            platform=account.platform,
            platform_id=f"seed-{account.id}-{self.serial}",
            account_id=account.id,
            school_id=account.school_id,
            post_id=f"seed-post-{account.id}-{week.label}",
            post_text="This week at school",
            author_id=f"seed-author-{rng.randint(1, 300)}",
            author_name=f"{first} {last}",
            author_username=None
            if account.platform == "facebook"
            else f"{first.lower()}{self.serial}",
            text=rng.choice(words.COMMENTS[label.value]),
            created_at=created,
            fetched_at=fetched,
        )
        self.session.add(comment)
        self.session.flush()
        assert comment.id is not None
        score = round(rng.uniform(0.72, 0.99), 3)
        self.session.add(
            Classification(
                comment_id=comment.id,
                label=label.value,
                scores={label.value: score},
                model="seed",
                version="demo",
                created_at=fetched,
            )
        )
        self.counts["comments"] += 1
        sure = score >= 0.8
        hide = label in (Label.SAFEGUARDING, Label.ABSENCE, Label.PERSONAL_DATA) or (
            label in (Label.ABUSE, Label.SPAM) and sure
        )
        queue = label not in (Label.OTHER, Label.SPAM) or (label is Label.SPAM and not sure)
        if label is Label.POSITIVE:
            queue = rng.random() < 0.5
        item = None
        if queue:
            item = QueueItem(
                comment_id=comment.id,
                school_id=account.school_id,
                label=label.value,
                status=QueueStatus.ESCALATED if label is Label.SAFEGUARDING else QueueStatus.OPEN,
                priority=label.precedence,
                suggested_reply=words.REPLIES.get(label.value),
                due_at=fetched + DUE_AFTER[label],
                created_at=fetched,
                updated_at=fetched,
            )
            self.session.add(item)
            self.session.flush()
            self.counts["queue_items"] += 1
        if hide:
            comment.hidden = True
            self._action(ActionKind.HIDE, comment, item, fetched + timedelta(seconds=20))
        if label is Label.SAFEGUARDING:
            self._action(ActionKind.ALERT, comment, item, fetched + timedelta(seconds=25))
        if item is not None:
            self._human(account, comment, item, label, hidden=hide)

    def _human(
        self, account: Account, comment: Comment, item: QueueItem, label: Label, hidden: bool
    ) -> None:
        # Every seeded item is closed: these comments are not in the simulator, so a reply or
        # hide on one would fail. Some were handled late, past their due time.
        rng = self.rng
        late = rng.random() < 0.1
        typical = 12 if label is Label.SAFEGUARDING else (24 * 60 if late else 95)
        minutes = min(rng.lognormvariate(math.log(typical), 0.8), 3 * 24 * 60)
        acted = comment.fetched_at + timedelta(minutes=minutes)
        latest = self.now - timedelta(minutes=5)
        if acted > latest:
            acted = max(comment.fetched_at + timedelta(minutes=1), latest)
        user = self.staff(account.school_id)
        item.first_human_action_at = acted
        item.updated_at = acted
        item.status = QueueStatus.DISMISSED if label is Label.SPAM else QueueStatus.HANDLED
        private = account.platform != "x"
        text = words.REPLIES.get(label.value)
        at = acted + timedelta(seconds=40)
        if label in (Label.QUESTION, Label.COMPLAINT, Label.POSITIVE):
            self._action(ActionKind.REPLY, comment, item, at, user, text)
        elif label in (Label.ABSENCE, Label.PERSONAL_DATA, Label.SAFEGUARDING):
            kind = ActionKind.PRIVATE_REPLY if private else ActionKind.REPLY
            self._action(kind, comment, item, at, user, text)
        elif not hidden:
            comment.hidden = True
            self._action(ActionKind.HIDE, comment, item, at, user)
        if label is Label.ABUSE and rng.random() < 0.2 and account.platform != "instagram":
            self._action(ActionKind.BLOCK, comment, item, at + timedelta(minutes=1), user)


def seed_history(
    session: Session, config: Config, now: datetime, rng: random.Random, *, weeks: int = 12
) -> SeedSummary:
    """Twelve weeks (and the days since) of snapshots and moderated comments, ending at ``now``.

    Run once on a fresh database: accounts that already have snapshots are left alone.
    """
    accounts = sync_config(session, config)
    seeder = _Seeder(session, config, now, rng)
    first_week = seeder.last_week.previous(weeks - 1)
    first_day = first_week.monday - timedelta(days=7)
    for index, school in enumerate(config.schools):
        for account_config in school.accounts:
            account = accounts[(account_config.platform.value, account_config.account_id)]
            assert account.id is not None
            seeded = session.exec(
                select(FollowerSnapshotRow.id).where(FollowerSnapshotRow.account_id == account.id)
            ).first()
            if seeded is not None:
                _LOGGER.info("account %s has history already: not seeded", account.id)
                continue
            seeder.snapshots(account, school, index, first_day)
            week = first_week
            while week.start < now:
                seeder.comments(account, week)
                week = week.previous(-1)
    session.flush()
    summary = SeedSummary(**seeder.counts)
    _LOGGER.info("seeded %s", summary)
    return summary
