"""Combining the head's reading with the detectors into scores, a primary label and reasons.

Scores are combined by noisy-OR, ``1 - (1 - head) * (1 - rule)``: a strong rule (0.95)
decides on its own, a weak cue (0.6) needs the model to agree, and neither can lower what
the other found. The primary label is the first label, in the precedence order of
``LABELS.md``, whose score reaches its decision threshold; when no hide-group label does,
the likeliest keep-group label wins.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from bot.classifier.findings import Finding
from bot.classifier.verdict import Verdict
from bot.labels import HIDE_GROUP, Label

_LABELS = list(Label)
_KEEP = [label for label in _LABELS if label not in HIDE_GROUP]
_MAX_REASONS = 4
_REASON_FLOOR = 0.3


@dataclass(frozen=True, slots=True)
class Decision:
    """The fused outcome for one text, before it is wrapped in a ``Verdict``."""

    label: Label
    scores: dict[Label, float]
    reasons: tuple[str, ...]
    abuse_subtype: str | None

    def verdict(self, model: str, version: str) -> Verdict:
        return Verdict(
            label=self.label,
            scores=self.scores,
            reasons=self.reasons,
            model=model,
            version=version,
            abuse_subtype=self.abuse_subtype,
        )


def decide(
    head_scores: npt.NDArray[np.float32],
    findings: Sequence[Finding],
    decision: Mapping[Label, float],
    model_reason: str = "model",
) -> Decision:
    """Fuse one text's head scores (nine values, label order) with its findings."""
    strongest: dict[Label, Finding] = {}
    for finding in findings:
        best = strongest.get(finding.label)
        if best is None or finding.score > best.score:
            strongest[finding.label] = finding
    scores: dict[Label, float] = {}
    for index, label in enumerate(_LABELS):
        head = float(np.clip(head_scores[index], 0.0, 1.0))
        rule = strongest[label].score if label in strongest else 0.0
        scores[label] = round(1.0 - (1.0 - head) * (1.0 - rule), 4)
    primary = next(
        (label for label in _LABELS if label in HIDE_GROUP and scores[label] >= decision[label]),
        None,
    )
    if primary is None:
        primary = max(_KEEP, key=lambda label: scores[label])
    reasons = _reasons(primary, scores, head_scores, strongest, decision, model_reason)
    subtype = None
    if scores[Label.ABUSE] >= decision[Label.ABUSE]:
        abuse_finding = strongest.get(Label.ABUSE)
        subtype = (abuse_finding.subtype if abuse_finding else None) or "toxicity"
    return Decision(primary, scores, reasons, subtype)


def _reasons(
    primary: Label,
    scores: Mapping[Label, float],
    head_scores: npt.NDArray[np.float32],
    strongest: Mapping[Label, Finding],
    decision: Mapping[Label, float],
    model_reason: str,
) -> tuple[str, ...]:
    """Why the primary label, then what else was seen: rule findings quote the text."""
    ordered = [
        primary,
        *sorted(
            (label for label in _LABELS if label != primary and scores[label] >= _REASON_FLOOR),
            key=lambda label: -scores[label],
        ),
    ]
    reasons: list[str] = []
    for label in ordered:
        if label in strongest:
            reasons.append(strongest[label].reason)
        head = float(head_scores[_LABELS.index(label)])
        if head >= _REASON_FLOOR or label not in strongest:
            reasons.append(f"{model_reason} {head:.2f}: {label.value}")
        if label in HIDE_GROUP and label != primary and scores[label] < decision[label]:
            reasons[-1] += " (below threshold)"
    return tuple(dict.fromkeys(reasons))[:_MAX_REASONS]
