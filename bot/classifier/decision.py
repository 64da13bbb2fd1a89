"""From the network's probabilities to a primary label, chosen for the stakes.

The thresholds come from the calibration split of the training corpus (``finetune``), never
from the evaluation set:

- safeguarding is chosen for recall: a false alarm costs the DSL a minute, a miss can cost a
  child, so a modest probability of a disclosure is enough;
- the hide decision is made on the summed probability of the five hide labels, not only on
  the winning label: "hide or keep" is what the policy acts on, and a comment torn between
  abuse and spam is still one to hide;
- within the hide group the likeliest label wins; within the keep group likewise, so a
  complaint the model doubts stays a complaint (visible) rather than becoming abuse;
- a comment near the hide threshold, or one the model cannot place in the keep group, is
  marked uncertain and put in front of a person with "check the label".

The personal-data detectors (phone numbers, emails, postcodes, car registrations, dates of
birth, addresses) add to the personal-data probability by noisy-OR: structured data is what
patterns find better than a model.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass

import numpy as np
import numpy.typing as npt

from bot.classifier.findings import Finding
from bot.labels import HIDE_GROUP, Label

LABELS = list(Label)
HIDE_INDEX = [LABELS.index(label) for label in LABELS if label in HIDE_GROUP]
_KEEP = [label for label in LABELS if label not in HIDE_GROUP]
_HIDE_ONLY = [label for label in LABELS if label in HIDE_GROUP and label is not Label.SAFEGUARDING]


@dataclass(frozen=True, slots=True)
class Calibration:
    """The decision thresholds, stored with the model they were calibrated for."""

    safeguarding: float = 0.3
    hide: float = 0.5
    review_band: float = 0.15
    keep_floor: float = 0.45

    def as_json(self) -> dict[str, float]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: Mapping[str, object]) -> Calibration:
        fields = {name: float(str(data[name])) for name in cls.__dataclass_fields__ if name in data}
        return cls(**fields)


@dataclass(frozen=True, slots=True)
class Decision:
    """One text's outcome before it is wrapped in a ``Verdict``."""

    label: Label
    scores: dict[Label, float]
    hide_score: float
    uncertain: bool
    reasons: tuple[str, ...]
    abuse_subtype: str | None


def fuse(
    probabilities: npt.NDArray[np.float32], hide_score: float, findings: Sequence[Finding]
) -> tuple[npt.NDArray[np.float32], float, dict[Label, Finding]]:
    """Scores and hide score after the detectors' findings (noisy-OR), and the strongest."""
    scores = np.clip(np.asarray(probabilities, dtype=np.float32), 0.0, 1.0).copy()
    hide = float(np.clip(hide_score, 0.0, 1.0))
    strongest: dict[Label, Finding] = {}
    for finding in findings:
        best = strongest.get(finding.label)
        if best is None or finding.score > best.score:
            strongest[finding.label] = finding
    for label, finding in strongest.items():
        index = LABELS.index(label)
        before = float(scores[index])
        scores[index] = 1.0 - (1.0 - before) * (1.0 - finding.score)
        if label in HIDE_GROUP:
            hide = min(1.0, hide + float(scores[index]) - before)
    return scores, hide, strongest


def primaries(
    scores: npt.NDArray[np.float32], hide: npt.NDArray[np.float32], calibration: Calibration
) -> npt.NDArray[np.int64]:
    """The primary label's index for each row of fused scores: the one rule, vectorised."""
    hide_only = np.array([LABELS.index(label) for label in _HIDE_ONLY])
    keep = np.array([LABELS.index(label) for label in _KEEP])
    chosen = np.where(
        hide >= calibration.hide,
        hide_only[scores[:, hide_only].argmax(axis=1)],
        keep[scores[:, keep].argmax(axis=1)],
    )
    result: npt.NDArray[np.int64] = np.where(
        scores[:, 0] >= calibration.safeguarding, 0, chosen
    ).astype(np.int64)
    return result


def decide(
    probabilities: npt.NDArray[np.float32],
    hide_score: float,
    findings: Sequence[Finding],
    calibration: Calibration,
    similar: Sequence[str] = (),
) -> Decision:
    """The primary label for one text's nine probabilities (label order) and its findings.

    ``hide_score`` is the summed probability of the hide labels (``inference.Reading``).
    """
    fused, hide_score, strongest = fuse(probabilities, hide_score, findings)
    index = int(primaries(fused[None], np.array([hide_score], np.float32), calibration)[0])
    primary = LABELS[index]
    scores = {label: float(fused[i]) for i, label in enumerate(LABELS)}
    uncertain = primary is not Label.SAFEGUARDING and (
        abs(hide_score - calibration.hide) < calibration.review_band
        or (primary not in HIDE_GROUP and scores[primary] < calibration.keep_floor)
    )
    reasons = _reasons(primary, scores, hide_score, strongest, similar, uncertain)
    subtype = None
    if primary is Label.ABUSE or (
        primary is Label.SAFEGUARDING and scores[Label.ABUSE] >= calibration.hide
    ):
        abuse = strongest.get(Label.ABUSE)
        subtype = (abuse.subtype if abuse else None) or "toxicity"
    rounded = {label: round(value, 4) for label, value in scores.items()}
    return Decision(primary, rounded, round(hide_score, 4), uncertain, reasons, subtype)


def _reasons(
    primary: Label,
    scores: Mapping[Label, float],
    hide_score: float,
    strongest: Mapping[Label, Finding],
    similar: Sequence[str],
    uncertain: bool,
) -> tuple[str, ...]:
    """The label's probability, what a detector found, and the closest training comments."""
    reasons = [f"model: {primary.value} {scores[primary]:.0%}, hide group {hide_score:.0%}"]
    if uncertain:
        reasons.append("check the label: the model is unsure")
    reasons += [finding.reason for finding in strongest.values()]
    runner_up = max((label for label in LABELS if label is not primary), key=scores.__getitem__)
    if scores[runner_up] >= 0.2:
        reasons.append(f"also possible: {runner_up.value} {scores[runner_up]:.0%}")
    reasons += [f"like: {text}" for text in similar]
    return tuple(dict.fromkeys(reasons))
