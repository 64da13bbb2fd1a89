"""Accuracy regression on the fixed holdout of ``school_comments_dev.csv`` (never trained on).

The holdout is every third row of each label (``dataset.Source`` part ``holdout``): 90 rows.
The targets are the ones issue 4 sets; the measured figures are in README.md ("The classifier").
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.classifier.dataset import Source, read_labelled
from bot.classifier.embedded import EmbeddedClassifier
from bot.classifier.evaluation import Report, evaluate
from bot.labels import Label

from .conftest import DATA


@pytest.fixture(scope="module")
def holdout_report(embedded: EmbeddedClassifier, dev_csv: Path) -> Report:
    examples = read_labelled(Source.parse(f"{dev_csv}:holdout")).examples
    assert len(examples) == 90
    return evaluate(embedded, examples)


def test_safeguarding_and_absence_recall(holdout_report: Report) -> None:
    assert holdout_report.labels[Label.SAFEGUARDING].recall >= 0.95
    assert holdout_report.labels[Label.ABSENCE].recall >= 0.95


def test_hide_group_precision_and_recall(holdout_report: Report) -> None:
    assert holdout_report.hide_precision >= 0.95
    assert holdout_report.hide_recall >= 0.95


def test_macro_f1(holdout_report: Report) -> None:
    assert holdout_report.macro_f1 >= 0.85


def test_abuse_f1_on_davidson_holdout_sample(embedded: EmbeddedClassifier) -> None:
    path = DATA / "davidson2017_tweets.csv"
    if not path.exists():
        pytest.skip(f"{path} not present")
    # 600 tweets spread evenly over the holdout part (the whole part: README, "The classifier").
    examples = read_labelled(Source.parse(f"{path}:holdout:max=600")).examples
    report = evaluate(embedded, examples)
    assert report.labels[Label.ABUSE].f1 >= 0.90
