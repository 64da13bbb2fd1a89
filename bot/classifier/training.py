"""Training the head: ``hallmonitor train DATA.csv... --out PATH``.

The committed ``data/head.npz`` is reproduced by the command in ``README.md ("The classifier")``.
A trust can add its own relabelled comments as another source and retrain.
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from bot.classifier.dataset import Example, LoadResult, read_sources
from bot.classifier.evaluation import Report
from bot.classifier.head import Head
from bot.labels import Label

_LOGGER = logging.getLogger(__name__)

# A hide-group label becomes primary at or above these scores (see fusion.decide).
# Safeguarding is lower: a missed disclosure costs far more than a false escalation.
# Abuse is higher when only the model sees it: slang ("sick", "mad") reads as profanity to it;
# explicit swearing and slurs reach 0.9+ through the rules anyway.
DEFAULT_DECISION: dict[Label, float] = {
    Label.SAFEGUARDING: 0.35,
    Label.ABUSE: 0.6,
    Label.ABSENCE: 0.5,
    Label.PERSONAL_DATA: 0.5,
    Label.SPAM: 0.5,
}
DEFAULT_C = 1.0


class TrainingError(Exception):
    """Training cannot run: no usable rows, or a label with no example at all."""


def train(
    specs: Sequence[str],
    regularisation: float = DEFAULT_C,
    decision: dict[Label, float] | None = None,
) -> tuple[Head, LoadResult]:
    """Fit the head on every usable row of the sources; report skipped rows back."""
    from sklearn.linear_model import LogisticRegression

    from bot.classifier.embedded import EmbeddedClassifier

    loaded = read_sources(list(specs))
    examples = loaded.examples
    counts = Counter(example.label for example in examples)
    missing = [label.value for label in Label if counts[label] == 0]
    if missing:
        raise TrainingError(f"no training rows for {', '.join(missing)}")
    started = time.perf_counter()
    _, features = EmbeddedClassifier().features([example.text for example in examples])
    targets = np.array([list(Label).index(example.label) for example in examples])
    weights = np.array([example.weight for example in examples])
    model = LogisticRegression(C=regularisation, max_iter=5000)
    model.fit(features, targets, sample_weight=weights)
    _LOGGER.info("trained on %d rows in %.1f s", len(examples), time.perf_counter() - started)
    thresholds = {**dict.fromkeys(Label, 0.5), **DEFAULT_DECISION, **(decision or {})}
    head = Head(
        coef=np.asarray(model.coef_, dtype=np.float32),
        intercept=np.asarray(model.intercept_, dtype=np.float32),
        decision=thresholds,
        meta=_describe(specs, examples, regularisation),
    )
    return head, loaded


def cross_validate(specs: Sequence[str], folds: int, regularisation: float = DEFAULT_C) -> Report:
    """K-fold estimate: the first source's rows are split (row i in fold i mod K), the other
    sources join every fold's training; the full pipeline (head and rules) is scored."""
    from sklearn.linear_model import LogisticRegression

    from bot.classifier.embedded import EmbeddedClassifier
    from bot.classifier.evaluation import score

    if folds < 2 or not specs:
        raise TrainingError("cross-validation needs at least 2 folds and one source")
    scored = read_sources([specs[0]]).examples
    always = read_sources(list(specs[1:])).examples
    if len(scored) < folds:
        raise TrainingError(f"{specs[0]}: fewer rows than folds")
    classifier = EmbeddedClassifier()
    _, scored_x = classifier.features([e.text for e in scored])
    _, always_x = classifier.features([e.text for e in always]) if always else (None, None)
    labels = list(Label)
    gold: list[Label] = []
    predicted: list[Label] = []
    seconds = 0.0
    for fold in range(folds):
        test = np.arange(len(scored)) % folds == fold
        rows = [e for e, held in zip(scored, test, strict=True) if not held] + always
        if len({e.label for e in rows}) < len(labels):
            raise TrainingError(f"fold {fold + 1} of {folds} lacks a label: use fewer folds")
        x = scored_x[~test] if always_x is None else np.vstack([scored_x[~test], always_x])
        model = LogisticRegression(C=regularisation, max_iter=5000)
        model.fit(x, [labels.index(e.label) for e in rows], sample_weight=[e.weight for e in rows])
        head = Head(
            coef=np.asarray(model.coef_, dtype=np.float32),
            intercept=np.asarray(model.intercept_, dtype=np.float32),
            decision={**dict.fromkeys(Label, 0.5), **DEFAULT_DECISION},
            meta={},
        )
        classifier.use_head(head)
        held_out = [e for e, held in zip(scored, test, strict=True) if held]
        started = time.perf_counter()
        predicted += [v.label for v in classifier.classify_sync([e.text for e in held_out])]
        seconds += time.perf_counter() - started
        gold += [e.label for e in held_out]
    return score(gold, predicted, seconds)


def train_to_file(specs: Sequence[str], out: Path, regularisation: float = DEFAULT_C) -> Head:
    head, _ = train(specs, regularisation)
    head.save(out)
    return head


def _describe(
    specs: Sequence[str], examples: list[Example], regularisation: float
) -> dict[str, object]:
    counts = Counter(example.label.value for example in examples)
    return {
        "sources": [spec.replace("\\", "/").split("/")[-1] for spec in specs],
        "rows": len(examples),
        "rows_per_label": dict(sorted(counts.items())),
        "model": "sklearn LogisticRegression (multinomial)",
        "C": regularisation,
        "features": "all-MiniLM-L6-v2 mean embedding (384) + alt-profanity-check probability",
    }
