"""Fine-tuning's loss for partial labels, and calibration chosen for the stakes."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from bot.classifier.dataset import Example
from bot.classifier.finetune import _loss, _targets, calibrate
from bot.classifier.inference import Reading
from bot.labels import Label

SPAM = list(Label).index(Label.SPAM)


def test_a_not_spam_row_only_pushes_probability_away_from_spam() -> None:
    rows = [Example("nice song", Label.OTHER, 2, only=Label.SPAM)]
    allowed, weights, smoothing = _targets(rows, smoothing=0.1)
    logits = torch.zeros((1, 9), requires_grad=True)
    loss = _loss(logits, allowed, weights, smoothing)
    assert loss.item() == pytest.approx(-math.log(8 / 9), abs=1e-5)
    loss.backward()  # type: ignore[no-untyped-call]
    assert logits.grad is not None
    gradient = logits.grad[0]
    assert gradient[SPAM] > 0  # descending lowers the spam logit...
    others = [value for index, value in enumerate(gradient.tolist()) if index != SPAM]
    assert max(others) == pytest.approx(min(others))  # ...and favours no other label


def test_a_full_row_is_smoothed_cross_entropy() -> None:
    rows = [Example("Is it PE today?", Label.QUESTION, 2)]
    allowed, weights, smoothing = _targets(rows, smoothing=0.0)
    logits = torch.tensor([[0.0] * 6 + [2.0] + [0.0] * 2])
    expected = torch.nn.functional.cross_entropy(logits, torch.tensor([6]))
    assert _loss(logits, allowed, weights, smoothing).item() == pytest.approx(expected.item())


def _reading(safeguarding: float, hide: float) -> Reading:
    probabilities = np.zeros(9, dtype=np.float32)
    probabilities[0] = safeguarding
    return Reading(probabilities, hide, np.zeros(384, dtype=np.float32))


def test_calibration_keeps_safeguarding_recall_and_hide_precision() -> None:
    rows, readings = [], []
    for index, p in enumerate(np.linspace(0.1, 0.9, 40)):
        rows.append(Example(f"sg {index}", Label.SAFEGUARDING, index))
        readings.append(_reading(float(p), float(p)))
    for index, p in enumerate(np.linspace(0.0, 0.6, 40)):
        rows.append(Example(f"q {index}", Label.QUESTION, 100 + index))
        readings.append(_reading(0.0, float(p)))
    calibration, measured = calibrate(readings, rows)
    assert measured["safeguarding_recall"] >= 0.97
    assert calibration.safeguarding <= 0.12
    assert measured["hide_precision"] >= 0.96


def test_partial_rows_do_not_count_in_calibration() -> None:
    rows = [Example("x", Label.OTHER, 1, only=Label.SPAM)]
    with pytest.raises(Exception, match="no fully labelled rows"):
        calibrate([_reading(0.0, 0.0)], rows)
