"""The small trained head: a linear layer over sentence embeddings, stored as plain arrays.

A ``.npz`` of a few kilobytes, not a pickle: loading it runs no code, and a trust can
inspect or diff it. The file also carries the per-label decision thresholds chosen at
training time and a description of the data it was trained on.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from bot.labels import Label

FloatArray = npt.NDArray[np.float32]

DEFAULT_HEAD = Path(__file__).resolve().parent / "data" / "head.npz"
_FORMAT = 1


class HeadError(Exception):
    """The head file is missing, corrupt or was written for other labels or features."""


@dataclass(frozen=True)
class Head:
    """Multinomial logistic regression over [embedding, profanity probability]."""

    coef: FloatArray  # (labels, features)
    intercept: FloatArray  # (labels,)
    decision: dict[Label, float]  # a hide label becomes primary at or above this score
    meta: dict[str, Any]

    @property
    def version(self) -> str:
        """Content hash: two heads with the same weights and thresholds have the same version."""
        thresholds = np.array([self.decision.get(label, 0.5) for label in Label], np.float32)
        digest = hashlib.sha256(
            self.coef.tobytes() + self.intercept.tobytes() + thresholds.tobytes()
        ).hexdigest()
        return digest[:12]

    @property
    def features(self) -> int:
        return int(self.coef.shape[1])

    def probabilities(self, features: FloatArray) -> FloatArray:
        """Softmax over the nine labels for each row of ``features``."""
        logits = features @ self.coef.T + self.intercept
        logits -= logits.max(axis=1, keepdims=True)
        exp = np.exp(logits)
        return np.asarray(exp / exp.sum(axis=1, keepdims=True), dtype=np.float32)

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("wb") as handle:
            np.savez_compressed(
                handle,
                format=np.array(_FORMAT),
                labels=np.array([label.value for label in Label]),
                coef=self.coef.astype(np.float32),
                intercept=self.intercept.astype(np.float32),
                decision=np.array([self.decision.get(label, 0.5) for label in Label], np.float32),
                meta=np.array(json.dumps(self.meta, sort_keys=True)),
            )

    @classmethod
    def load(cls, path: Path | None = None) -> Head:
        source = path or DEFAULT_HEAD
        try:
            with np.load(source, allow_pickle=False) as data:
                if int(data["format"]) != _FORMAT:
                    raise HeadError(
                        f"{source}: head format {int(data['format'])}, expected {_FORMAT}"
                    )
                labels = [str(value) for value in data["labels"]]
                coef = np.asarray(data["coef"], dtype=np.float32)
                intercept = np.asarray(data["intercept"], dtype=np.float32)
                decision = [float(value) for value in data["decision"]]
                meta = json.loads(str(data["meta"]))
        except (OSError, KeyError, ValueError) as exc:
            raise HeadError(f"{source}: cannot read the classifier head: {exc}") from exc
        if labels != [label.value for label in Label] or coef.shape[0] != len(Label):
            raise HeadError(f"{source}: head was trained for labels {labels}")
        return cls(coef, intercept, dict(zip(Label, decision, strict=True)), meta)
