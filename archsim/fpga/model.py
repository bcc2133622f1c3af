"""The analytical model of Zhang et al. (FPGA 2015): cycles and DRAM traffic of one layer on a Tm x Tn engine.

The loop nest runs, for every Tr x Tc tile of the output, ``ceil(M/Tm)`` output
chunks x ``ceil(N/Tn)`` input chunks; each (to, ti) iteration computes Tr*Tc*K*K
cycles of Tm x Tn MACs plus P pipeline cycles (the paper's execution-cycle formula
``ceil(M/Tm) * ceil(N/Tn) * (R/Tr) * (C/Tc) * (Tr*Tc*K*K + P)``; edge tiles are
shorter, so the pixel term sums to R*C*K*K exactly).

Traffic follows the paper's alpha * B terms with local memory promotion of the
output: the input of a tile is loaded once per output chunk (alpha_in = M/Tm * N/Tn *
tiles, B_in = Tn (S Tr + K - S)(S Tc + K - S)), the weights once per tile (alpha_wght
* B_wght), the output written once (alpha_out = M/Tm * tiles, B_out = Tm Tr Tc).
Double buffering overlaps transfers with compute, so a layer takes
``max(compute cycles, traffic / bandwidth)``: the roofline's
``min(computation roof, CTC x bandwidth)``; the excess over compute is the stall.

Groups: when a group fits the array (M/G <= Tm and N/G <= Tn), ``min(G, Tm // (M/G),
Tn // (N/G))`` groups run side by side on block-diagonal lanes (the weights off the
diagonal blocks are zero, so the adder trees sum only their own group); otherwise
groups run one after another, each as its own small convolution. A depthwise
convolution therefore runs min(Tm, Tn) channels at a time.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from archsim.fpga.resources import accumulator_bits, words_per_bram18k
from archsim.fpga.shapes import LayerShape, TileOptions
from workloads.precision import Precision

INPUT_BLOCKS: tuple[int, ...] = (1, 2, 4, 8, 16, 32, 64)
"""18 Kb blocks per input bank the search tries."""

OUTPUT_BLOCKS: tuple[int, ...] = (1, 2, 4, 8, 16)
"""18 Kb blocks per output bank the search tries."""


@dataclass(frozen=True)
class BufferLevels:
    """Candidate input/output bank sizes (flat arrays, one entry per pair)."""

    in_blocks: np.ndarray
    out_blocks: np.ndarray
    in_depth: np.ndarray
    out_depth: np.ndarray


def buffer_levels(precision: Precision) -> BufferLevels:
    """Every (input blocks, output blocks) pair with its bank depths in words."""
    in_blocks, out_blocks = (a.ravel() for a in np.meshgrid(INPUT_BLOCKS, OUTPUT_BLOCKS, indexing="ij"))
    return BufferLevels(
        in_blocks=in_blocks,
        out_blocks=out_blocks,
        in_depth=in_blocks * words_per_bram18k(precision.bits),
        out_depth=out_blocks * words_per_bram18k(accumulator_bits(precision)),
    )


def best_tiles(options: TileOptions, in_depth: np.ndarray, out_depth: np.ndarray) -> np.ndarray:
    """Index of the tiling each buffer size allows with the fewest tiles, then the least input; -1 if none fits.

    Fewer tiles means fewer pipeline fills and weight reloads and smaller input
    halos, so this tiling is the fastest one the buffers hold.
    """
    fit = (options.in_depth[None, :] <= np.asarray(in_depth)[:, None]) & (
        options.out_depth[None, :] <= np.asarray(out_depth)[:, None]
    )
    key = options.tiles.astype(np.float64) * (options.in_area.max() + 1.0) + options.in_area
    scored = np.where(fit, key[None, :], np.inf)
    best = np.argmin(scored, axis=1)
    return np.where(np.isfinite(scored[np.arange(len(best)), best]), best, -1)


@dataclass(frozen=True)
class LayerCost:
    """Cycles and traffic of one layer (arrays broadcast over designs and buffers).

    ``iterations`` counts (to, ti) chunk iterations per tile; traffic is in words.
    """

    iterations: np.ndarray
    compute_cycles: np.ndarray
    pipeline_cycles: np.ndarray
    memory_cycles: np.ndarray
    cycles: np.ndarray
    input_words: np.ndarray
    weight_words: np.ndarray
    output_words: np.ndarray
    out_chunks: np.ndarray
    in_chunks: np.ndarray


def layer_cost(
    shape: LayerShape,
    tm: np.ndarray,
    tn: np.ndarray,
    tiles: np.ndarray,
    in_area: np.ndarray,
    pipeline: int,
    word_bytes: float,
    dram_bytes_per_cycle: float,
) -> LayerCost:
    """The paper's cycles and traffic for a layer on Tm x Tn with the given tiling (all broadcast)."""
    tm = np.asarray(tm, dtype=np.int64)
    tn = np.asarray(tn, dtype=np.int64)
    side_by_side = np.clip(np.minimum(tm // shape.group_out, tn // shape.group_in), 1, shape.groups)
    passes = -(-shape.groups // side_by_side)
    out_chunks = -(-shape.group_out // tm)
    in_chunks = -(-shape.group_in // tn)
    iterations = passes * out_chunks * in_chunks
    tiles = np.asarray(tiles, dtype=np.float64)
    pixels = shape.rows * shape.cols * shape.kernel_area
    fill = shape.images * iterations * tiles * pipeline
    compute = shape.images * iterations * pixels + fill
    input_words = shape.images * shape.in_channels * out_chunks * np.asarray(in_area, dtype=np.float64)
    weight_words = shape.images * tiles * shape.out_channels * shape.group_in * shape.kernel_area
    output_words = np.full(np.shape(compute), float(shape.images * shape.out_channels * shape.rows * shape.cols))
    memory = (input_words + weight_words + output_words) * word_bytes / dram_bytes_per_cycle
    return LayerCost(
        iterations=iterations,
        compute_cycles=compute,
        pipeline_cycles=fill,
        memory_cycles=memory,
        cycles=np.maximum(compute, memory),
        input_words=input_words,
        weight_words=weight_words,
        output_words=output_words,
        out_chunks=out_chunks,
        in_chunks=in_chunks,
    )
