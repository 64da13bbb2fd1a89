"""Running the network over a batch of comments, window by window.

A comment longer than one window is read as several; its reading keeps the strongest window
for each hide label (one sentence of disclosure decides a long post) and the mean of the
windows for the keep labels (a long post is a complaint if most of it complains).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import torch
from torch import nn

from bot.classifier.decision import HIDE_INDEX
from bot.classifier.tokens import WINDOW, CommentTokenizer, by_length, pad

FloatArray = npt.NDArray[np.float32]
_KEEP_INDEX = [index for index in range(9) if index not in HIDE_INDEX]


@dataclass(frozen=True, slots=True)
class Reading:
    """The network's view of one comment."""

    probabilities: FloatArray  # nine values, label order
    hide_score: float  # the summed probability of the hide labels, strongest window
    pooled: FloatArray  # the mean-pooled embedding, for nearest training comments


def read(
    net: nn.Module,
    tokenizer: CommentTokenizer,
    texts: Sequence[str],
    batch_size: int = 32,
    window: int = WINDOW,
) -> list[Reading]:
    """One reading per text, in order; the network must be in eval mode."""
    if not texts:
        return []
    windows = tokenizer.windows(texts, window)
    probabilities = np.zeros((len(windows.ids), 9), dtype=np.float32)
    pooled = np.zeros((len(windows.ids), 384), dtype=np.float32)
    with torch.inference_mode():
        for chosen in by_length(windows.ids, batch_size):
            ids, mask = pad([windows.ids[i] for i in chosen])
            logits, embedding = net(ids, mask)
            probabilities[chosen] = torch.softmax(logits.float(), dim=-1).numpy()
            pooled[chosen] = embedding.float().numpy()
    owners = np.array(windows.owners)
    readings = []
    for index in range(len(texts)):
        rows = np.flatnonzero(owners == index)
        mine = probabilities[rows]
        combined = np.empty(9, dtype=np.float32)
        combined[HIDE_INDEX] = mine[:, HIDE_INDEX].max(axis=0)
        combined[_KEEP_INDEX] = mine[:, _KEEP_INDEX].mean(axis=0)
        hide = float(mine[:, HIDE_INDEX].sum(axis=1).max())
        readings.append(Reading(combined, hide, pooled[rows].mean(axis=0)))
    return readings
