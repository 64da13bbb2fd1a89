"""The classifier's answer for one comment."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from bot.labels import Label


@dataclass(frozen=True, slots=True)
class Verdict:
    """One comment's primary label, a score per label and reasons a champion can check.

    ``scores`` holds all nine labels in [0, 1]; they are independent strengths, not a
    distribution, because a comment can be several things at once (an absence and a question).
    ``label`` is the first label in precedence order whose score reached its decision
    threshold, so a disclosure inside a thank-you still comes out as safeguarding.
    ``abuse_subtype`` (toxicity, insult, threat, identity_attack, obscene, sexual_explicit,
    defamation) is set whenever the abuse score reached its threshold, even when a label
    of higher precedence is primary: a disclosure full of swearing is still both.
    ``hide_score`` is the summed probability of the five hide labels, on which the hide
    decision is made; ``uncertain`` asks a person to check the label.
    """

    label: Label
    scores: Mapping[Label, float]
    reasons: tuple[str, ...]
    model: str
    version: str
    abuse_subtype: str | None = None
    hide_score: float = 0.0
    uncertain: bool = False
    hide_group: bool = field(init=False)

    def __post_init__(self) -> None:
        missing = [label.value for label in Label if label not in self.scores]
        if missing:
            raise ValueError(f"scores lack {', '.join(missing)}")
        frozen = MappingProxyType({label: float(self.scores[label]) for label in Label})
        object.__setattr__(self, "scores", frozen)
        object.__setattr__(self, "hide_group", self.label.hide_group)

    @property
    def score(self) -> float:
        """The primary label's score, which the policy compares with its thresholds."""
        return self.scores[self.label]
