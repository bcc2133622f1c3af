"""Build the Workload of an LLM spec: prefill, a representative decode step, or both.

One decoder layer is, in op order (names ``{phase}.L{i}.{op}``):
``norm1`` -> ``qkv`` (Q, K and V in one matmul, as vLLM and GenZ fuse them) ->
``rope`` (rotary embeddings on the new tokens' Q and K; rotary models only) ->
``scores`` (Q K^T) -> ``softmax`` -> ``context`` (P V) -> ``o_proj`` -> ``attn_add``
-> ``norm2`` -> MLP -> ``mlp_add``. The MLP is ``gate_up`` (gate and up fused) ->
``act_mul`` (SiLU(gate) * up) -> ``down`` for gated models, ``up`` (GELU fused) ->
``down`` for non-gated models (GPT-2, GPT-NeoX, Phi, StarCoder2), and ``router``
-> ``experts_gate_up`` -> ``act_mul`` -> ``experts_down`` -> ``combine`` for a
mixture of experts (with a shared expert: ``shared_gate_up`` -> ``shared_act_mul``
-> ``shared_down`` and its one-output sigmoid ``shared_gate``, summed in ``combine``).
After the layers: ``norm_f`` and the ``lm_head`` on the last position of every sequence.

Variants: per-head ``qk_norm`` after ``qkv`` (Qwen3, Gemma-3); ``post_attn_norm``
and ``post_mlp_norm`` before the residual adds (Gemma-2/3); a parallel block
(GPT-NeoX, Phi) feeds ``norm1`` to attention and ``norm2`` (Phi: ``norm1`` again)
to the MLP and adds both to the input in one ``parallel_add``; Gemma's
``embed_scale`` (sqrt(hidden)) before the first layer; Gemma-2's ``softcap``
(``cap * tanh(s / cap)``) on the attention scores and ``logit_softcap`` on the LM
head's logits. Layers differ where the model says so: a sliding window on some
layers only, dense MLPs on some layers of a mixture of experts.

Attention is written per key/value head, the way grouped-query attention kernels
run it: a batched matmul over ``batch * kv_heads`` with the ``group`` query heads
that share a key/value head stacked as rows, so K and V are read once per group.
Prefill attends the whole ``prompt x keys`` square (GenZ's and the zoo's count;
causal kernels can skip the upper half); decode attends the KV cache, a graph
input per layer and operand (``{phase}.L{i}.k_cache``, ``.v_cache``) at its own
precision. The new token's K and V are part of the ``qkv`` output, which is
written back (the cache append). A sliding window caps the keys per query.

A mixture of experts routes ``tokens * top_k`` token-expert pairs, spread evenly
over ``min(experts, tokens * top_k)`` active experts (GenZ's balanced routing):
one matmul over the active experts' stacked weights, ``ceil(pairs / active)``
rows each.

Weights are at ``wbits`` (int4/int8/fp16); quantised weights carry one fp16
scale per ``group`` weights (per output channel when ``group`` is 0) as an
extra weight tensor of the matmul.

Rotary embeddings (RoFormer, Su et al. 2021, eq. 34) rotate each pair
``(x1, x2)`` of the first ``rotary_dim`` dimensions of every query and key head
by its position: ``(x1 cos - x2 sin, x2 cos + x1 sin)``, 4 multiplies and
2 adds per pair, so ``ROPE_OPS_PER_ELEMENT`` = 3 per rotated element. ``rope``
reads and writes the rotated Q and K elements at the activation precision (in
place, as vLLM's kernel does; the unrotated dimensions and V are not touched)
and one ``rotary_dim``-wide cos/sin table row per token (``rotary_dim / 2``
cosines and as many sines, vLLM's ``cos_sin_cache``; at the activation
precision, as transformers casts cos/sin to the query's dtype); the table holds
no parameters. Its graph input is the fused ``qkv`` tensor (the IR has no
views), its element counts are the rotated ones. GPT-2's learned absolute
positions are one ``pos_add`` per token before the first layer (the embedding
plus the token's position row). Biases and the embedding lookup have no MACs
and are folded (the input is the token embeddings).
"""

from __future__ import annotations

import math

from workloads.graph import Node, Tensor, TensorKind, Workload
from workloads.llm.config import LlmConfig
from workloads.llm.spec import SCALE_PRECISION, LlmSpec, Phase
from workloads.ops import Activation, MatMul, Op, VectorFn, VectorOp
from workloads.precision import Precision

NORM_OPS_PER_ELEMENT = 5
"""Arithmetic per element of a norm or softmax (the zoo's figure for LayerNorm/softmax)."""

ROPE_OPS_PER_ELEMENT = 3
"""Arithmetic per rotated element: a pair takes 4 multiplies and 2 adds (RoFormer eq. 34)."""

SOFTCAP_OPS_PER_ELEMENT = 3
"""Arithmetic per element of ``cap * tanh(x / cap)``: a divide, the tanh, a multiply."""


class _Graph:
    """Tensors and nodes in topological order, frozen into a Workload at the end."""

    def __init__(self, spec: LlmSpec) -> None:
        self.spec = spec
        self.tensors: dict[str, Tensor] = {}
        self.nodes: list[Node] = []

    def tensor(self, name: str, shape: tuple[int, ...], kind: TensorKind, precision: Precision | None = None) -> str:
        self.tensors[name] = Tensor(name, shape, kind, precision)
        return name

    def emit(self, op: Op, inputs: list[str], out_shape: tuple[int, ...]) -> str:
        out = self.tensor(f"{op.name}:out", out_shape, TensorKind.ACTIVATION)
        self.nodes.append(Node(op, tuple(inputs), (out,)))
        return out

    def weights(self, name: str, k: int, n: int) -> list[str]:
        """A k x n weight matrix at the spec's weight precision, plus its scales when quantised."""
        run = self.spec.run
        names = [self.tensor(f"{name}:w", (k, n), TensorKind.WEIGHT, run.weight_precision)]
        if run.weight_precision is not Precision.FP16:
            per_scale = run.group or k
            scales = (math.ceil(k / per_scale), n)
            names.append(self.tensor(f"{name}:scales", scales, TensorKind.WEIGHT, SCALE_PRECISION))
        return names

    def linear(self, name: str, x: str, m: int, n: int, k: int, activation: Activation | None = None) -> str:
        op = MatMul(name, m=m, n=n, k=k, activation=activation)
        return self.emit(op, [x, *self.weights(name, k, n)], (m, n))

    def vector(
        self,
        name: str,
        fn: VectorFn,
        inputs: list[str],
        shape: tuple[int, ...],
        ops: int,
        act: Activation | None = None,
    ) -> str:
        """A vector op whose output has ``shape`` (rows of tokens or scores x width); a softmax or
        norm reduces over the last axis, its row."""
        elements = sum(self.tensors[t].numel for t in inputs)
        row = shape[-1] if fn in (VectorFn.SOFTMAX, VectorFn.LAYERNORM) else 0
        op = VectorOp(name, fn, elements, math.prod(shape), ops, len(inputs), act, row)
        return self.emit(op, inputs, shape)

    def kv_cache(self, name: str, heads: int, positions: int, head_dim: int) -> list[str]:
        """One operand's KV cache as a graph input at the KV precision (plus scales when quantised)."""
        run = self.spec.run
        names = [self.tensor(name, (heads, positions, head_dim), TensorKind.INPUT, run.kv_precision)]
        if run.kv_precision is not Precision.FP16:
            groups = math.ceil(positions * head_dim / (run.group or head_dim))
            names.append(self.tensor(f"{name}:scales", (groups, heads), TensorKind.INPUT, SCALE_PRECISION))
        return names


def _rope(g: _Graph, c: LlmConfig, prefix: str, qkv: str, m: int) -> str:
    """Rotary embeddings on the ``m`` new tokens' query and key heads, with one cos/sin table row per token."""
    rotated = m * (c.heads + c.kv_heads) * c.rotary_dim
    table = g.tensor(f"{prefix}.rope_table", (m, c.rotary_dim), TensorKind.INPUT)
    op = VectorOp(
        f"{prefix}.rope",
        VectorFn.MUL,
        input_elements=rotated + m * c.rotary_dim,
        output_elements=rotated,
        ops_per_output=ROPE_OPS_PER_ELEMENT,
        num_inputs=2,
    )
    return g.emit(op, [qkv, table], (m, (c.heads + c.kv_heads) * c.rotary_dim))


def _qk_norm(g: _Graph, c: LlmConfig, prefix: str, qkv: str, m: int) -> str:
    """Per-head RMSNorm of the ``m`` new tokens' query and key heads (rows of ``head_dim``)."""
    heads = m * (c.heads + c.kv_heads)
    op = VectorOp(
        f"{prefix}.qk_norm",
        VectorFn.LAYERNORM,
        input_elements=heads * c.head_dim,
        output_elements=heads * c.head_dim,
        ops_per_output=NORM_OPS_PER_ELEMENT,
        num_inputs=1,
        row=c.head_dim,
    )
    return g.emit(op, [qkv], (heads, c.head_dim))


def _attention(g: _Graph, c: LlmConfig, prefix: str, x: str, seqs: int, queries: int, keys: int, decode: bool) -> str:
    """Self-attention of ``seqs`` sequences with ``queries`` new positions each, over ``keys`` keys."""
    m = seqs * queries
    qkv = g.linear(f"{prefix}.qkv", x, m, c.q_width + 2 * c.kv_width, c.hidden)
    kv_batch = seqs * c.kv_heads
    rows = c.group * queries
    qk = _qk_norm(g, c, prefix, qkv, m) if c.qk_norm else qkv
    qk = _rope(g, c, prefix, qk, m) if c.rotary_dim else qk
    k_source: list[str] = [qk]
    v_source: list[str] = [qkv]
    if decode:
        k_source = g.kv_cache(f"{prefix}.k_cache", kv_batch, keys, c.head_dim)
        v_source = g.kv_cache(f"{prefix}.v_cache", kv_batch, keys, c.head_dim)
    scores_op = MatMul(f"{prefix}.scores", m=rows, n=keys, k=c.head_dim, batch=kv_batch, weight_operand=False)
    scores = g.emit(scores_op, [qk, *k_source], (kv_batch, rows, keys))
    if c.attn_softcap:
        scores = g.vector(
            f"{prefix}.softcap",
            VectorFn.ACTIVATION,
            [scores],
            (kv_batch, rows, keys),
            SOFTCAP_OPS_PER_ELEMENT,
            Activation.TANH,
        )
    probs = g.vector(f"{prefix}.softmax", VectorFn.SOFTMAX, [scores], (kv_batch, rows, keys), NORM_OPS_PER_ELEMENT)
    context_op = MatMul(f"{prefix}.context", m=rows, n=c.head_dim, k=keys, batch=kv_batch, weight_operand=False)
    context = g.emit(context_op, [probs, *v_source], (kv_batch, rows, c.head_dim))
    return g.linear(f"{prefix}.o_proj", context, m, c.hidden, c.q_width)


def _gate_activation(c: LlmConfig) -> Activation:
    """The activation a gated MLP applies to its gate (SiLU or GELU)."""
    return Activation.SWISH if c.activation == "silu" else Activation.GELU


def _mlp(g: _Graph, c: LlmConfig, prefix: str, x: str, m: int, width: int, name: str = "") -> str:
    """A dense MLP ``width`` wide (gated, or a GELU up projection) of ``m`` tokens; op names prefixed ``name``."""
    if not c.gated_mlp:
        up = g.linear(f"{prefix}.{name}up", x, m, width, c.hidden, Activation.GELU)
        return g.linear(f"{prefix}.{name}down", up, m, c.hidden, width)
    gate_up = g.linear(f"{prefix}.{name}gate_up", x, m, 2 * width, c.hidden)
    act = g.vector(f"{prefix}.{name}act_mul", VectorFn.MUL, [gate_up], (m, width), 1, _gate_activation(c))
    return g.linear(f"{prefix}.{name}down", act, m, c.hidden, width)


def _moe(g: _Graph, c: LlmConfig, prefix: str, x: str, m: int) -> str:
    """Router, the active experts' MLPs as stacked matmuls, a shared expert, and the weighted combine."""
    router = g.linear(f"{prefix}.router", x, m, c.experts, c.hidden)
    pairs = m * c.top_k
    active = min(c.experts, pairs)
    rows = math.ceil(pairs / active)
    width = c.expert_width
    if c.gated_mlp:
        gate_up = g.linear(f"{prefix}.experts_gate_up", x, rows, active * 2 * width, c.hidden)
        act = g.vector(f"{prefix}.act_mul", VectorFn.MUL, [gate_up], (rows, active * width), 1, _gate_activation(c))
    else:
        act = g.linear(f"{prefix}.experts_up", x, rows, active * width, c.hidden, Activation.GELU)
    down_op = MatMul(f"{prefix}.experts_down", m=rows, n=c.hidden, k=active * width)
    down = g.emit(down_op, [act, *g.weights(down_op.name, active * width, c.hidden)], (rows, c.hidden))
    parts, ops = [down, router], c.top_k
    if c.shared_expert_ffn:
        shared = _mlp(g, c, prefix, x, m, c.shared_expert_ffn, "shared_")
        gate = g.linear(f"{prefix}.shared_gate", x, m, 1, c.hidden, Activation.SIGMOID)
        parts, ops = [*parts, shared, gate], ops + 2  # sigmoid(gate) * shared, then its add
    return g.vector(f"{prefix}.combine", VectorFn.ADD, parts, (m, c.hidden), ops)


def _norm(g: _Graph, c: LlmConfig, name: str, x: str, m: int) -> str:
    """A hidden-wide norm (RMSNorm or LayerNorm) of ``m`` tokens."""
    return g.vector(name, VectorFn.LAYERNORM, [x], (m, c.hidden), NORM_OPS_PER_ELEMENT)


def _layer(
    g: _Graph, c: LlmConfig, index: int, prefix: str, x: str, seqs: int, queries: int, keys: int, decode: bool
) -> str:
    """Decoder layer ``index``: attention and MLP, sequential or parallel, with the model's norms."""
    m = seqs * queries
    h = _norm(g, c, f"{prefix}.norm1", x, m)
    a = _attention(g, c, prefix, h, seqs, queries, keys, decode)
    if c.sandwich_norm:
        a = _norm(g, c, f"{prefix}.post_attn_norm", a, m)
    if c.parallel_residual:
        h = h if c.shared_norm else _norm(g, c, f"{prefix}.norm2", x, m)
    else:
        x = g.vector(f"{prefix}.attn_add", VectorFn.ADD, [a, x], (m, c.hidden), 1)
        h = _norm(g, c, f"{prefix}.norm2", x, m)
    f = _moe(g, c, prefix, h, m) if c.moe_layer(index) else _mlp(g, c, prefix, h, m, c.ffn)
    if c.sandwich_norm:
        f = _norm(g, c, f"{prefix}.post_mlp_norm", f, m)
    if c.parallel_residual:
        return g.vector(f"{prefix}.parallel_add", VectorFn.ADD, [a, f, x], (m, c.hidden), 2)
    return g.vector(f"{prefix}.mlp_add", VectorFn.ADD, [f, x], (m, c.hidden), 1)


def _phase(g: _Graph, phase: str, queries: int, positions: int, decode: bool) -> None:
    """One forward pass over ``positions`` keys: embeddings, every layer, final norm, LM head on the last positions."""
    c, spec = g.spec.config, g.spec
    seqs = spec.run.batch
    m = seqs * queries
    x = g.tensor(f"{phase}.embeddings", (seqs, queries, c.hidden), TensorKind.INPUT)
    if c.position_embeddings:
        rows = g.tensor(f"{phase}.position_rows", (seqs, queries, c.hidden), TensorKind.INPUT)
        x = g.vector(f"{phase}.pos_add", VectorFn.ADD, [x, rows], (m, c.hidden), 1)
    if c.embedding_scale:
        x = g.vector(f"{phase}.embed_scale", VectorFn.MUL, [x], (m, c.hidden), 1)
    for index in range(spec.layers):
        keys = c.attended(positions, index)
        x = _layer(g, c, index, f"{phase}.L{index}", x, seqs, queries, keys, decode)
    x = _norm(g, c, f"{phase}.norm_f", x, m)
    logits = g.linear(f"{phase}.lm_head", x, seqs, c.vocab, c.hidden)
    if c.logit_softcap:
        g.vector(
            f"{phase}.logit_softcap",
            VectorFn.ACTIVATION,
            [logits],
            (seqs, c.vocab),
            SOFTCAP_OPS_PER_ELEMENT,
            Activation.TANH,
        )


def build_llm(spec: LlmSpec) -> Workload:
    """The Workload of ``spec``, named by its canonical spec string, at the activation precision."""
    run, c = spec.run, spec.config
    g = _Graph(spec)
    if run.phase in (Phase.PREFILL, Phase.REQUEST):
        _phase(g, "prefill", run.prompt, run.prompt, decode=False)
    if run.decode_steps:
        _phase(g, "decode", 1, run.step_positions, decode=True)
    return Workload(
        name=spec.text,
        nodes=tuple(g.nodes),
        tensors=tuple(g.tensors.values()),
        precision=run.activation_precision,
        source=c.source,
        after=_decode_after_prefill(g.nodes) if run.phase is Phase.REQUEST else (),
    )


def _decode_after_prefill(nodes: list[Node]) -> tuple[tuple[str, str], ...]:
    """A request's decode step waits for its prefill: each decode op that reads no other op's output starts
    after the prefill's last op (the step embeds the token sampled from those logits; the embedding
    lookup and the sampling are folded, so no tensor carries the wait)."""
    last_prefill = [node.name for node in nodes if node.name.startswith("prefill.")][-1]
    produced: set[str] = set()
    roots: list[str] = []
    for node in nodes:
        if node.name.startswith("decode.") and not produced.intersection(node.inputs):
            roots.append(node.name)
        produced.update(node.outputs)
    return tuple((last_prefill, root) for root in roots)
