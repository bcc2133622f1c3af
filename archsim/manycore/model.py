"""What one op costs on a many-core (GPU-class) device: tiles over cores in waves, a shared L2, DRAM.

A matmul (batched or not) runs as one kernel whose output is cut into tiles of
``tm x tn`` (edges from the config's ``tile_sizes``); each core computes one tile
at a time, so the tiles run in ``waves = ceil(tiles / cores)`` (``units`` instead of
tiles when K is split, below). A tile shape is a
candidate when its operand slices fit the core's SRAM double-buffered and its
accumulators (4 bytes per output) take less than the core's register file (the matrix
instructions read their operands from registers too). Latency is built
in named steps, per tile and candidate tile shape (the kernel takes the fastest):

1. *compute*: the tile's outputs fold onto the core's ``arrays_per_core`` matrix
   arrays as on archsim's output-stationary systolic array (the systolic family's
   fold arithmetic: ``ceil(rows / array_rows) x ceil(cols / array_cols)`` folds, each
   ``k`` steps plus the fill/drain skew), the folds shared out over the arrays (a
   GEMV of one row still occupies ``array_rows`` rows);
2. *L2 port*: the tile's operand slices cross from the shared L2 to the core at the
   core's share of the L2 bandwidth (``l2_bytes_per_cycle / cores``);
3. *DRAM share*: the bytes the tile brings from DRAM, at the core's share of the DRAM
   bandwidth (``dram / cores``): the memory system serves every core alike, so a kernel
   with fewer tiles than cores cannot reach the full DRAM rate (an idle core's share
   is lost);
4. the main loop streams ``ceil(k / tile_k)`` slices through double-buffered SRAM:
   the longer of compute and load (2-3) paces it, and one slice of the shorter is
   not hidden (the first slice loads before any compute, the last computes after
   every load); the *epilogue* then writes the tile's outputs at the core's DRAM
   share, after its main loop.

*Split-K*: where a tile shape leaves cores idle (fewer output tiles than cores, a decode
step's GEMV), the kernel may also cut ``k`` into up to ``split_k_max`` slices, each slice of
each tile a unit of work on its own core (cuBLAS's and CUTLASS's split-K); the units write
fp32 partial sums to DRAM as their epilogue and a reduction reads them back and writes the
output, at the whole DRAM rate. Each candidate (tile shape, slices) is priced by the steps
above over its units; the kernel takes the fastest.

DRAM traffic: operands shared by many tiles cross the DRAM once while they fit in
half the L2 (the tiles of a wave read them from there); a larger operand is read
again for each wave footprint (a swizzled raster of about ``sqrt(cores)`` tiles on a
side) that needs it. A kernel never moves more than DRAM bandwidth x its time, nor
computes above the arrays' peak.

Vector ops stream their operands through the cores' lanes: the longest of their
arithmetic, their L2 bytes over the L2 port and their DRAM bytes over the DRAM
bandwidth. The arithmetic is the instructions PyTorch's CUDA kernel executes per element
(:mod:`archsim.manycore.instructions`: FP32, integer/logic, special-function and issue
throughput per core, the slowest of them) for the kinds counted there (softmax, layer
norm, GELU, SiLU, add, mul), else the IR's operations over all lanes. A row-wise kernel
runs one row per block of ``row_block_threads`` and makes passes over it
(``ROW_PASSES``: a softmax's max, sum of exponentials and normalisation; a layer norm's
statistics and normalisation), every pass a read of the row from the L2 and the output
written once. Between two reads of an element every row in flight on the device brings
one row's worth of new lines into the L2 (an input row starting its first pass, or an
output row being written), so the re-reads hit the L2 while the rows in flight (``cores
x threads_per_core / row_block_threads``, at most the op's rows) fit it and come from
the DRAM otherwise (an LRU cache streamed past its size keeps nothing). An op whose row
length the workload does not carry keeps the row-blind rule: a softmax's three passes
from the DRAM, any other op's inputs read once.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from archsim.config.manycore import ACCUMULATOR_BYTES, ManyCoreConfig
from archsim.manycore.instructions import arithmetic_cycles
from archsim.systolic.dataflow import OutputStationary
from workloads.ops import Conv2d, MatMul, Op, VectorFn, VectorOp

ROW_PASSES = {VectorFn.SOFTMAX: 3, VectorFn.LAYERNORM: 2}
"""Reads of each row by PyTorch's CUDA kernels: the block softmax (``cunn_SoftMaxForward``: max,
sum of exponentials, normalisation) and ``vectorized_layer_norm_kernel`` (Welford statistics,
then the normalisation), aten/src/ATen/native/cuda/SoftMax.cu and layer_norm_kernel.cu."""


@dataclass(frozen=True)
class KernelCost:
    """One op's kernel on the device: time, ideal compute, DRAM bytes, and what bounds it."""

    cycles: float
    compute_cycles: float
    """The kernel's MACs (padding included) at the arrays' peak, or a vector op's counted instructions
    (else the IR's operations over every lane) at the cores' throughputs."""
    dram_input_bytes: float
    """DRAM bytes read of the left operand (a vector op's inputs)."""
    dram_weight_bytes: float
    """DRAM bytes read of the right operand (a weight, or attention's K/V)."""
    dram_write_bytes: float
    l2_input_bytes: float
    """Bytes of the left operand the cores read from the L2 (a vector op: its DRAM reads)."""
    l2_weight_bytes: float
    bound: str
    """``compute``, ``l2`` or ``dram``: the step that sets the kernel's time."""
    tile: tuple[int, int] | None = None
    """The output tile (``tm``, ``tn``) a matmul ran with."""
    waves: int = 1
    padded_macs: int = 0
    split_k: int = 1
    """Slices a matmul's K was split into (each slice's tiles write fp32 partial sums a reduction adds)."""
    dram_partial_bytes: float = 0.0
    """A split matmul's fp32 partial sums: written by the slices (in ``dram_write_bytes``) and read back by
    the reduction (in :attr:`dram_read_bytes`)."""

    @property
    def dram_read_bytes(self) -> float:
        """Every byte the kernel reads from DRAM."""
        return self.dram_input_bytes + self.dram_weight_bytes + self.dram_partial_bytes


@dataclass(frozen=True)
class Gemm:
    """A batched GEMM as a kernel sees it: ``batch`` problems of ``m x n x k`` and their DRAM operands.

    ``a_bytes`` / ``b_bytes`` / ``c_bytes`` are the operands' bytes in DRAM over the whole
    batch (each problem has its own operands: a weight shared over a batch is one problem
    whose ``m`` holds the batch's rows);
    ``a_element_bytes`` / ``b_element_bytes`` what one element costs on the L2 port.
    """

    batch: int
    m: int
    n: int
    k: int
    a_bytes: float
    b_bytes: float
    c_bytes: float
    a_element_bytes: float
    b_element_bytes: float


def gemm_of(op: MatMul | Conv2d, word_bytes: int, weight_fraction: float = 1.0) -> Gemm:
    """The GEMM of a matmul, or of a convolution as an implicit GEMM (one problem per group).

    ``weight_fraction`` scales the bytes of a packed low-bit right operand (words per element, < 1):
    weights, or the KV cache a batched attention matmul reads.
    """
    w = float(word_bytes)
    b_element = w * weight_fraction
    if isinstance(op, MatMul):
        shared = op.weight_operand  # a weight shared over the batch: the batch's rows are one GEMM's M
        return Gemm(
            batch=1 if shared else op.batch,
            m=op.batch * op.m if shared else op.m,
            n=op.n,
            k=op.k,
            a_bytes=op.input_elements * w,
            b_bytes=op.weight_elements * b_element,
            c_bytes=op.output_elements * w,
            a_element_bytes=w,
            b_element_bytes=b_element,
        )
    return Gemm(
        batch=op.groups,
        m=op.output_pixels,
        n=op.filters_per_group,
        k=op.channels_per_group * op.kernel_h * op.kernel_w,
        a_bytes=op.input_elements * w,
        b_bytes=op.weight_elements * b_element,
        c_bytes=op.output_elements * w,
        a_element_bytes=w,
        b_element_bytes=b_element,
    )


def _re_reads(operand_bytes: float, problems: int, l2_bytes: float, sweeps: np.ndarray) -> np.ndarray:
    """How often an operand crosses the DRAM: once if one problem's share fits half the L2, else ``sweeps``."""
    if operand_bytes / problems <= l2_bytes / 2:
        return np.ones_like(sweeps)
    return sweeps


def gemm_cost(gemm: Gemm, config: ManyCoreConfig) -> KernelCost:
    """The fastest tiling and K split of ``gemm`` on ``config`` (steps in the module docstring)."""
    sizes = np.array(config.tile_sizes, dtype=np.int64)
    splits = np.arange(1, config.split_k_max + 1, dtype=np.int64)
    tm, tn, split = (a.ravel() for a in np.meshgrid(sizes, sizes, splits, indexing="ij"))
    staged = 2 * (tm + tn) * config.tile_k * max(gemm.a_element_bytes, gemm.b_element_bytes)
    held = tm * tn * ACCUMULATOR_BYTES < config.register_file_kb * 1024
    tiles_m = -(-gemm.m // tm)
    tiles_n = -(-gemm.n // tn)
    tiles = gemm.batch * tiles_m * tiles_n
    # split K only where the output tiles leave cores idle, each slice at least one staged depth deep
    splittable = (tiles < config.cores) & (gemm.k >= split * config.tile_k)
    fits = (staged <= config.core_sram_kb * 1024) & held & ((split == 1) | splittable)
    tm, tn, split, tiles_m, tiles_n, tiles = (a[fits] for a in (tm, tn, split, tiles_m, tiles_n, tiles))
    units = tiles * split
    waves = -(-units // config.cores)
    rows = np.minimum(tm, gemm.m)
    cols = np.minimum(tn, gemm.n)
    depth = -(-gemm.k // split)
    folds = OutputStationary().folds(rows, cols, depth, config.array_rows, config.array_cols)
    compute = -(-folds.folds // config.arrays_per_core) * folds.fold_cycles

    side = max(1, math.isqrt(config.cores))
    footprint_m = np.minimum(tiles_m, side)
    footprint_n = np.minimum(tiles_n, -(-config.cores // footprint_m))
    l2_bytes = config.l2_kb * 1024
    a_reads = gemm.a_bytes * _re_reads(gemm.a_bytes, gemm.batch, l2_bytes, -(-tiles_n // footprint_n))
    b_reads = gemm.b_bytes * _re_reads(gemm.b_bytes, gemm.batch, l2_bytes, -(-tiles_m // footprint_m))
    dram_read = a_reads + b_reads

    dram_per_core = config.dram_bytes_per_cycle / config.cores
    l2_per_core = config.l2_bytes_per_cycle / config.cores
    l2_tile = (rows * gemm.a_element_bytes + cols * gemm.b_element_bytes) * depth
    l2_cycles = l2_tile / l2_per_core
    dram_cycles = dram_read / units / dram_per_core
    load = np.maximum(l2_cycles, dram_cycles)
    slices = -(-depth // config.tile_k)
    main_loop = np.maximum(compute, load) + np.minimum(compute, load) / slices
    partials = np.where(split > 1, split * gemm.batch * gemm.m * gemm.n * ACCUMULATOR_BYTES, 0)
    written = np.where(split > 1, partials, gemm.c_bytes)
    epilogue = written / units / dram_per_core
    reduction = np.where(split > 1, (partials + gemm.c_bytes) / config.dram_bytes_per_cycle, 0.0)
    cycles = waves * (main_loop + epilogue) + reduction
    roof = (dram_read + 2 * partials + gemm.c_bytes) / config.dram_bytes_per_cycle
    cycles = np.maximum(cycles, roof)

    best = int(np.argmin(cycles))
    steps = {
        "compute": compute[best],
        "l2": l2_cycles[best],
        "dram": dram_cycles[best] + epilogue[best] + reduction[best] / max(1, waves[best]),
    }
    bound = max(steps, key=lambda name: steps[name])
    padded = int(tiles[best] * folds.folds[best] * config.array_rows * config.array_cols * depth[best] * split[best])
    return KernelCost(
        cycles=float(cycles[best]),
        compute_cycles=float(waves[best] * compute[best]),
        dram_input_bytes=float(a_reads[best]),
        dram_weight_bytes=float(b_reads[best]),
        dram_write_bytes=float(gemm.c_bytes + partials[best]),
        l2_input_bytes=float(units[best] * rows[best] * gemm.a_element_bytes * depth[best]),
        l2_weight_bytes=float(units[best] * cols[best] * gemm.b_element_bytes * depth[best]),
        bound=bound,
        tile=(int(tm[best]), int(tn[best])),
        waves=int(waves[best]),
        padded_macs=padded,
        split_k=int(split[best]),
        dram_partial_bytes=float(partials[best]),
    )


def rows_in_flight(op: VectorOp, config: ManyCoreConfig) -> int:
    """Rows a row-wise kernel holds on the device at once: one per resident block, at most the op's rows."""
    if not op.row:
        raise ValueError(f"{op.name}: rows in flight need the op's row length (VectorOp.row)")
    rows = max(1, op.input_elements // op.row)
    return min(rows, config.cores * (config.threads_per_core // config.row_block_threads))


def dram_read_passes(op: VectorOp, config: ManyCoreConfig) -> int:
    """How many times a vector op's input crosses the DRAM (the module docstring's rule)."""
    passes = ROW_PASSES.get(op.fn, 1)
    if not op.row:
        return passes if op.fn is VectorFn.SOFTMAX else 1
    footprint = rows_in_flight(op, config) * op.row * config.word_bytes
    return 1 if footprint <= config.l2_kb * 1024 else passes


def vector_cost(op: VectorOp, config: ManyCoreConfig) -> KernelCost:
    """A vector op streamed through every core's lanes, bound by its arithmetic, its L2 or its DRAM bytes."""
    input_bytes = float(op.input_elements * config.word_bytes)
    dram_passes = dram_read_passes(op, config)
    read = input_bytes * dram_passes
    l2_read = input_bytes * (ROW_PASSES.get(op.fn, 1) if op.row else dram_passes)
    write = float(op.output_elements * config.word_bytes)
    steps = {
        "compute": max(op.vector_ops / (config.cores * config.vector_lanes_per_core), arithmetic_cycles(op, config)),
        "l2": (l2_read + write) / config.l2_bytes_per_cycle,
        "dram": (read + write) / config.dram_bytes_per_cycle,
    }
    bound = max(steps, key=lambda name: steps[name])
    return KernelCost(
        cycles=steps[bound],
        compute_cycles=steps["compute"],
        dram_input_bytes=read,
        dram_weight_bytes=0.0,
        dram_write_bytes=write,
        l2_input_bytes=l2_read,
        l2_weight_bytes=0.0,
        bound=bound,
    )


def op_cost(op: Op, config: ManyCoreConfig, weight_fraction: float = 1.0) -> KernelCost:
    """The kernel of any op of the IR on ``config``."""
    if isinstance(op, VectorOp):
        return vector_cost(op, config)
    return gemm_cost(gemm_of(op, config.word_bytes, weight_fraction), config)


__all__ = [
    "ROW_PASSES",
    "Gemm",
    "KernelCost",
    "dram_read_passes",
    "gemm_cost",
    "gemm_of",
    "op_cost",
    "rows_in_flight",
    "vector_cost",
]
