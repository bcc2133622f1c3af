"""How many bytes an LLM keeps in memory: its weights (all experts) and its KV cache.

These are resident sizes, the figures to hold against a memory's capacity, at
the spec's precisions: quantised matrices carry one fp16 scale per ``group``
weights; the token embedding table (when not tied to the LM head), biases and
norms stay fp16, as llama.cpp/GPTQ-style formats keep them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from workloads.llm.spec import SCALE_PRECISION, LlmSpec, Phase
from workloads.precision import Precision

FP16_BYTES = Precision.FP16.bytes


def quantised_bytes(rows: int, columns: int, precision: Precision, group: int) -> int:
    """Bytes of a ``rows`` x ``columns`` matrix at ``precision`` with its fp16 scales.

    ``group`` consecutive values of a column (along ``rows``) share a scale; ``group`` 0 means
    one scale per column (per output channel).
    """
    return bits_bytes(rows, columns, precision.bits, group)


def bits_bytes(rows: int, columns: int, bits: int, group: int, scaled: bool = True) -> int:
    """:func:`quantised_bytes` for any bit width (2-bit formats have no :class:`Precision`); 16 bits, or
    ``scaled`` False (values converted to a datapath word, :func:`run_bits`): no scales."""
    data = math.ceil(rows * columns * bits / 8)
    if bits >= 16 or not scaled:
        return data
    scales = math.ceil(rows / (group or rows)) * columns
    return data + math.ceil(scales * SCALE_PRECISION.bits / 8)


@dataclass(frozen=True)
class Footprint:
    """Resident bytes of one spec: weights, the KV cache at its longest, and both together."""

    weight_bytes: int
    kv_cache_bytes: int
    kv_positions: int

    @property
    def total_bytes(self) -> int:
        """Weights plus KV cache."""
        return self.weight_bytes + self.kv_cache_bytes


def weight_bytes(spec: LlmSpec) -> int:
    """Every weight of the built layers (all experts), the LM head, embeddings, norms and biases."""
    c, run = spec.config, spec.run
    layers = spec.layers
    matrices = sum(
        quantised_bytes(k, n, run.weight_precision, run.group)
        for i in range(layers)
        for k, n in c.layer_matrices(layer=i)
    )
    head = quantised_bytes(c.hidden, c.vocab, run.weight_precision, run.group)
    others = c.parameters() - c.matmul_weights() - c.vocab * c.hidden * (1 if c.tied_embeddings else 2)
    embeddings = 0 if c.tied_embeddings else c.vocab * c.hidden
    small = (others * layers // c.layers) if c.layers else 0
    return matrices + head + math.ceil((embeddings + small) * FP16_BYTES)


def _run_positions(spec: LlmSpec) -> int:
    """Positions in the sequence at the end of the run."""
    run = spec.run
    return run.prompt if run.phase is Phase.PREFILL else run.start_context + run.decode_steps


def kv_positions(spec: LlmSpec) -> int:
    """Positions the largest layer cache holds at the end of the run (a sliding window's ring buffer caps a layer)."""
    positions = _run_positions(spec)
    return max(spec.config.attended(positions, i) for i in range(spec.layers))


def kv_cache_bytes(spec: LlmSpec, positions: int | None = None, word_bits: int | None = None) -> int:
    """K and V of every built layer and sequence at ``positions`` (default: the run's end), each layer at its
    window; ``word_bits``: the datapath word a wider cache is converted to (:func:`run_bits`)."""
    c, run = spec.config, spec.run
    positions = _run_positions(spec) if positions is None else positions
    bits, scaled = run_bits(run.kv_precision.bits, word_bits)
    total = 0
    for i in range(spec.layers):
        held = c.attended(positions, i)
        total += bits_bytes(held * c.head_dim, run.batch * c.kv_heads, bits, run.group or c.head_dim, scaled)
    return 2 * total


def run_bits(bits: int, word_bits: int | None) -> tuple[int, bool]:
    """(bits an operand of ``bits`` is read at, whether its scales are read) on a datapath of ``word_bits``:
    values wider than the word are converted to one word each, without scales (``workloads.packing``);
    narrower ones are read packed at their own bits with their scales. ``None``: no conversion."""
    if word_bits is not None and bits > word_bits:
        return word_bits, False
    return bits, True


def footprint(spec: LlmSpec) -> Footprint:
    """Weights and the KV cache at the end of the run."""
    return Footprint(weight_bytes(spec), kv_cache_bytes(spec), kv_positions(spec))


def decode_step_read_bytes(
    spec: LlmSpec, weight_bits: int | None = None, group: int | None = None, word_bits: int | None = None
) -> int:
    """Bytes one decode step must read: the active weights (and scales) once, the LM head, the KV cache.

    The weights of ``min(experts, batch * top_k)`` experts are read; the cache at the representative
    step's positions. ``weight_bits``/``group`` override the spec's (e.g. 2-bit formats); ``word_bits``
    is the datapath word that wider weights or cache are converted to (:func:`run_bits`). This is the
    numerator of a bandwidth-bound decode model: tokens/s <= batch * bandwidth / these bytes.
    """
    c, run = spec.config, spec.run
    bits, scaled = run_bits(run.weight_precision.bits if weight_bits is None else weight_bits, word_bits)
    size = run.group if group is None else group
    active = min(c.experts, run.batch * c.top_k)
    matrices = [*(m for i in range(spec.layers) for m in c.layer_matrices(active, i)), (c.hidden, c.vocab)]
    weights = sum(bits_bytes(k, n, bits, size, scaled) for k, n in matrices)
    cache = kv_cache_bytes(spec, run.step_positions, word_bits) if run.decode_steps else 0
    return weights + cache
