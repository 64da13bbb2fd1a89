"""The ``eval`` and ``train`` sub-commands; imports of torch wait until a command runs."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path
from typing import Any

from bot.classifier.dataset import DatasetError, read_sources
from bot.classifier.settings import ClassifierSettings

_LOGGER = logging.getLogger(__name__)

_SOURCE_HELP = (
    "labelled CSV (text,label[,platform,note]); add :train or :holdout for the fixed split "
    "(every 3rd row of each label is holdout), :max=N to subsample, :weight=W to weight"
)


def register(subparsers: Any) -> None:
    """Add ``eval`` and ``train`` to the ``hallmonitor`` command line."""
    evaluate = subparsers.add_parser(
        "eval",
        help="measure the classifier on a labelled CSV",
        description="Per-label precision, recall, F1 and support, macro F1, accuracy, the "
        "confusion matrix, the hide group's precision and recall, and comments per second.",
    )
    evaluate.add_argument("file", help=_SOURCE_HELP)
    evaluate.add_argument("--backend", choices=("embedded", "detoxify"), default="embedded")
    evaluate.add_argument("--json", action="store_true", help="print exactly one JSON object")
    evaluate.add_argument("--head", type=Path, help="head file (default: the committed one)")
    evaluate.add_argument("--detoxify-model", default="original", help="detoxify model name")
    evaluate.add_argument("--detoxify-checkpoint", type=Path, help="local detoxify .ckpt file")
    evaluate.add_argument(
        "--detoxify-config-dir", type=Path, help="local Hugging Face config+tokenizer directory"
    )
    evaluate.set_defaults(handler=run_eval)

    train = subparsers.add_parser(
        "train",
        help="train the classifier head on labelled CSVs",
        description="Fit the embedded backend's head and write it as a small .npz file.",
    )
    train.add_argument("sources", nargs="+", help=_SOURCE_HELP)
    train.add_argument("--out", type=Path, help="where to write the head (.npz)")
    train.add_argument("--c", type=float, default=1.0, help="inverse regularisation strength")
    train.add_argument(
        "--cross-validate",
        type=int,
        metavar="K",
        help="write nothing; print a K-fold estimate over the first source's rows "
        "(the other sources stay in every fold's training)",
    )
    train.set_defaults(handler=run_train)


def _settings(args: argparse.Namespace) -> ClassifierSettings:
    return ClassifierSettings(
        backend=args.backend,
        head_path=args.head,
        detoxify_model=args.detoxify_model,
        detoxify_checkpoint=args.detoxify_checkpoint,
        detoxify_config_dir=args.detoxify_config_dir,
    )


def run_eval(args: argparse.Namespace) -> int:
    from pydantic import ValidationError

    from bot.classifier.base import ClassifierError, load_classifier
    from bot.classifier.evaluation import evaluate

    try:
        loaded = read_sources([args.file])
        settings = _settings(args)
    except (DatasetError, ValidationError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    for problem in loaded.problems:
        print(f"skipped {problem}", file=sys.stderr)
    if not loaded.examples:
        print(f"error: {args.file}: no usable rows", file=sys.stderr)
        return 1
    try:
        classifier = load_classifier(settings)
        report = evaluate(classifier, loaded.examples)
    except ClassifierError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    finally:
        _LOGGER.debug("eval finished")
    if args.json:
        print(json.dumps(report.as_json()))
    else:
        print(report.as_text())
    return 0


def run_train(args: argparse.Namespace) -> int:
    from bot.classifier.training import TrainingError, cross_validate, train

    if args.cross_validate is not None:
        try:
            report = cross_validate(args.sources, args.cross_validate, regularisation=args.c)
        except (DatasetError, TrainingError) as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 1
        print(report.as_text())
        return 0
    if args.out is None:
        print("error: --out is required (or --cross-validate K)", file=sys.stderr)
        return 2
    try:
        head, loaded = train(args.sources, regularisation=args.c)
    except (DatasetError, TrainingError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    for problem in loaded.problems:
        print(f"skipped {problem}", file=sys.stderr)
    head.save(args.out)
    print(f"wrote {args.out} (head {head.version}, {head.meta['rows']} rows)")
    return 0
