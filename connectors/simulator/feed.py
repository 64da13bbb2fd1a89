"""The feed: realistic comments from the project's own corpus, posted on a seeded schedule."""

from __future__ import annotations

import asyncio
import csv
import logging
import random
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from connectors.simulator.state import SimAccount, SimItem, SimState, now_seconds

_LOGGER = logging.getLogger(__name__)

CORPUS_PATH = Path(__file__).with_name("corpus.csv")

FIRST_NAMES = [
    "Sarah", "Gemma", "Dave", "Priya", "Tom", "Aisha", "Kerry", "Mohammed", "Lauren", "Gareth",
    "Siobhan", "Wei", "Claire", "Darren", "Fatima", "Rhys", "Joanne", "Tariq", "Hannah", "Craig",
]  # fmt: skip
LAST_NAMES = [
    "Jones", "Patel", "Smith", "Okafor", "Williams", "Khan", "Evans", "Murphy", "Taylor", "Chen",
    "Brown", "Hughes", "Begum", "Walsh", "Roberts", "Nowak", "Davies", "Ali", "Clarke", "Wright",
]  # fmt: skip
POST_TEXTS = [
    "What a brilliant sports day! Thank you to all our families for coming along.",
    "Reminder: school closes at 1.30pm on Friday for the end of term.",
    "Year 6 had a fantastic time on their residential trip this week.",
    "Our choir performed at the town hall last night. So proud of them!",
    "Parents' evening bookings are now open on the school app.",
    "Congratulations to our under-11s football team on reaching the county final.",
    "Please remember that Monday is an INSET day and school is closed to pupils.",
    "Our new library is open! Thank you to the PTA for their fundraising.",
]


@dataclass(frozen=True, slots=True)
class CorpusLine:
    text: str
    label: str


def load_corpus(path: Path = CORPUS_PATH) -> list[CorpusLine]:
    with path.open(encoding="utf-8", newline="") as handle:
        return [CorpusLine(row["text"], row["label"]) for row in csv.DictReader(handle)]


class Feed:
    """Posts comments from the corpus as if people had written them."""

    def __init__(
        self,
        state: SimState,
        *,
        rate_per_minute: float = 0.0,
        seed: int = 0,
        corpus: list[CorpusLine] | None = None,
    ) -> None:
        self.state = state
        self.rate_per_minute = rate_per_minute
        self.rng = random.Random(seed)  # noqa: S311 - a seeded feed, not cryptography
        self.corpus = corpus if corpus is not None else load_corpus()

    def reseed(self, seed: int) -> None:
        self.rng = random.Random(seed)  # noqa: S311 - a seeded feed, not cryptography

    def person(self) -> dict[str, str]:
        first, last = self.rng.choice(FIRST_NAMES), self.rng.choice(LAST_NAMES)
        number = self.rng.randrange(1_000_000, 9_999_999)
        return {
            "id": str(number),
            "name": f"{first} {last}",
            "username": f"{first}{last}{number % 97}".lower(),
        }

    def seed_posts(self, per_account: int, comments_per_post: int = 0) -> None:
        """Give every account ``per_account`` posts over the last few days."""
        now = now_seconds()
        for account in self.state.accounts:
            for n in range(per_account):
                age = timedelta(hours=(per_account - n) * 72 / max(per_account, 1))
                post = self.state.add_post(account, POST_TEXTS[n % len(POST_TEXTS)], now - age)
                for k in range(comments_per_post):
                    line = self.rng.choice(self.corpus)
                    created = post.created + timedelta(minutes=5 * (k + 1))
                    self.state.add_comment(
                        account, line.text, author=self.person(), post=post.id, created=created
                    )

    def post_one(self, account: SimAccount | None = None) -> SimItem:
        """One comment (or, one time in four, a reply to another comment) from the corpus."""
        account = account or self.rng.choice(self.state.accounts)
        posts = sorted(self.state.posts(account), key=lambda p: p.created)[-5:]
        post = self.rng.choice(posts) if posts else self.state.add_post(account, POST_TEXTS[0])
        line = self.rng.choice(self.corpus)
        others = [
            c
            for c in self.state.comments_on(post, stream=True)
            if c.author_id != account.account_id
        ]
        parent = self.rng.choice(others).id if others and self.rng.random() < 0.25 else None
        return self.state.add_comment(
            account, line.text, author=self.person(), post=post.id, parent=parent
        )

    async def run(self) -> None:
        """Post at ``rate_per_minute`` on average until cancelled."""
        if self.rate_per_minute <= 0:
            return
        while True:
            await asyncio.sleep(self.rng.expovariate(self.rate_per_minute / 60.0))
            comment = self.post_one()
            _LOGGER.debug("Feed posted %s comment %s", comment.platform.value, comment.id)
