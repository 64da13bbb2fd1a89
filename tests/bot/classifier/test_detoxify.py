"""The detoxify backend, loaded from a tiny BERT checkpoint that this test builds itself.

The checkpoint has Detoxify's format (config.arch.args, config.dataset.args.classes,
state_dict), so the same loading code reads the real ``original`` weights.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
import transformers

from bot.classifier import ClassifierSettings, load_classifier
from bot.classifier.base import ClassifierError
from bot.classifier.detoxify_backend import DetoxifyClassifier, map_abuse
from bot.classifier.embedded import EmbeddedClassifier
from bot.labels import Label

JIGSAW = ["toxic", "severe_toxic", "obscene", "threat", "insult", "identity_hate"]
WORDS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "the", "is", "a", "school", "you", "idiot"]


def _tiny_checkpoint(tmp_path: Path, bias: list[float]) -> tuple[Path, Path]:
    """A 2-layer BERT whose classifier outputs ``bias`` whatever the text."""
    config_dir = tmp_path / "hf"
    config_dir.mkdir()
    vocab = config_dir / "vocab.txt"
    vocab.write_text("\n".join(WORDS) + "\n", encoding="utf-8")
    transformers.BertTokenizer(str(vocab)).save_pretrained(config_dir)
    config = transformers.BertConfig(
        vocab_size=len(WORDS),
        hidden_size=32,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=64,
        max_position_embeddings=512,
        num_labels=len(bias),
    )
    config.save_pretrained(config_dir)
    torch.manual_seed(0)
    model = transformers.BertForSequenceClassification(config)
    with torch.no_grad():
        model.classifier.weight.zero_()
        model.classifier.bias.copy_(torch.tensor(bias))
    checkpoint = tmp_path / "tiny.ckpt"
    torch.save(
        {
            "config": {
                "arch": {
                    "args": {
                        "model_type": "bert-base-uncased",
                        "model_name": "BertForSequenceClassification",
                        "tokenizer_name": "BertTokenizer",
                        "num_classes": len(bias),
                    }
                },
                "dataset": {"args": {"classes": JIGSAW[: len(bias)]}},
            },
            "state_dict": model.state_dict(),
        },
        checkpoint,
    )
    return checkpoint, config_dir


def _backend(tmp_path: Path, embedded: EmbeddedClassifier, bias: list[float]) -> DetoxifyClassifier:
    checkpoint, config_dir = _tiny_checkpoint(tmp_path, bias)
    settings = ClassifierSettings(
        backend="detoxify", detoxify_checkpoint=checkpoint, detoxify_config_dir=config_dir
    )
    classifier = load_classifier(settings)
    assert isinstance(classifier, DetoxifyClassifier)
    classifier._embedded = embedded  # reuse the session's loaded MiniLM
    return classifier


def test_loads_offline_and_maps_insult_onto_abuse(
    tmp_path: Path, embedded: EmbeddedClassifier
) -> None:
    classifier = _backend(tmp_path, embedded, [3.0, -4.0, -4.0, -4.0, 5.0, -4.0])
    assert classifier.classes == [
        "toxicity",
        "severe_toxicity",
        "obscene",
        "threat",
        "insult",
        "identity_attack",
    ]
    [verdict] = classifier.classify_sync(["you are a school"])
    assert verdict.label is Label.ABUSE
    assert verdict.abuse_subtype == "insult"
    assert verdict.scores[Label.ABUSE] >= torch.sigmoid(torch.tensor(5.0)).item() - 1e-3
    assert "detoxify insult 99%" in verdict.reasons
    assert verdict.model == "detoxify"
    assert verdict.version.startswith("detoxify-tiny.ckpt+")


def test_school_labels_still_come_from_the_fine_tuned_model(
    tmp_path: Path, embedded: EmbeddedClassifier
) -> None:
    classifier = _backend(tmp_path, embedded, [-6.0] * 6)
    texts = [
        "my mate says she wants to kill herself, were in year 9",
        "Poppy won't be in today, she's got a temperature",
        "ring me on 07700 900765",
        "You're a useless f***ing joke",  # detoxify is silent; the school model is not
    ]
    verdicts = classifier.classify_sync(texts)
    assert [v.label for v in verdicts] == [
        Label.SAFEGUARDING,
        Label.ABSENCE,
        Label.PERSONAL_DATA,
        Label.ABUSE,
    ]
    assert not any(r.startswith("detoxify") for v in verdicts for r in v.reasons)


def test_long_text_is_chunked_not_truncated(tmp_path: Path, embedded: EmbeddedClassifier) -> None:
    classifier = _backend(tmp_path, embedded, [-6.0] * 6)
    [scores] = classifier.toxicity(["the school is a school. " * 2000])
    assert set(scores) == set(classifier.classes)


def test_subtype_mapping() -> None:
    assert map_abuse({"toxicity": 0.9, "threat": 0.7, "insult": 0.6}) == (0.9, "threat")
    assert map_abuse({"toxicity": 0.8, "insult": 0.2}) == (0.8, "toxicity")
    assert map_abuse({"toxicity": 0.1, "female": 0.99}) == (0.1, "toxicity")  # identity column
    assert map_abuse({"sexual_explicit": 0.95, "toxicity": 0.6})[1] == "sexual_explicit"


def test_a_file_that_is_not_a_checkpoint_is_a_clear_error(tmp_path: Path) -> None:
    bad = tmp_path / "bad.ckpt"
    torch.save({"weights": torch.zeros(2)}, bad)
    config_dir = tmp_path / "hf"
    config_dir.mkdir()
    classifier = DetoxifyClassifier(
        ClassifierSettings(
            backend="detoxify", detoxify_checkpoint=bad, detoxify_config_dir=config_dir
        )
    )
    classifier._embedded = EmbeddedClassifier()
    classifier._embedded.load = lambda: None  # type: ignore[method-assign]
    with pytest.raises(ClassifierError, match="not a detoxify checkpoint"):
        classifier.load()


def test_checkpoint_without_config_dir_is_rejected_by_the_settings(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="go together"):
        ClassifierSettings(backend="detoxify", detoxify_checkpoint=tmp_path / "x.ckpt")


def test_eval_command_runs_the_detoxify_backend(
    tmp_path: Path,
    embedded: EmbeddedClassifier,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    import argparse
    import json

    from bot.classifier import commands

    checkpoint, config_dir = _tiny_checkpoint(tmp_path, [-6.0, -6.0, -6.0, 5.0, -6.0, -6.0])
    data = tmp_path / "data.csv"
    data.write_text(
        "text,label\nI will find you,abuse\nIs it PE today?,question\n", encoding="utf-8"
    )
    original_init = EmbeddedClassifier.__init__

    def init(self: EmbeddedClassifier, settings: ClassifierSettings | None = None) -> None:
        original_init(self, settings)
        self._net, self._tokenizer = embedded._net, embedded._tokenizer
        self._stored = embedded._stored

    monkeypatch.setattr(EmbeddedClassifier, "__init__", init)
    parser = argparse.ArgumentParser()
    commands.register(parser.add_subparsers())
    args = parser.parse_args(
        [
            "eval",
            str(data),
            "--json",
            "--backend",
            "detoxify",
            "--detoxify-checkpoint",
            str(checkpoint),
            "--detoxify-config-dir",
            str(config_dir),
        ]
    )
    assert args.handler(args) == 0
    report = json.loads(capsys.readouterr().out)
    # The tiny model calls everything a threat, so both rows come out as abuse.
    assert report["confusion"]["abuse"]["abuse"] == 1
    assert report["confusion"]["question"]["abuse"] == 1


def test_named_model_without_internet_says_how_to_go_offline(
    monkeypatch: pytest.MonkeyPatch, embedded: EmbeddedClassifier
) -> None:
    from urllib.error import URLError

    def offline(*args: object, **kwargs: object) -> object:
        raise URLError("no route to host")

    monkeypatch.setattr(torch.hub, "load_state_dict_from_url", offline)
    classifier = DetoxifyClassifier(
        ClassifierSettings(backend="detoxify", detoxify_model="original")
    )
    classifier._embedded = embedded
    with pytest.raises(ClassifierError, match="detoxify_checkpoint and detoxify_config_dir"):
        classifier.load()
