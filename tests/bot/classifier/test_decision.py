"""The decision for the stakes: safeguarding by recall, hiding on the summed probability."""

from __future__ import annotations

import numpy as np
import pytest

from bot.classifier.decision import HIDE_INDEX, Calibration, decide
from bot.classifier.findings import Finding
from bot.classifier.verdict import Verdict
from bot.labels import Label

CALIBRATION = Calibration(safeguarding=0.25, hide=0.5, review_band=0.1, keep_floor=0.45)


def _probabilities(**values: float) -> np.ndarray:
    probabilities = np.zeros(9, dtype=np.float32)
    for name, value in values.items():
        probabilities[list(Label).index(Label(name))] = value
    rest = 1.0 - probabilities.sum()
    probabilities[list(Label).index(Label.OTHER)] += rest
    return probabilities


def _decide(findings: tuple[Finding, ...] = (), **values: float):  # type: ignore[no-untyped-def]
    probabilities = _probabilities(**values)
    return decide(probabilities, float(probabilities[HIDE_INDEX].sum()), findings, CALIBRATION)


def test_a_modest_safeguarding_probability_is_enough() -> None:
    outcome = _decide(safeguarding=0.3, complaint=0.6)
    assert outcome.label is Label.SAFEGUARDING
    assert not outcome.uncertain  # a disclosure goes to the DSL, not to a label check


def test_hide_is_decided_on_the_summed_hide_probability() -> None:
    # No single hide label beats the complaint, but together they are 0.6 of the mass.
    outcome = _decide(abuse=0.32, spam=0.28, complaint=0.4)
    assert outcome.label is Label.ABUSE
    assert outcome.hide_score == pytest.approx(0.6, abs=1e-4)


def test_a_complaint_below_the_hide_threshold_stays_a_complaint() -> None:
    outcome = _decide(abuse=0.2, complaint=0.75)
    assert outcome.label is Label.COMPLAINT
    assert not Label(outcome.label).hide_group


def test_near_the_hide_threshold_asks_a_person_to_check_the_label() -> None:
    near = _decide(abuse=0.45, complaint=0.5)
    assert near.label is Label.COMPLAINT
    assert near.uncertain
    assert "check the label: the model is unsure" in near.reasons
    assert not _decide(abuse=0.05, complaint=0.9).uncertain


def test_a_keep_label_the_model_cannot_place_is_uncertain() -> None:
    assert _decide(question=0.3, positive=0.3, complaint=0.3).uncertain


def test_a_detector_finding_raises_personal_data_and_the_hide_score() -> None:
    phone = Finding(Label.PERSONAL_DATA, 0.97, "phone number 07700 900123")
    outcome = _decide((phone,), question=0.8)
    assert outcome.label is Label.PERSONAL_DATA
    assert outcome.hide_score >= 0.9
    assert "phone number 07700 900123" in outcome.reasons


def test_reasons_give_the_probability_and_the_similar_training_comments() -> None:
    probabilities = _probabilities(question=0.9)
    outcome = decide(probabilities, 0.0, (), CALIBRATION, ["«Is it PE today?» (question)"])
    assert outcome.reasons[0] == "model: question 90%, hide group 0%"
    assert "like: «Is it PE today?» (question)" in outcome.reasons


def test_abuse_subtype_comes_from_the_finding() -> None:
    threat = Finding(Label.ABUSE, 0.9, "detoxify threat 90%", "threat")
    assert _decide((threat,), abuse=0.7).abuse_subtype == "threat"
    assert _decide(abuse=0.7).abuse_subtype == "toxicity"
    assert _decide(question=0.9).abuse_subtype is None


def test_calibration_round_trips_through_json() -> None:
    assert Calibration.from_json(CALIBRATION.as_json()) == CALIBRATION


def test_verdict_holds_all_nine_scores_read_only() -> None:
    scores = dict.fromkeys(Label, 0.1)
    verdict = Verdict(Label.QUESTION, scores, ("r",), "m", "v", hide_score=0.2, uncertain=True)
    assert verdict.score == pytest.approx(0.1)
    assert verdict.uncertain
    assert not verdict.hide_group
    with pytest.raises(TypeError):
        verdict.scores[Label.ABUSE] = 1.0  # type: ignore[index]
    with pytest.raises(ValueError, match="scores lack"):
        Verdict(Label.QUESTION, {Label.QUESTION: 1.0}, (), "m", "v")
