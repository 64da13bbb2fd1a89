"""Fine-tuning MiniLM end to end on the labelled corpus, and calibrating its thresholds.

``hallmonitor train`` runs ``train``: it fits on the ``fit`` part of the corpus (and the public
data sets), then chooses every decision threshold on the ``calibration`` part, which the
network never saw. The evaluation set plays no part in either step.

Rows from a source marked ``only=LABEL`` say only "this is (not) LABEL": their loss is the
log-probability of the labels they allow, so TubeSpam's not-spam rows push probability away
from spam without claiming that a YouTube comment is "other".
"""

from __future__ import annotations

import logging
import math
import random
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch.nn import functional

from bot.classifier import model_files
from bot.classifier.dataset import Example
from bot.classifier.decision import Calibration, fuse, primaries
from bot.classifier.inference import Reading, read
from bot.classifier.network import CommentNet, for_inference, from_state
from bot.classifier.pii import personal_data
from bot.classifier.text import normalise
from bot.classifier.tokens import WINDOW, CommentTokenizer, pad
from bot.labels import HIDE_GROUP, Label

_LOGGER = logging.getLogger(__name__)
_LABELS = list(Label)
_SG = _LABELS.index(Label.SAFEGUARDING)

# The stakes, as the calibration split measures them (README, "Thresholds for the stakes").
SAFEGUARDING_RECALL = 0.95
HIDE_PRECISION = 0.94
_SG_GRID = [0.01, 0.02, 0.03, 0.04, 0.05, 0.06, 0.08, 0.1, 0.12, 0.15, 0.2, 0.25, 0.3, 0.4, 0.5]
_HIDE_GRID = [round(0.05 * step, 2) for step in range(4, 17)]


class TrainingError(Exception):
    """Training cannot run: no usable rows, or a label with no example at all."""


@dataclass(frozen=True)
class TrainSettings:
    """How the network is fitted; the defaults rebuild the committed model."""

    epochs: int = 3
    batch_size: int = 32
    encoder_lr: float = 8e-5
    head_lr: float = 2e-3
    weight_decay: float = 0.01
    label_smoothing: float = 0.05
    warmup: float = 0.06
    seed: int = 13
    window: int = WINDOW
    threads: int | None = None


@dataclass
class Trained:
    net: CommentNet
    seconds: float
    rows: int
    notes: dict[str, Any] = field(default_factory=dict)


def _training_ids(
    tokenizer: CommentTokenizer, texts: Sequence[str], window: int
) -> list[list[int]]:
    """One window per row: long rows keep their head and tail, where comments decide."""
    windows = tokenizer.windows(texts, window=100_000)
    inner = window - 2
    out = []
    for ids in windows.ids:
        body = ids[1:-1]
        if len(body) > inner:
            body = body[: inner // 2] + body[-(inner - inner // 2) :]
        out.append([ids[0], *body, ids[-1]])
    return out


def fit(
    examples: Sequence[Example],
    settings: TrainSettings = TrainSettings(),
    progress: Callable[[str], None] = _LOGGER.info,
) -> Trained:
    """Fine-tune a fresh network, starting from the packaged MiniLM weights."""
    counts = Counter(e.label for e in examples if not e.partial)
    missing = [label.value for label in Label if counts[label] == 0]
    if missing:
        raise TrainingError(f"no training rows for {', '.join(missing)}")
    if settings.threads:
        torch.set_num_threads(settings.threads)
    torch.manual_seed(settings.seed)
    shuffler = random.Random(settings.seed)  # noqa: S311 - reproducible order, not secrecy
    tokenizer = CommentTokenizer()
    ids = _training_ids(tokenizer, [e.text for e in examples], settings.window)
    allowed, weights, smoothing = _targets(examples, settings.label_smoothing)
    net = CommentNet()
    net.load_pretrained()
    net.train()
    head = list(net.classifier.parameters())
    encoder = [
        p for n, p in net.named_parameters() if p.requires_grad and not n.startswith("classifier")
    ]
    optimiser = torch.optim.AdamW(
        [
            {"params": encoder, "lr": settings.encoder_lr},
            {"params": head, "lr": settings.head_lr},
        ],
        weight_decay=settings.weight_decay,
    )
    steps_per_epoch = math.ceil(len(examples) / settings.batch_size)
    total = steps_per_epoch * settings.epochs
    warmup = max(1, int(total * settings.warmup))

    def schedule(step: int) -> float:
        """Linear warm-up, then linear decay to zero at the last step."""
        return min((step + 1) / warmup, max(0.0, (total - step) / max(1, total - warmup)))

    scheduler = torch.optim.lr_scheduler.LambdaLR(optimiser, schedule)
    started = time.perf_counter()
    step = 0
    for epoch in range(settings.epochs):
        for batch in _batches(ids, settings.batch_size, shuffler):
            tokens, mask = pad([ids[i] for i in batch])
            logits, _ = net(tokens, mask)
            loss = _loss(logits, allowed[batch], weights[batch], smoothing[batch])
            loss.backward()  # type: ignore[no-untyped-call]
            torch.nn.utils.clip_grad_norm_(net.parameters(), 1.0)
            optimiser.step()
            scheduler.step()
            optimiser.zero_grad(set_to_none=True)
            step += 1
            if step % 25 == 0 or step == total:
                elapsed = time.perf_counter() - started
                progress(
                    f"epoch {epoch + 1}/{settings.epochs} step {step}/{total} "
                    f"loss {loss.item():.3f} {elapsed:.0f}s elapsed, "
                    f"about {elapsed / step * (total - step):.0f}s left"
                )
    net.eval()
    return Trained(net, time.perf_counter() - started, len(examples))


def _targets(
    examples: Sequence[Example], smoothing: float
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    allowed = torch.zeros((len(examples), len(_LABELS)), dtype=torch.bool)
    for row, example in enumerate(examples):
        if example.partial and example.only is not None:
            allowed[row] = True
            allowed[row, _LABELS.index(example.only)] = False
        else:
            allowed[row, _LABELS.index(example.label)] = True
    weights = torch.tensor([e.weight for e in examples], dtype=torch.float32)
    smooth = torch.tensor([0.0 if e.partial else smoothing for e in examples])
    return allowed, weights, smooth


def _loss(
    logits: torch.Tensor,
    allowed: torch.Tensor,
    weights: torch.Tensor,
    smoothing: torch.Tensor,
) -> torch.Tensor:
    """Weighted negative log-probability of the allowed labels, label-smoothed for full rows."""
    log_total = torch.logsumexp(logits, dim=-1)
    log_allowed = torch.logsumexp(logits.masked_fill(~allowed, float("-inf")), dim=-1)
    uniform = -functional.log_softmax(logits, dim=-1).mean(dim=-1)
    per_row = (1 - smoothing) * (log_total - log_allowed) + smoothing * uniform
    return (per_row * weights).sum() / weights.sum()


def _batches(ids: list[list[int]], size: int, shuffler: random.Random) -> list[list[int]]:
    """Shuffled batches of similar length: sort within pools of 50 batches, then shuffle."""
    order = list(range(len(ids)))
    shuffler.shuffle(order)
    pool = size * 50
    batches = []
    for begin in range(0, len(order), pool):
        chunk = sorted(order[begin : begin + pool], key=lambda i: len(ids[i]))
        batches += [chunk[i : i + size] for i in range(0, len(chunk), size)]
    shuffler.shuffle(batches)
    return batches


def calibrate(
    readings: Sequence[Reading], examples: Sequence[Example]
) -> tuple[Calibration, dict[str, Any]]:
    """Thresholds for the stakes, chosen on rows the network never trained on.

    Every pair of (safeguarding, hide) thresholds on a grid is scored with the decision
    rule itself, detectors included. A pair is admissible when safeguarding recall reaches
    ``SAFEGUARDING_RECALL`` and hide-group precision ``HIDE_PRECISION``; among those, the
    best macro F1 wins. If none is admissible, safeguarding recall comes first, then hide
    precision. Only full-label rows count: ``only=`` rows cannot say which label a
    comment has.
    """
    full = [(r, e) for r, e in zip(readings, examples, strict=True) if e.only is None]
    if not full:
        raise TrainingError("the calibration split has no fully labelled rows")
    fused = [
        fuse(r.probabilities, r.hide_score, list(personal_data(normalise(e.text)))) for r, e in full
    ]
    scores = np.stack([f[0] for f in fused]).astype(np.float32)
    hide = np.array([f[1] for f in fused], dtype=np.float32)
    gold = np.array([_LABELS.index(e.label) for _, e in full])
    best: tuple[tuple[float, ...], Calibration, dict[str, Any]] | None = None
    for sg_threshold in _SG_GRID:
        for hide_threshold in _HIDE_GRID:
            calibration = Calibration(safeguarding=sg_threshold, hide=hide_threshold)
            measured = _measure(gold, primaries(scores, hide, calibration))
            admissible = (
                measured["safeguarding_recall"] >= SAFEGUARDING_RECALL
                and measured["hide_precision"] >= HIDE_PRECISION
            )
            key = (
                float(admissible),
                0.0 if admissible else min(measured["safeguarding_recall"], SAFEGUARDING_RECALL),
                0.0 if admissible else min(measured["hide_precision"], HIDE_PRECISION),
                measured["macro_f1"],
            )
            if best is None or key > best[0]:
                best = (key, calibration, {"rows": len(full), **measured})
    assert best is not None
    return best[1], best[2]


def _measure(gold: np.ndarray[Any, Any], predicted: np.ndarray[Any, Any]) -> dict[str, float]:
    hide_labels = np.array([label in HIDE_GROUP for label in _LABELS])
    is_hide, said_hide = hide_labels[gold], hide_labels[predicted]
    f1s = []
    for index in range(len(_LABELS)):
        true_positive = float(((gold == index) & (predicted == index)).sum())
        support = float((gold == index).sum()) + float((predicted == index).sum())
        if (gold == index).any():
            f1s.append(2 * true_positive / support if support else 0.0)
    sg = gold == _SG
    return {
        "safeguarding_recall": round(float((predicted[sg] == _SG).mean()), 4) if sg.any() else 1.0,
        "hide_precision": round(float(is_hide[said_hide].mean()), 4) if said_hide.any() else 0.0,
        "hide_recall": round(float(said_hide[is_hide].mean()), 4) if is_hide.any() else 0.0,
        "macro_f1": round(float(np.mean(f1s)), 4),
    }


def train(
    fit_examples: Sequence[Example],
    calibration_examples: Sequence[Example],
    out: Path,
    settings: TrainSettings = TrainSettings(),
    neighbour_examples: Sequence[Example] | None = None,
    describe: dict[str, Any] | None = None,
    progress: Callable[[str], None] = _LOGGER.info,
) -> str:
    """Fit, calibrate, index the neighbours and write the model directory; returns its version."""
    trained = fit(fit_examples, settings, progress)
    state = {name: t.detach().clone() for name, t in trained.net.trained_state().items()}
    runtime = for_inference(trained.net)  # calibrate the network as it will run
    tokenizer = CommentTokenizer()
    progress(f"calibrating on {len(calibration_examples)} rows")
    readings = read(runtime, tokenizer, [e.text for e in calibration_examples])
    calibration, measured = calibrate(readings, calibration_examples)
    progress(f"calibration: {calibration.as_json()} measured {measured}")
    shown = [e for e in (neighbour_examples or fit_examples) if not e.partial]
    pooled = read(runtime, tokenizer, [e.text for e in shown])
    vectors = np.stack([r.pooled for r in pooled]) if pooled else np.zeros((0, 384), np.float32)
    vectors /= np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-9)
    neighbours = model_files.Neighbours(
        vectors.astype(np.float32), [e.label.value for e in shown], [e.text for e in shown]
    )
    per_label = Counter(e.label.value for e in fit_examples if not e.partial)
    meta = {
        "training": {
            **(describe or {}),
            "rows": trained.rows,
            "rows_per_label": dict(sorted(per_label.items())),
            "partial_rows": sum(1 for e in fit_examples if e.partial),
            "seconds": round(trained.seconds),
            "settings": settings.__dict__,
        },
        "calibration_measured": measured,
    }
    return model_files.save(out, state, calibration, meta, neighbours)


def recalibrate(
    directory: Path, calibration_examples: Sequence[Example], progress: Callable[[str], None]
) -> Calibration:
    """Choose the thresholds of a stored model again (new stakes, new calibration rows)."""
    stored = model_files.load(directory)
    runtime = for_inference(from_state(stored.state))
    readings = read(runtime, CommentTokenizer(), [e.text for e in calibration_examples])
    calibration, measured = calibrate(readings, calibration_examples)
    progress(f"calibration: {calibration.as_json()} measured {measured}")
    model_files.recalibrate(directory, calibration, measured)
    return calibration
