"""An int8 TFLite decoder block of a small Llama-style model, for the Vela comparison (docs/llm.md).

One decode step (one token, batch 1) of one layer with grouped-query attention over a
KV cache held as constants: per key/value head, Q K^T and P V are FULLY_CONNECTED ops
whose weights are that head's cached K (``positions x head_dim``) and V^T
(``head_dim x positions``), with the group's query heads as rows, the way an int8
embedded runtime keeps a static cache. The block: RMSNorm as a MUL by the norm
weights, the new token's K/V projection (a graph output: the cache append), the Q
projection split by KV group, the attention per KV head (FC, SOFTMAX, FC), the
output projection, the residual ADD, the second norm MUL, the gated MLP (gate and up
FCs, LOGISTIC and two MULs for SiLU(gate) x up), the down projection and the
residual ADD. Built with the NPU tests' writer (tests/support/tflite_models.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from support.tflite_models import TfliteGraphWriter


@dataclass(frozen=True)
class TinyLlama:
    """Shapes of the block (defaults: a 256-wide, 4-head, 2-KV-head model with a 128-position cache)."""

    hidden: int = 256
    heads: int = 4
    kv_heads: int = 2
    ffn: int = 512
    positions: int = 128

    @property
    def head_dim(self) -> int:
        """Width of one head."""
        return self.hidden // self.heads

    @property
    def group(self) -> int:
        """Query heads per key/value head."""
        return self.heads // self.kv_heads


def write_decoder_block(path: Path, shape: TinyLlama = TinyLlama()) -> Path:
    """Write the int8 decode-step block of ``shape`` to ``path``."""
    w = TfliteGraphWriter("int8", seed=0, description="archsim tiny Llama decode block")
    x = w.input((1, shape.hidden), name="hidden")
    norm1 = w.mul(x, w.input((1, shape.hidden), name="norm1_weight"), name="norm1")
    new_kv = w.fully_connected(norm1, 2 * shape.kv_heads * shape.head_dim, name="kv_proj")
    contexts = []
    for head in range(shape.kv_heads):
        query = w.fully_connected(norm1, shape.group * shape.head_dim, name=f"q_proj{head}")
        rows = w.reshape(query, (shape.group, shape.head_dim), name=f"q{head}_rows")
        scores = w.fully_connected(rows, shape.positions, name=f"scores{head}")
        probs = w.softmax(scores, name=f"softmax{head}")
        contexts.append(w.fully_connected(probs, shape.head_dim, name=f"context{head}"))
    merged = w.reshape(w.concat(contexts, axis=0, name="merge"), (1, shape.hidden), name="merge_view")
    x = w.add(w.fully_connected(merged, shape.hidden, name="o_proj"), x, name="attn_add")
    norm2 = w.mul(x, w.input((1, shape.hidden), name="norm2_weight"), name="norm2")
    gate = w.fully_connected(norm2, shape.ffn, name="gate")
    up = w.fully_connected(norm2, shape.ffn, name="up")
    act = w.mul(w.mul(gate, w.logistic(gate, name="sigmoid"), name="silu"), up, name="act_mul")
    out = w.add(w.fully_connected(act, shape.hidden, name="down"), x, name="mlp_add")
    return w.write(path, [out, new_kv])


def vela_cycles_by_op(per_layer_csv: Path) -> dict[str, float]:
    """Vela's total cycles per original operator of the block, keyed by our op names.

    Vela names a row after its output tensor; a softmax is decomposed into many rows
    (``scores{h}_softmax_*`` then ``softmax{h}``) and a concatenation into one row per
    input, all summed here. Ops Vela fuses into a neighbour report 0 cycles and are left out.
    """
    import csv

    cycles: dict[str, float] = {}
    with per_layer_csv.open() as handle:
        for row in csv.DictReader(handle):
            name = row["Name"]
            if "_softmax_" in name:
                name = "softmax" + name.removeprefix("scores").partition("_")[0]
            cycles[name] = cycles.get(name, 0.0) + float(row["Op Cycles"])
    return {name: value for name, value in cycles.items() if value > 0}
