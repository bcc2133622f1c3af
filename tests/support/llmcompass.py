"""LLMCompass's measured A100 sweeps and GPT-3 layer, and archsim's predictions of the same operators.

The measurements (../shared/reference/llm/llmcompass/, README there) are PyTorch wall
clock on one A100, launch and synchronisation included; LLMCompass adds a per-kernel
overhead to its simulated figures for that reason (21 us matmul, 12 us softmax,
45 us layernorm and GELU) and so does this comparison, on top of what the preset's
systolic model predicts. The GPT-3-175B layer is tensor-parallel over 4 GPUs (the
shard on one GPU: 24 of 96 heads, 1/4 of the projections); its two all-reduces are
NVLink transfers archsim does not model: the end-to-end comparison adds LLMCompass's
measured all-reduce figures and says so.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from archsim.config.manycore import ManyCoreConfig
from archsim.config.systolic import SystolicConfig
from archsim.manycore.instructions import PassCount
from archsim.manycore.model import op_cost
from archsim.systolic.costs import hardware
from archsim.systolic.layer import layer_on
from workloads.ops import Activation, MatMul, Op, VectorFn, VectorOp

OVERHEAD_S = {"matmul": 21e-6, "softmax": 12e-6, "layernorm": 45e-6, "gelu": 45e-6}
"""LLMCompass's per-kernel launch overhead added to simulated A100 figures (its README/paper)."""

GELU_TANH = PassCount(fp32=16.75, alu=5.25, sfu=2.0, issued=26.25)
"""Per element, the tanh GELU LLMCompass timed (``gelu(approximate="tanh")`` under ``torch.compile``): the
``gelu_tanh`` loop of archsim/manycore/vector_kernels.cu as ``python -m archsim.manycore.sass_counts`` counts
it. The IR's GELU is counted as the erf form; docs/llm.md says what the tanh form would change."""

NORM_OPS = 5
"""Arithmetic per element of softmax/layernorm (the workloads' figure)."""


@dataclass(frozen=True)
class Measured:
    """One measured operator: what it is, and its latency on the A100."""

    name: str
    op: Op
    overhead: str
    latency_s: float
    launches: int = 1
    """How many runs of ``op`` the row sums: LLMCompass times the Q, K and V projections as three runs of one
    projection (``Q_proj.run_on_gpu() * 3`` in its ``software_model/transformer.py``), each with its launch."""


@dataclass(frozen=True)
class Compared:
    """A measured operator beside archsim's prediction (overhead included) and the DRAM bytes it moves."""

    measured: Measured
    model_s: float
    """The preset's own latency, before the launch overhead."""
    predicted_s: float
    dram_bytes: float

    @property
    def error(self) -> float:
        """Signed relative error of the prediction."""
        return self.predicted_s / self.measured.latency_s - 1


def _vector(name: str, fn: VectorFn, elements: int, ops: int, row: int = 0) -> VectorOp:
    """One measured vector op; an activation is the IR's GELU (counted as the erf form; LLMCompass timed the
    tanh form, see :data:`GELU_TANH`)."""
    activation = Activation.GELU if fn is VectorFn.ACTIVATION else None
    return VectorOp(name, fn, elements, elements, ops, activation=activation, row=row)


def operator_sweeps(folder: Path) -> list[Measured]:
    """Every row of the matmul, softmax, layernorm and GELU sweeps."""
    rows: list[Measured] = []
    with (folder / "matmul_A100.csv").open() as handle:
        for m, n, k, latency, _ in csv.reader(handle):
            op = MatMul(f"matmul {m}x{n}x{k}", m=int(m), n=int(n), k=int(k))
            rows.append(Measured(op.name, op, "matmul", float(latency.strip().removesuffix("ms")) * 1e-3))
    for kind, fn in (("softmax", VectorFn.SOFTMAX), ("layernorm", VectorFn.LAYERNORM)):
        with (folder / f"{kind}_A100.csv").open() as handle:
            for m, n, rate in csv.reader(handle):
                elements = int(m) * int(n)
                op = _vector(f"{kind} {m}x{n.strip()}", fn, elements, NORM_OPS, row=int(n))  # over the last dim
                rows.append(Measured(op.name, op, kind, elements / (float(rate) * 1e9)))
    with (folder / "gelu_A100.csv").open() as handle:
        for count, rate in csv.reader(handle):
            op = _vector(f"gelu {count}", VectorFn.ACTIVATION, int(count), 1)
            rows.append(Measured(op.name, op, "gelu", int(count) / (float(rate) * 1e9)))
    return rows


LAYER_ROWS = (
    "Q_K_V",
    "Q_mul_K",
    "A_mul_V",
    "Wo_proj",
    "W1_proj",
    "W2_proj",
    "Softmax",
    "LayerNorm_MHA",
    "LayerNorm_FFN",
    "GeLU",
    "AllReduce_MHA",
    "AllReduce_FFN",
)
"""Row order of LLMCompass's transformer CSVs (its README)."""


def gpt3_layer(folder: Path, decode: bool) -> tuple[list[Measured], float]:
    """The GPT-3-175B layer shard's operators (batch 8; prefill of 2048 or one step over 3072) and
    the measured all-reduce seconds (not modelled)."""
    d, heads, head_dim, shards, batch = 12288, 96, 128, 4, 8
    local_heads = heads // shards
    # a decode step appends its token to a cache of 3,072 (LLMCompass's K_concat/V_concat), so it attends over 3,073
    queries, keys = (1, 3073) if decode else (2048, 2048)
    tokens = batch * queries
    file = "transformerAR_A100.csv" if decode else "transformer_A100.csv"
    latencies = [float(line) for line in (folder / file).read_text().split()]
    ops: dict[str, tuple[Op, str]] = {
        "Q_K_V": (MatMul("Q_K_V", m=tokens, n=d // shards, k=d), "matmul"),
        "Q_mul_K": (
            MatMul("Q_mul_K", m=queries, n=keys, k=head_dim, batch=batch * local_heads, weight_operand=False),
            "matmul",
        ),
        "A_mul_V": (
            MatMul("A_mul_V", m=queries, n=head_dim, k=keys, batch=batch * local_heads, weight_operand=False),
            "matmul",
        ),
        "Wo_proj": (MatMul("Wo_proj", m=tokens, n=d, k=d // shards), "matmul"),
        "W1_proj": (MatMul("W1_proj", m=tokens, n=4 * d // shards, k=d), "matmul"),
        "W2_proj": (MatMul("W2_proj", m=tokens, n=d, k=4 * d // shards), "matmul"),
        "Softmax": (
            _vector("Softmax", VectorFn.SOFTMAX, batch * local_heads * queries * keys, NORM_OPS, row=keys),
            "softmax",
        ),
        "LayerNorm_MHA": (_vector("LayerNorm_MHA", VectorFn.LAYERNORM, tokens * d, NORM_OPS, row=d), "layernorm"),
        "LayerNorm_FFN": (_vector("LayerNorm_FFN", VectorFn.LAYERNORM, tokens * d, NORM_OPS, row=d), "layernorm"),
        "GeLU": (_vector("GeLU", VectorFn.ACTIVATION, tokens * 4 * d // shards, 1), "gelu"),
    }
    rows = [
        Measured(name, op, overhead, latencies[LAYER_ROWS.index(name)], 3 if name == "Q_K_V" else 1)
        for name, (op, overhead) in ops.items()
    ]
    all_reduce = sum(latencies[LAYER_ROWS.index(name)] for name in ("AllReduce_MHA", "AllReduce_FFN"))
    return rows, all_reduce


def predict(rows: list[Measured], config: SystolicConfig | ManyCoreConfig) -> list[Compared]:
    """archsim's latency of every row on ``config`` (a systolic or many-core preset) plus LLMCompass's
    launch overhead of its kind."""
    compared = []
    for row in rows:
        model_s, dram_bytes = _model(row.op, config)
        n = row.launches
        compared.append(Compared(row, n * model_s, n * (model_s + OVERHEAD_S[row.overhead]), n * dram_bytes))
    return compared


def compute_bound_clocks(compared: list[Compared], config: ManyCoreConfig) -> dict[str, float]:
    """Per matmul the model finds compute-bound and the A100 ran for over 10x its launch overhead: the clock
    (MHz) at which the model's cycles take the measured kernel time. A diagnostic of the GEMM gap
    (docs/llm.md), never a model input."""
    clocks = {}
    for c in compared:
        launches = c.measured.launches
        kernel_s = c.measured.latency_s - launches * OVERHEAD_S[c.measured.overhead]
        large = c.measured.overhead == "matmul" and kernel_s > 10 * launches * OVERHEAD_S["matmul"]
        if large and op_cost(c.measured.op, config).bound == "compute":
            clocks[c.measured.name] = config.clock_mhz * c.model_s / kernel_s
    return clocks


def _model(op: Op, config: SystolicConfig | ManyCoreConfig) -> tuple[float, float]:
    """The preset's own latency of ``op`` and the DRAM bytes it moves."""
    if isinstance(config, ManyCoreConfig):
        cost = op_cost(op, config)
        return cost.cycles / (config.clock_mhz * 1e6), cost.dram_read_bytes + cost.dram_write_bytes
    layer = layer_on(op, hardware(config), config, None)
    words = layer.ifmap_dram_reads + layer.filter_dram_reads + layer.ofmap_dram_writes
    return layer.latency_s, words * config.word_bytes
