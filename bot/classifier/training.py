"""``hallmonitor train``: sources in, a model directory (or a K-fold estimate) out.

Every source is split by ``dataset.in_calibration``: its ``fit`` part trains the network and
its ``calibration`` part chooses the thresholds. A spec that names a part keeps it whole on
the side that part belongs to. The evaluation set is never a source here.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from pathlib import Path

from bot.classifier.dataset import Example, Source, in_calibration, read_labelled
from bot.classifier.decision import decide
from bot.classifier.evaluation import Report, score
from bot.classifier.finetune import TrainingError, TrainSettings, calibrate, fit, train
from bot.classifier.inference import read
from bot.classifier.pii import personal_data
from bot.classifier.text import normalise
from bot.classifier.tokens import CommentTokenizer


def split_sources(specs: Sequence[str]) -> tuple[list[Example], list[Example], list[str]]:
    """(fit rows, calibration rows, problems) over every source."""
    fit_rows: list[Example] = []
    calibration_rows: list[Example] = []
    problems: list[str] = []
    for spec in specs:
        source = Source.parse(spec)
        loaded = read_labelled(source)
        problems += loaded.problems
        if source.part == "calibration":
            calibration_rows += loaded.examples
        elif source.part == "fit":
            fit_rows += loaded.examples
        else:
            for example in loaded.examples:
                (calibration_rows if in_calibration(example.text) else fit_rows).append(example)
    return fit_rows, calibration_rows, problems


def train_directory(
    specs: Sequence[str],
    out: Path,
    settings: TrainSettings,
    progress: Callable[[str], None],
) -> tuple[str, list[str]]:
    """Fine-tune, calibrate and write ``out``; returns (version, skipped-row problems)."""
    fit_rows, calibration_rows, problems = split_sources(specs)
    if not calibration_rows:
        raise TrainingError("no calibration rows: name a source without :fit")
    progress(f"fitting on {len(fit_rows)} rows, calibrating on {len(calibration_rows)}")
    # The closest training comments a verdict shows come from the first source (the
    # project's corpus), not from public tweets a champion should not have to read.
    shown, _, _ = split_sources(specs[:1])
    version = train(
        fit_rows,
        calibration_rows,
        out,
        settings,
        neighbour_examples=[e for e in shown if e.only is None],
        describe={"sources": [spec.replace("\\", "/").split("/")[-1] for spec in specs]},
        progress=progress,
    )
    return version, problems


def cross_validate(
    specs: Sequence[str],
    folds: int,
    settings: TrainSettings,
    progress: Callable[[str], None],
) -> Report:
    """K-fold estimate over the first source: each fold is fine-tuned and calibrated on the
    other folds (and every other source) and scored, detectors and thresholds included."""
    if folds < 2 or not specs:
        raise TrainingError("cross-validation needs at least 2 folds and one source")
    scored = read_labelled(Source.parse(specs[0])).examples
    extra_fit, extra_calibration, _ = split_sources(specs[1:])
    if len(scored) < folds:
        raise TrainingError(f"{specs[0]}: fewer rows than folds")
    tokenizer = CommentTokenizer()
    gold, predicted = [], []
    seconds = 0.0
    for fold in range(folds):
        held = [e for i, e in enumerate(scored) if i % folds == fold]
        rest = [e for i, e in enumerate(scored) if i % folds != fold]
        calibration_rows = [e for e in rest if in_calibration(e.text)] + extra_calibration
        fit_rows = [e for e in rest if not in_calibration(e.text)] + extra_fit
        progress(f"fold {fold + 1}/{folds}: fitting on {len(fit_rows)} rows")
        trained = fit(fit_rows, settings, progress)
        calibration, _ = calibrate(
            read(trained.net, tokenizer, [e.text for e in calibration_rows]), calibration_rows
        )
        started = time.perf_counter()
        readings = read(trained.net, tokenizer, [e.text for e in held])
        for example, reading in zip(held, readings, strict=True):
            findings = list(personal_data(normalise(example.text)))
            outcome = decide(reading.probabilities, reading.hide_score, findings, calibration)
            predicted.append(outcome.label)
            gold.append(example.label)
        seconds += time.perf_counter() - started
    return score(gold, predicted, seconds)
