"""The ``eval``, ``train`` and ``corpus`` sub-commands; torch is imported when one runs."""

from __future__ import annotations

import argparse
import csv
import io
import json
import logging
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.classifier.dataset import DatasetError, read_sources
from bot.classifier.settings import ClassifierSettings

if TYPE_CHECKING:
    from sqlalchemy import Engine

_LOGGER = logging.getLogger(__name__)
DATA = Path(__file__).resolve().parent / "data"

# What `hallmonitor train` fits on when no source is named: the project's corpus, the 270
# dev comments, and the public data sets for the decisions they can speak to.
DEFAULT_SOURCES = (
    f"{DATA / 'corpus' / 'comments.csv'}",
    f"{DATA / 'public' / 'davidson_sample.csv'}:only=abuse:weight=0.5",
    f"{DATA / 'public' / 'tubespam_train.csv'}:only=spam:weight=0.7",
)
EVALUATION_SET = DATA / "eval" / "evaluation.csv"

_SOURCE_HELP = (
    "labelled CSV (text,label[,platform,note]); suffixes: :calibration or :fit (the fixed "
    "calibration split), :train or :holdout (every 3rd row of each label is holdout), "
    ":max=N to subsample, :weight=W to weight, :only=LABEL for a source that only says "
    "whether a text is LABEL"
)


def register(subparsers: Any) -> None:
    """Add ``eval``, ``train`` and ``corpus`` to the ``hallmonitor`` command line."""
    evaluate = subparsers.add_parser(
        "eval",
        help="measure the classifier on a labelled CSV",
        description="Per-label precision, recall, F1 and support, macro F1, accuracy, the "
        "confusion matrix, the hide group's precision and recall, complaints put in the "
        "hide group, and comments per second.",
    )
    evaluate.add_argument(
        "file",
        nargs="?",
        default=str(EVALUATION_SET),
        help=_SOURCE_HELP + " (default: the frozen evaluation set)",
    )
    evaluate.add_argument("--backend", choices=("embedded", "detoxify"), default="embedded")
    evaluate.add_argument("--json", action="store_true", help="print exactly one JSON object")
    evaluate.add_argument("--model", type=Path, help="model directory (default: committed)")
    evaluate.add_argument(
        "--quantise", action="store_true", help="run int8 linear layers (faster, less exact)"
    )
    evaluate.add_argument("--detoxify-model", default="original", help="detoxify model name")
    evaluate.add_argument("--detoxify-checkpoint", type=Path, help="local detoxify .ckpt file")
    evaluate.add_argument(
        "--detoxify-config-dir", type=Path, help="local Hugging Face config+tokenizer directory"
    )
    evaluate.set_defaults(handler=run_eval)

    train = subparsers.add_parser(
        "train",
        help="fine-tune the classifier on labelled CSVs",
        description="Fine-tune MiniLM on the sources' fit split, choose the thresholds on "
        "their calibration split, and write a model directory. With no source, the "
        "committed corpus and public data (the committed model's recipe).",
    )
    train.add_argument("sources", nargs="*", help=_SOURCE_HELP)
    train.add_argument("--out", type=Path, help="model directory to write")
    train.add_argument("--epochs", type=int, default=3)
    train.add_argument("--threads", type=int, help="torch threads (default: all cores)")
    train.add_argument(
        "--recalibrate",
        type=Path,
        metavar="DIR",
        help="fit nothing: choose the thresholds of the model in DIR again on the sources' "
        "calibration split, and rewrite its model.json",
    )
    train.add_argument(
        "--relabelled",
        action="store_true",
        help="also train on the comments people relabelled on the dashboard (read from the "
        "database in --config, weight 2, saved beside the model as relabelled.csv)",
    )
    train.add_argument(
        "--cross-validate",
        type=int,
        metavar="K",
        help="write nothing; print a K-fold estimate over the first source's rows (each "
        "fold fine-tunes and calibrates without the rows it is scored on)",
    )
    train.set_defaults(handler=run_train)

    corpus = subparsers.add_parser(
        "corpus",
        help="merge labelled CSVs, dropping near-duplicates",
        description="Concatenate CSVs and drop every row whose MiniLM embedding has cosine "
        "similarity above the threshold with a row already kept.",
    )
    corpus.add_argument("files", nargs="+", type=Path)
    corpus.add_argument("--out", type=Path, required=True)
    corpus.add_argument("--threshold", type=float, default=0.9)
    corpus.add_argument(
        "--against",
        type=Path,
        action="append",
        default=[],
        help="also drop rows near any row of this file (the evaluation set); repeatable",
    )
    corpus.set_defaults(handler=run_corpus)


def _settings(args: argparse.Namespace) -> ClassifierSettings:
    return ClassifierSettings(
        backend=args.backend,
        model_dir=args.model,
        quantise=args.quantise,
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
    if args.json:
        print(json.dumps(report.as_json()))
    else:
        print(report.as_text())
    return 0


def run_train(args: argparse.Namespace) -> int:
    from bot.classifier.finetune import TrainingError, TrainSettings
    from bot.classifier.training import cross_validate, train_directory

    specs = list(args.sources) or list(DEFAULT_SOURCES)
    settings = TrainSettings(epochs=args.epochs, threads=args.threads)
    if args.relabelled:
        target = (args.out or Path(".")) / "relabelled.csv"
        try:
            count = export_relabelled(Path(args.config), target)
        except RelabelledError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
        print(f"{count} relabelled comments from the database, in {target}", file=sys.stderr)
        specs.append(f"{target}:weight=2")
    try:
        if args.recalibrate is not None:
            from bot.classifier.finetune import recalibrate
            from bot.classifier.model_files import ModelFileError
            from bot.classifier.training import split_sources

            _, rows, _ = split_sources(specs)
            try:
                recalibrate(args.recalibrate, rows, _progress)
            except ModelFileError as exc:
                print(f"error: {exc}", file=sys.stderr)
                return 2
            print(f"recalibrated {args.recalibrate}")
            return 0
        if args.cross_validate is not None:
            report = cross_validate(specs, args.cross_validate, settings, progress=_progress)
            print(report.as_text())
            return 0
        if args.out is None:
            print("error: --out is required (or --cross-validate K)", file=sys.stderr)
            return 2
        version, problems = train_directory(specs, args.out, settings, progress=_progress)
    except (DatasetError, TrainingError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    for problem in problems:
        print(f"skipped {problem}", file=sys.stderr)
    print(f"wrote {args.out} (model {version})")
    return 0


def run_corpus(args: argparse.Namespace) -> int:
    from bot.classifier.corpus import merge

    try:
        kept, dropped = merge(args.files, args.out, args.threshold, args.against)
    except DatasetError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(f"wrote {args.out}: {kept} rows kept, {dropped} near-duplicates dropped")
    return 0


class RelabelledError(Exception):
    """The relabelled comments cannot be read: no config, or no database behind it."""


def export_relabelled(config_path: Path, target: Path) -> int:
    """The relabelled comments of the database in the config, written as a training CSV."""
    from sqlalchemy.exc import SQLAlchemyError

    from bot.config import ConfigError, load_config
    from models import make_engine

    try:
        config = load_config(config_path)
    except ConfigError as exc:
        raise RelabelledError(str(exc)) from exc
    engine = make_engine(config.database.url)
    try:
        return write_relabelled(engine, target)
    except SQLAlchemyError as exc:
        raise RelabelledError(f"cannot read relabelled comments: {type(exc).__name__}") from exc
    finally:
        engine.dispose()


def write_relabelled(engine: Engine, target: Path) -> int:
    """Every comment people relabelled (latest label each) as ``LABELS.md`` CSV; the count."""
    from bot.workspace.access import Viewer
    from bot.workspace.evidence import relabelled_csv
    from models import Role
    from models.db import session_scope

    trainer = Viewer(
        id=0, email="hallmonitor train", name="", role=Role.TRUST_ADMIN, schools=frozenset()
    )
    with session_scope(engine) as session:
        body = relabelled_csv(session, trainer)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(body, encoding="utf-8")
    return sum(1 for _ in csv.DictReader(io.StringIO(body)))


def _progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)
