"""Accuracy regression on the frozen evaluation set and the held-out real spam.

The floors sit just under the figures in README.md ("Measured figures"), so a retrained
model that reads unseen comments worse fails here. The evaluation set was written before
training and no threshold was chosen on it; these tests only guard against regressions.
"""

from __future__ import annotations

import hashlib

import pytest

from bot.classifier.commands import DATA, EVALUATION_SET
from bot.classifier.dataset import Source, read_labelled
from bot.classifier.embedded import EmbeddedClassifier
from bot.classifier.evaluation import Report, evaluate
from bot.labels import Label

FROZEN_SHA256 = "e1548b21ccd27eba84a007d9135c1699294e41efd5ec8b55a7cbc1412dd74bb0"


def test_the_evaluation_set_is_the_frozen_one() -> None:
    assert hashlib.sha256(EVALUATION_SET.read_bytes()).hexdigest() == FROZEN_SHA256


@pytest.fixture(scope="module")
def report(embedded: EmbeddedClassifier) -> Report:
    examples = read_labelled(Source.parse(str(EVALUATION_SET))).examples
    assert len(examples) == 1008
    return evaluate(embedded, examples)


@pytest.mark.slow
def test_disclosures_reach_the_dsl(report: Report) -> None:
    assert report.labels[Label.SAFEGUARDING].recall >= 0.97


@pytest.mark.slow
def test_the_hide_group_holds(report: Report) -> None:
    assert report.hide_recall >= 0.95
    assert report.hide_precision >= 0.90
    assert report.labels[Label.ABUSE].recall >= 0.87


@pytest.mark.slow
def test_macro_f1(report: Report) -> None:
    assert report.macro_f1 >= 0.88


@pytest.mark.slow
def test_real_comment_spam_it_never_trained_on(embedded: EmbeddedClassifier) -> None:
    held = Source.parse(f"{DATA / 'public' / 'tubespam_train.csv'}:calibration")
    spam = evaluate(embedded, read_labelled(held).examples).labels[Label.SPAM]
    assert spam.recall >= 0.85
    assert spam.precision >= 0.95
