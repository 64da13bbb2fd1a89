"""Merging labelled CSVs into one corpus without near-duplicates.

Writers asked for hundreds of comments repeat themselves; two comments that differ by a
name or a word teach the model nothing new and make a split look better than it is. A row
is dropped when its embedding (pre-trained MiniLM, mean-pooled) has cosine similarity above
the threshold with a row kept before it.
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import numpy.typing as npt

from bot.classifier.dataset import DatasetError

_COLUMNS = ("text", "label", "platform", "note")


def merge(
    files: Sequence[Path], out: Path, threshold: float = 0.9, against: Sequence[Path] = ()
) -> tuple[int, int]:
    """Write the de-duplicated rows of ``files`` to ``out``; returns (kept, dropped).

    A row near any row of ``against`` (the evaluation set) is dropped too, so that no
    near-copy of an evaluation comment is trained on.
    """
    rows = _read(files)
    vectors = embed([row["text"] for row in rows])
    held = embed([row["text"] for row in _read(against)]) if against else None
    kept: list[int] = []
    for index in range(len(rows)):
        if kept and float((vectors[kept] @ vectors[index]).max()) > threshold:
            continue
        if held is not None and float((held @ vectors[index]).max()) > threshold:
            continue
        kept.append(index)
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=_COLUMNS)
        writer.writeheader()
        writer.writerows(rows[i] for i in kept)
    return len(kept), len(rows) - len(kept)


def _read(files: Sequence[Path]) -> list[dict[str, str]]:
    rows: list[dict[str, str]] = []
    for path in files:
        try:
            with path.open(encoding="utf-8-sig", newline="") as handle:
                reader = csv.DictReader(handle)
                if reader.fieldnames is None or not {"text", "label"} <= set(reader.fieldnames):
                    raise DatasetError(f"{path}: the header must name the columns text and label")
                rows += [{k: (row.get(k) or "").strip() for k in _COLUMNS} for row in reader]
        except OSError as exc:
            raise DatasetError(f"{path}: {exc.strerror or exc}") from exc
    return [row for row in rows if row["text"]]


def embed(texts: Sequence[str]) -> npt.NDArray[np.float32]:
    """Unit-length pre-trained MiniLM sentence embeddings (all-MiniLM-L6-v2's own pooling)."""
    import torch

    from bot.classifier.network import CommentNet
    from bot.classifier.tokens import CommentTokenizer, by_length, pad

    net = CommentNet()
    net.load_pretrained()
    net.eval()
    windows = CommentTokenizer().windows(texts)
    pooled = np.zeros((len(windows.ids), 384), dtype=np.float32)
    with torch.inference_mode():
        for chosen in by_length(windows.ids, 64):
            ids, mask = pad([windows.ids[i] for i in chosen])
            pooled[chosen] = net.embed(ids, mask).numpy()
    owners = np.array(windows.owners)
    vectors = np.stack([pooled[owners == i].mean(axis=0) for i in range(len(texts))])
    unit: npt.NDArray[np.float32] = vectors / np.maximum(
        np.linalg.norm(vectors, axis=1, keepdims=True), 1e-9
    )
    return unit
