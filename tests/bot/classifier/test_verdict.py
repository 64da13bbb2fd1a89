"""Verdict shape and the precedence of labels when several apply."""

from __future__ import annotations

import numpy as np
import pytest

from bot.classifier.findings import Finding
from bot.classifier.fusion import decide
from bot.classifier.verdict import Verdict
from bot.labels import Label

DECISION = dict.fromkeys(Label, 0.5)


def _head(**scores: float) -> np.ndarray:
    return np.array([scores.get(label.value, 0.0) for label in Label], dtype=np.float32)


def test_verdict_holds_all_nine_scores_read_only() -> None:
    verdict = Verdict(Label.QUESTION, dict.fromkeys(Label, 0.1), ("x",), "embedded", "v1")
    assert set(verdict.scores) == set(Label)
    assert verdict.hide_group is False
    assert verdict.score == pytest.approx(0.1)
    with pytest.raises(TypeError):
        verdict.scores[Label.ABUSE] = 1.0  # type: ignore[index]


def test_verdict_rejects_missing_scores() -> None:
    with pytest.raises(ValueError, match="scores lack"):
        Verdict(Label.OTHER, {Label.OTHER: 1.0}, (), "embedded", "v1")


def test_safeguarding_wins_over_abuse_when_both_apply() -> None:
    findings = [
        Finding(Label.ABUSE, 0.95, "swearing: 'f***ing'"),
        Finding(Label.SAFEGUARDING, 0.9, "a child hurt: 'punched'"),
    ]
    decision = decide(_head(complaint=0.6), findings, DECISION)
    assert decision.label is Label.SAFEGUARDING
    assert decision.abuse_subtype == "toxicity"  # the rule named no subtype
    assert decision.reasons[0] == "a child hurt: 'punched'"
    assert decision.scores[Label.ABUSE] >= 0.95


def test_hide_label_below_its_threshold_does_not_win() -> None:
    decision = decide(_head(spam=0.3, question=0.4), [], DECISION)
    assert decision.label is Label.QUESTION


def test_keep_group_is_the_likeliest_keep_label() -> None:
    decision = decide(_head(positive=0.7, other=0.2), [], DECISION)
    assert decision.label is Label.POSITIVE
    assert decision.reasons == ("model 0.70: positive",)


def test_weak_rule_needs_the_model_to_agree() -> None:
    weak = [Finding(Label.SPAM, 0.45, "link to an unknown site example.com")]
    assert decide(_head(question=0.5), weak, DECISION).label is Label.QUESTION
    assert decide(_head(spam=0.2, question=0.5), weak, DECISION).label is Label.SPAM


def test_absence_outranks_personal_data_and_question() -> None:
    findings = [
        Finding(Label.PERSONAL_DATA, 0.6, "medical detail"),
        Finding(Label.ABSENCE, 0.93, "a pupil not coming in: 'won't be in'"),
    ]
    assert decide(_head(question=0.8), findings, DECISION).label is Label.ABSENCE


def test_abuse_subtype_is_kept_when_a_higher_label_wins() -> None:
    findings = [
        Finding(Label.ABUSE, 0.93, "masked swear word: 'f***ing'", "obscene"),
        Finding(Label.SAFEGUARDING, 0.9, "a child hurt: 'punched'"),
    ]
    decision = decide(_head(), findings, DECISION)
    assert (decision.label, decision.abuse_subtype) == (Label.SAFEGUARDING, "obscene")
    assert decide(_head(question=0.9), [], DECISION).abuse_subtype is None
