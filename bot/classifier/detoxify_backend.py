"""The ``detoxify`` backend: a Detoxify toxicity model for ``abuse``, the embedded rest.

Detoxify knows toxicity, not schools, so the other eight labels (safeguarding, absence,
personal data...) still come from the embedded head and detectors; only the abuse score,
its subtype and its reason come from Detoxify.

Two ways to load, both reading Detoxify's checkpoint format
``{"config": {"arch": {"args": {...}}, "dataset": {"args": {"classes": [...]}}}, "state_dict"}``:

- by name (``original``, ``unbiased``, ``multilingual``, ``original-small``,
  ``unbiased-small``): the checkpoint is downloaded once from Detoxify's release URLs into
  the torch hub cache, and the Hugging Face config and tokenizer from the Hub;
- from a local checkpoint plus a local Hugging Face config directory (offline servers).

The model is built from its config here rather than through ``detoxify.Detoxify``, whose
loader contacts the Hub for a config even when given a local one.
"""

from __future__ import annotations

import logging
import pickle
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bot.classifier.base import Classifier, ClassifierError
from bot.classifier.embedded import EmbeddedClassifier
from bot.classifier.findings import Finding
from bot.classifier.settings import ClassifierSettings
from bot.classifier.text import normalise, sentence_spans
from bot.classifier.verdict import Verdict
from bot.labels import Label

_LOGGER = logging.getLogger(__name__)

# Detoxify's own renaming of the Jigsaw column names.
_RENAME = {
    "toxic": "toxicity",
    "identity_hate": "identity_attack",
    "severe_toxic": "severe_toxicity",
}
# Classes that are kinds of abuse; the unbiased model's identity columns ("female",
# "muslim"...) say who is mentioned, not that the text is abusive, and are ignored.
SUBTYPES = ("toxicity", "insult", "threat", "identity_attack", "obscene", "sexual_explicit")
_ABUSE_CLASSES = frozenset((*SUBTYPES, "severe_toxicity"))
_CHUNK_CHARS = 1500  # well under 512 tokens, so the tokenizer never truncates
_SUBTYPE_FLOOR = 0.5


class DetoxifyClassifier(Classifier):
    """Detoxify for the abuse score and subtype; the embedded backend for the rest."""

    name = "detoxify"

    def __init__(self, settings: ClassifierSettings) -> None:
        super().__init__()
        self._settings = settings
        self._embedded = EmbeddedClassifier(settings)
        self._lock = threading.Lock()
        self._model: Any = None
        self._tokenizer: Any = None
        self._classes: list[str] = []
        self._model_name = (
            settings.detoxify_checkpoint.name
            if settings.detoxify_checkpoint is not None
            else settings.detoxify_model
        )

    @property
    def version(self) -> str:  # type: ignore[override]
        return f"detoxify-{self._model_name}+{self._embedded.version}"

    @property
    def classes(self) -> list[str]:
        self.load()
        return list(self._classes)

    def load(self) -> None:
        self._embedded.load()
        with self._lock:
            if self._model is not None:
                return
            settings = self._settings
            if (
                settings.detoxify_checkpoint is not None
                and settings.detoxify_config_dir is not None
            ):
                checkpoint = _read_local(settings.detoxify_checkpoint)
                source: str | Path = settings.detoxify_config_dir
                local = True
            else:
                checkpoint = _download(settings.detoxify_model)
                source = str(checkpoint["config"]["arch"]["args"]["model_type"])
                local = False
            self._model, self._tokenizer, self._classes = _build(checkpoint, source, local)
            _LOGGER.info("detoxify model %s loaded: %s", self._model_name, ", ".join(self._classes))

    def toxicity(self, texts: Sequence[str]) -> list[dict[str, float]]:
        """Detoxify's class scores per text: the maximum over chunks of the whole text."""
        import torch

        self.load()
        chunks: list[str] = []
        owners: list[int] = []
        for index, text in enumerate(texts):
            for chunk in _chunks(text):
                chunks.append(chunk)
                owners.append(index)
        results: list[dict[str, float]] = [dict.fromkeys(self._classes, 0.0) for _ in texts]
        batch = self._settings.batch_size
        with torch.inference_mode():
            for begin in range(0, len(chunks), batch):
                encoded = self._tokenizer(
                    chunks[begin : begin + batch],
                    return_tensors="pt",
                    truncation=True,
                    max_length=512,
                    padding=True,
                )
                scores = torch.sigmoid(self._model(**encoded)[0]).numpy()
                for row, owner in zip(scores, owners[begin : begin + batch], strict=True):
                    for name, value in zip(self._classes, row, strict=True):
                        results[owner][name] = max(results[owner][name], float(value))
        return results

    def classify_sync(self, texts: Sequence[str]) -> list[Verdict]:
        readings = self._embedded.read(texts)
        toxicity = self.toxicity([normalise(t if isinstance(t, str) else "") for t in texts])
        extra: list[list[Finding]] = []
        for classes in toxicity:
            abuse, subtype = map_abuse(classes)
            found = abuse >= _SUBTYPE_FLOOR
            reason = f"detoxify {subtype} {abuse:.0%}"
            extra.append([Finding(Label.ABUSE, abuse, reason, subtype)] if found else [])
        return self._embedded.verdicts(texts, readings, extra, self.name, self.version)


def map_abuse(classes: dict[str, float]) -> tuple[float, str]:
    """The abuse score (strongest abuse class) and subtype (most specific class that is sure)."""
    relevant = {name: score for name, score in classes.items() if name in _ABUSE_CLASSES}
    if not relevant:
        return 0.0, "toxicity"
    score = max(relevant.values())
    specific = {
        name: value
        for name, value in relevant.items()
        if name not in ("toxicity", "severe_toxicity") and value >= _SUBTYPE_FLOOR
    }
    subtype = max(specific, key=lambda name: specific[name]) if specific else "toxicity"
    return score, subtype


def _chunks(text: str) -> list[str]:
    """Sentence-aligned pieces of at most ``_CHUNK_CHARS``, so nothing is cut off."""
    if len(text) <= _CHUNK_CHARS:
        return [text]
    pieces: list[str] = []
    current = ""
    for start, end in sentence_spans(text) or [(0, len(text))]:
        sentence = text[start:end]
        while len(sentence) > _CHUNK_CHARS:
            pieces.append(sentence[:_CHUNK_CHARS])
            sentence = sentence[_CHUNK_CHARS:]
        if current and len(current) + len(sentence) + 1 > _CHUNK_CHARS:
            pieces.append(current)
            current = ""
        current = f"{current} {sentence}".strip()
    if current:
        pieces.append(current)
    return pieces


def _read_local(path: Path) -> dict[str, Any]:
    import torch

    try:
        loaded = torch.load(path, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError:
        # Some published checkpoints pickle more than tensors; the file is the one the
        # operator configured, so it is trusted like the code itself.
        _LOGGER.warning("%s holds more than tensors; loading it with full unpickling", path)
        loaded = torch.load(path, map_location="cpu", weights_only=False)
    except (OSError, RuntimeError) as exc:
        raise ClassifierError(f"{path}: cannot read the detoxify checkpoint: {exc}") from exc
    _check_format(loaded, str(path))
    return dict(loaded)


def _download(model: str) -> dict[str, Any]:
    import torch

    try:
        from detoxify.detoxify import MODEL_URLS
    except ImportError as exc:
        raise ClassifierError(
            "the detoxify backend needs: pip install 'hallmonitor[detoxify]'"
        ) from exc
    if model not in MODEL_URLS:
        raise ClassifierError(f"unknown detoxify model {model!r}; one of {', '.join(MODEL_URLS)}")
    try:
        loaded = torch.hub.load_state_dict_from_url(
            MODEL_URLS[model], map_location="cpu", weights_only=False
        )
    except (OSError, RuntimeError) as exc:
        raise ClassifierError(
            f"cannot download the detoxify {model!r} checkpoint ({exc}); on an offline server "
            "set detoxify_checkpoint and detoxify_config_dir to copied files"
        ) from exc
    _check_format(loaded, MODEL_URLS[model])
    return dict(loaded)


def _check_format(loaded: object, where: str) -> None:
    try:
        assert isinstance(loaded, dict)
        args = loaded["config"]["arch"]["args"]
        _ = (
            args["model_name"],
            args["num_classes"],
            loaded["config"]["dataset"]["args"]["classes"],
        )
        _ = loaded["state_dict"]
    except (AssertionError, KeyError, TypeError) as exc:
        raise ClassifierError(
            f"{where}: not a detoxify checkpoint (needs config.arch.args, "
            "config.dataset.args.classes and state_dict)"
        ) from exc


def _build(
    checkpoint: dict[str, Any], source: str | Path, local: bool
) -> tuple[Any, Any, list[str]]:
    """The transformers model and tokenizer the checkpoint describes, with its weights."""
    import transformers

    args = checkpoint["config"]["arch"]["args"]
    classes = [
        _RENAME.get(name, name) for name in checkpoint["config"]["dataset"]["args"]["classes"]
    ]
    try:
        model_class = getattr(transformers, args["model_name"])
        tokenizer_class = getattr(transformers, args.get("tokenizer_name", "AutoTokenizer"))
        config = model_class.config_class.from_pretrained(
            str(source), num_labels=int(args["num_classes"]), local_files_only=local
        )
        model = model_class(config)
        tokenizer = tokenizer_class.from_pretrained(str(source), local_files_only=local)
    except (AttributeError, OSError, ValueError) as exc:
        raise ClassifierError(f"cannot build the detoxify model from {source}: {exc}") from exc
    result = model.load_state_dict(checkpoint["state_dict"], strict=False)
    missing = [key for key in result.missing_keys if not key.endswith("position_ids")]
    if missing:
        raise ClassifierError(
            f"the detoxify checkpoint does not fit {args['model_name']}: "
            f"{len(missing)} weights missing, e.g. {missing[0]}"
        )
    if len(classes) != int(args["num_classes"]):
        raise ClassifierError(
            f"checkpoint names {len(classes)} classes for {args['num_classes']} outputs"
        )
    model.eval()
    return model, tokenizer, classes
