"""Measuring a classifier on a labelled CSV: ``hallmonitor eval FILE.csv [--json]``."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass

from bot.classifier.base import Classifier
from bot.classifier.dataset import Example
from bot.labels import HIDE_GROUP, Label

_BATCH = 256


@dataclass(frozen=True, slots=True)
class LabelScore:
    precision: float
    recall: float
    f1: float
    support: int


@dataclass(frozen=True)
class Report:
    """Everything ``eval`` prints; ``as_json`` is the ``--json`` object."""

    n: int
    accuracy: float
    macro_f1: float
    labels: dict[Label, LabelScore]
    hide_precision: float
    hide_recall: float
    confusion: dict[Label, dict[Label, int]]
    comments_per_second: float

    @property
    def complaints_hidden(self) -> float:
        """The share of complaints put in the hide group: a fair complaint must stay public."""
        row = self.confusion[Label.COMPLAINT]
        total = sum(row.values())
        return _ratio(sum(n for label, n in row.items() if label in HIDE_GROUP), total)

    def as_json(self) -> dict[str, object]:
        return {
            "n": self.n,
            "accuracy": round(self.accuracy, 4),
            "macro_f1": round(self.macro_f1, 4),
            "labels": {
                label.value: {
                    "precision": round(score.precision, 4),
                    "recall": round(score.recall, 4),
                    "f1": round(score.f1, 4),
                    "support": score.support,
                }
                for label, score in self.labels.items()
            },
            "hide": {
                "precision": round(self.hide_precision, 4),
                "recall": round(self.hide_recall, 4),
            },
            "complaints_hidden": round(self.complaints_hidden, 4),
            "confusion": {
                gold.value: {predicted.value: count for predicted, count in row.items()}
                for gold, row in self.confusion.items()
            },
            "comments_per_second": round(self.comments_per_second, 1),
        }

    def as_text(self) -> str:
        lines = [f"{'label':<14} {'precision':>9} {'recall':>7} {'f1':>6} {'support':>8}"]
        for label, score in self.labels.items():
            lines.append(
                f"{label.value:<14} {score.precision:>9.3f} {score.recall:>7.3f} "
                f"{score.f1:>6.3f} {score.support:>8}"
            )
        lines += [
            "",
            f"comments       {self.n}",
            f"accuracy       {self.accuracy:.3f}",
            f"macro F1       {self.macro_f1:.3f}  (over labels present in the file)",
            f"hide group     precision {self.hide_precision:.3f}  recall {self.hide_recall:.3f}"
            "  (labels 1-5 against 6-9)",
            f"complaints hidden {self.complaints_hidden:.3f}  (share of complaints put in 1-5)",
            f"speed          {self.comments_per_second:.1f} comments/second",
            "",
            "confusion (rows: gold, columns: predicted)",
        ]
        short = [label.value[:6] for label in Label]
        lines.append(f"{'':<14}" + "".join(f"{name:>7}" for name in short))
        for gold in Label:
            lines.append(
                f"{gold.value:<14}" + "".join(f"{self.confusion[gold][p]:>7}" for p in Label)
            )
        return "\n".join(lines)


def _ratio(numerator: int, denominator: int) -> float:
    return numerator / denominator if denominator else 0.0


def score(gold: Sequence[Label], predicted: Sequence[Label], seconds: float) -> Report:
    """Per-label precision/recall/F1, macro F1 over labels with support, the hide group."""
    confusion = {g: dict.fromkeys(Label, 0) for g in Label}
    for g, p in zip(gold, predicted, strict=True):
        confusion[g][p] += 1
    labels: dict[Label, LabelScore] = {}
    for label in Label:
        tp = confusion[label][label]
        predicted_count = sum(confusion[g][label] for g in Label)
        support = sum(confusion[label].values())
        precision, recall = _ratio(tp, predicted_count), _ratio(tp, support)
        f1 = _ratio(int(2 * tp), predicted_count + support)
        labels[label] = LabelScore(precision, recall, f1, support)
    present = [s.f1 for s in labels.values() if s.support]
    hide_tp = sum(
        1 for g, p in zip(gold, predicted, strict=True) if g in HIDE_GROUP and p in HIDE_GROUP
    )
    hide_predicted = sum(1 for p in predicted if p in HIDE_GROUP)
    hide_gold = sum(1 for g in gold if g in HIDE_GROUP)
    correct = sum(1 for g, p in zip(gold, predicted, strict=True) if g == p)
    return Report(
        n=len(gold),
        accuracy=_ratio(correct, len(gold)),
        macro_f1=sum(present) / len(present) if present else 0.0,
        labels=labels,
        hide_precision=_ratio(hide_tp, hide_predicted),
        hide_recall=_ratio(hide_tp, hide_gold),
        confusion=confusion,
        comments_per_second=len(gold) / seconds if seconds > 0 else 0.0,
    )


def evaluate(classifier: Classifier, examples: Sequence[Example]) -> Report:
    """Classify every example in batches and score the primary labels; loading is not timed."""
    classifier.load()
    predicted: list[Label] = []
    started = time.perf_counter()
    for begin in range(0, len(examples), _BATCH):
        batch = examples[begin : begin + _BATCH]
        predicted.extend(v.label for v in classifier.classify_sync([e.text for e in batch]))
    seconds = time.perf_counter() - started
    return score([e.label for e in examples], predicted, seconds)
