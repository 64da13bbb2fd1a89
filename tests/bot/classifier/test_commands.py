"""The ``eval``, ``train`` and ``corpus`` sub-commands, through the real argparse wiring."""

from __future__ import annotations

import argparse
import csv
import json
from pathlib import Path

import pytest
from sqlalchemy import Engine

from bot.classifier import commands
from bot.classifier.dataset import DatasetError, Source, read_sources
from bot.classifier.embedded import EmbeddedClassifier
from bot.classifier.settings import ClassifierSettings
from bot.labels import Label

ROWS = {
    "safeguarding": [
        "my friend says her dad hits her every night",
        "a man was filming the kids at the gate",
    ],
    "abuse": ["you absolute f***ing idiot", "the head is a useless sh*t"],
    "absence": ["Tom won't be in today, he's poorly", "Ava is off sick with a temperature"],
    "personal_data": ["ring me on 07700 900111", "my email is jo@example.com"],
    "spam": ["Earn £500 a day, DM me", "FREE iPad giveaway, link in bio"],
    "complaint": ["The car park is chaos every morning", "Trip letters always come too late"],
    "question": ["What time is the disco?", "Is it PE on Friday?"],
    "positive": ["Brilliant nativity, well done all", "Thank you to the staff, lovely year"],
    "other": ["lol", "@Sam look at this"],
}


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="hallmonitor")
    commands.register(parser.add_subparsers(dest="command"))
    return parser


def _run(argv: list[str]) -> int:
    args = _parser().parse_args(argv)
    return int(args.handler(args))


def _write(path: Path, rows: list[tuple[str, str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["text", "label", "platform", "note"])
        writer.writerows([(text, label, "facebook", "") for text, label in rows])
    return path


@pytest.fixture
def small_csv(tmp_path: Path) -> Path:
    rows = [(text, label) for label, texts in ROWS.items() for text in texts]
    return _write(tmp_path / "small.csv", rows)


def test_eval_prints_the_text_report(small_csv: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert _run(["eval", str(small_csv)]) == 0
    out = capsys.readouterr().out
    for expected in (
        "precision",
        "macro F1",
        "hide group",
        "complaints hidden",
        "comments/second",
        "confusion",
    ):
        assert expected in out
    assert out.count("\n") > 20


def test_eval_json_is_exactly_one_object(
    small_csv: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _run(["eval", str(small_csv), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)  # fails on any extra output
    assert set(report) == {
        "n",
        "accuracy",
        "macro_f1",
        "labels",
        "hide",
        "complaints_hidden",
        "confusion",
        "comments_per_second",
    }
    assert report["n"] == 18
    assert set(report["labels"]) == {label.value for label in Label}
    assert set(report["labels"]["abuse"]) == {"precision", "recall", "f1", "support"}
    assert report["labels"]["abuse"]["support"] == 2
    assert set(report["hide"]) == {"precision", "recall"}
    assert sum(sum(row.values()) for row in report["confusion"].values()) == 18
    correct = sum(report["confusion"][label][label] for label in report["confusion"])
    assert report["accuracy"] == pytest.approx(correct / 18, abs=1e-4)
    hidden = sum(report["confusion"]["complaint"][h] for h in list(report["confusion"])[:5])
    assert report["complaints_hidden"] == pytest.approx(hidden / 2)


def test_eval_reports_malformed_rows_with_line_numbers(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _write(
        tmp_path / "bad.csv",
        [("Is it PE on Friday?", "question"), ("hello", "rant"), ("", "other"), ("lol", "other")],
    )
    assert _run(["eval", str(path), "--json"]) == 0
    captured = capsys.readouterr()
    assert f"{path}:3: unknown label 'rant'" in captured.err
    assert f"{path}:4: empty text" in captured.err
    assert json.loads(captured.out)["n"] == 2


def test_eval_fails_when_nothing_is_left(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _write(tmp_path / "bad.csv", [("x", "nonsense"), ("", "other")])
    assert _run(["eval", str(path)]) == 1
    assert "no usable rows" in capsys.readouterr().err


def test_eval_missing_file_is_a_clear_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _run(["eval", str(tmp_path / "nope.csv")]) == 2
    assert "nope.csv" in capsys.readouterr().err


def test_eval_missing_model_directory_is_a_clear_error(
    small_csv: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _run(["eval", str(small_csv), "--model", str(tmp_path / "none")]) == 2
    assert "classifier model file missing" in capsys.readouterr().err


@pytest.mark.slow
def test_train_writes_a_model_that_loads_and_classifies(
    small_csv: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "model"
    sources = [f"{small_csv}:fit", f"{small_csv}:calibration"]
    code = _run(["train", *sources, "--out", str(out), "--epochs", "1"])
    assert code == 0, capsys.readouterr().err
    assert "wrote" in capsys.readouterr().out
    classifier = EmbeddedClassifier(ClassifierSettings(model_dir=out))
    [verdict] = classifier.classify_sync(["Is it PE on Friday?"])
    assert verdict.label in Label
    assert verdict.version == f"minilm-ft-{classifier.stored.version}"
    # The closest training comments come from the first source, the one it was given.
    assert any(reason.startswith("like: «") for reason in verdict.reasons)


def test_train_without_every_label_fails(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _write(tmp_path / "two.csv", [("hi", "other"), ("What time?", "question")] * 5)
    assert _run(["train", str(path), "--out", str(tmp_path / "m"), "--epochs", "1"]) == 1
    assert "no training rows for" in capsys.readouterr().err


def test_source_spec_parts_and_partial_labels(small_csv: Path) -> None:
    source = Source.parse(f"{small_csv}:calibration:max=5:weight=0.5:only=spam")
    assert (source.part, source.limit, source.weight, source.only) == (
        "calibration",
        5,
        0.5,
        Label.SPAM,
    )
    with pytest.raises(DatasetError, match="names no label"):
        Source.parse(f"{small_csv}:only=rubbish")


def test_corpus_merge_drops_near_duplicates(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    first = _write(
        tmp_path / "a.csv",
        [
            ("What time does the Christmas fair start on Saturday?", "question"),
            ("Thank you to every teacher for a brilliant year", "positive"),
        ],
    )
    second = _write(
        tmp_path / "b.csv",
        [
            ("What time does the Christmas fair start on Saturday??", "question"),
            ("My son was pushed down the stairs by an older boy", "safeguarding"),
        ],
    )
    out = tmp_path / "merged.csv"
    assert _run(["corpus", str(first), str(second), "--out", str(out)]) == 0
    assert "3 rows kept, 1 near-duplicates dropped" in capsys.readouterr().out
    with out.open(encoding="utf-8") as handle:
        texts = [row["text"] for row in csv.DictReader(handle)]
    assert texts[0].endswith("Saturday?")
    assert len(texts) == 3


@pytest.mark.sqlite_only
def test_relabelled_comments_are_exported_for_training(engine: Engine, tmp_path: Path) -> None:
    from sqlmodel import select

    from models import Classification
    from models.db import session_scope
    from tests.bot.web.factory import make_config, seed

    seed(engine, make_config())
    with session_scope(engine) as session:
        first = session.exec(select(Classification).order_by(Classification.id)).first()
        assert first is not None
        session.add(
            Classification(
                comment_id=first.comment_id, label="complaint", model="person", relabelled_by=1
            )
        )
    target = tmp_path / "relabelled.csv"
    assert commands.write_relabelled(engine, target) == 1
    with target.open(encoding="utf-8") as handle:
        [row] = list(csv.DictReader(handle))
    assert row["label"] == "complaint"
    loaded = read_sources([f"{target}:weight=2"])
    assert loaded.examples[0].weight == 2.0


def test_train_relabelled_with_a_broken_config_names_the_problem(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = _parser().parse_args(["train", "--relabelled", "--out", str(tmp_path / "m")])
    args.config = str(tmp_path / "missing.toml")
    assert args.handler(args) == 2
    assert "missing.toml" in capsys.readouterr().err
