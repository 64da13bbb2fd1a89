"""The ``eval`` and ``train`` sub-commands, through the real argparse wiring."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pytest

from bot.classifier import commands
from bot.classifier.dataset import Source
from bot.classifier.embedded import EmbeddedClassifier
from bot.classifier.head import Head
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
    import csv

    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["text", "label", "platform", "note"])
        writer.writerows([(text, label, "facebook", "") for text, label in rows])
    return path


@pytest.fixture
def small_csv(tmp_path: Path) -> Path:
    rows = [(text, label) for label, texts in ROWS.items() for text in texts]
    return _write(tmp_path / "small.csv", rows)


@pytest.fixture(autouse=True)
def _reuse_loaded_model(monkeypatch: pytest.MonkeyPatch, embedded: EmbeddedClassifier) -> None:
    """The commands build their own classifier; hand them the session's loaded models."""
    original_init = EmbeddedClassifier.__init__

    def init(self: EmbeddedClassifier, settings: ClassifierSettings | None = None) -> None:
        original_init(self, settings)
        self._encoder = embedded._encoder
        self._profanity = embedded._profanity

    monkeypatch.setattr(EmbeddedClassifier, "__init__", init)


def test_eval_prints_the_text_report(small_csv: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert _run(["eval", str(small_csv)]) == 0
    out = capsys.readouterr().out
    for expected in ("precision", "macro F1", "hide group", "comments/second", "confusion"):
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
    assert report["comments_per_second"] > 0


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
    assert _run(["eval", str(tmp_path / "absent.csv")]) == 2
    assert "absent.csv" in capsys.readouterr().err


def test_train_writes_a_head_that_loads_and_classifies(
    small_csv: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "head.npz"
    assert _run(["train", str(small_csv), "--out", str(out)]) == 0
    assert "wrote" in capsys.readouterr().out
    head = Head.load(out)
    assert head.meta["rows"] == 18
    assert out.stat().st_size < 100_000
    classifier = EmbeddedClassifier(ClassifierSettings(head_path=out))
    [verdict] = classifier.classify_sync(["Is it PE on Friday?"])
    assert verdict.version.endswith(head.version)


def test_train_without_every_label_fails(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _write(tmp_path / "two.csv", [("lol", "other"), ("What time?", "question")])
    assert _run(["train", str(path), "--out", str(tmp_path / "h.npz")]) == 1
    assert "no training rows for safeguarding" in capsys.readouterr().err


def test_source_spec_and_fixed_holdout(small_csv: Path) -> None:
    from bot.classifier.dataset import read_labelled

    source = Source.parse(f"{small_csv}:holdout:max=5:weight=0.5")
    assert (source.part, source.limit, source.weight) == ("holdout", 5, 0.5)
    train = read_labelled(Source.parse(f"{small_csv}:train")).examples
    holdout = read_labelled(Source.parse(f"{small_csv}:holdout")).examples
    assert len(train) == 18
    assert holdout == []
    assert Source.parse("C:/data/x.csv:train").path == Path("C:/data/x.csv")


def test_train_cross_validate_prints_an_estimate(
    small_csv: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _run(["train", str(small_csv), "--cross-validate", "2"]) == 0
    out = capsys.readouterr().out
    assert "macro F1" in out
    assert "comments       18" in out
    assert not list(tmp_path.glob("*.npz"))
    rows = [(text, label) for label, texts in ROWS.items() for text in texts][:-1]
    one_other = _write(tmp_path / "one_other.csv", rows)  # the fold holding it trains without
    assert _run(["train", str(one_other), "--cross-validate", "2"]) == 1
    assert "lacks a label" in capsys.readouterr().err
    assert _run(["train", str(small_csv)]) == 2
