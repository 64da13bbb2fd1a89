"""One embedded classifier per test session: loading MiniLM once keeps the suite fast."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.classifier.embedded import EmbeddedClassifier

DATA = Path(__file__).resolve().parents[3].parent / "shared" / "data"
DEV = DATA / "school_comments_dev.csv"


@pytest.fixture(scope="session")
def embedded() -> Iterator[EmbeddedClassifier]:
    classifier = EmbeddedClassifier()
    classifier.load()
    yield classifier
    classifier.close()


@pytest.fixture(scope="session")
def dev_csv() -> Path:
    if not DEV.exists():
        pytest.skip(f"{DEV} not present")
    return DEV
