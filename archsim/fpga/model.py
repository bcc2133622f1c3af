"""The analytical model of Zhang et al. (FPGA 2015): cycles and DRAM traffic of one layer on a Tm x Tn engine.

The loop nest runs, for every Tr x Tc tile of the output, ``ceil(M/Tm)`` output
chunks x ``ceil(N/Tn)`` input chunks; each (to, ti) iteration computes Tr*Tc*K*K
cycles of Tm x Tn MACs plus P pipeline cycles (P from :mod:`archsim.fpga.pipeline`;
the paper's execution-cycle formula
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
    """Cycles and traffic of one layer (numpy scalars for one design, arrays broadcast over designs and buffers).

    ``iterations`` counts (to, ti) chunk iterations per tile; traffic is in words.
    The P part of the compute cycles and the input words are kept as their factors
    (``iteration_fill`` x ``tile_count``, ``input_per_area`` x ``in_area``) and
    multiplied out on request, so the search pays only for the cycles it ranks
    designs by.
    """

    iterations: np.ndarray
    out_chunks: np.ndarray
    in_chunks: np.ndarray
    iteration_fill: np.ndarray
    tile_count: np.ndarray
    compute_cycles: np.ndarray
    memory_cycles: np.ndarray
    cycles: np.ndarray
    input_per_area: np.ndarray
    in_area: np.ndarray
    weight_words: np.ndarray
    output_words: np.ndarray

    @property
    def pipeline_cycles(self) -> np.ndarray:
        """The P part of ``compute_cycles``: P per tile and chunk iteration, all images."""
        return self.iteration_fill * self.tile_count

    @property
    def input_words(self) -> np.ndarray:
        """Input words loaded: every tile's input (with halos) once per output chunk."""
        return self.input_per_area * self.in_area


def layer_cost(
    shape: LayerShape,
    tm: np.ndarray | int,
    tn: np.ndarray | int,
    tiles: np.ndarray | float,
    in_area: np.ndarray | float,
    pipeline: np.ndarray | int,
    word_bytes: float,
    dram_bytes_per_cycle: float,
) -> LayerCost:
    """The paper's cycles and traffic of a layer on Tm x Tn with the given tiling: the one cost formula.

    Every argument broadcasts, so the same formula costs one design (scalars, as
    :func:`archsim.fpga.network.simulate_fpga` does) or every design x buffer size at
    once (``(designs, 1)`` unroll factors and P against ``(1, buffers)`` tilings, as
    :func:`archsim.fpga.search.search_design` does). Products are grouped so that
    per-design and per-buffer factors multiply before they meet: five full-size
    operations per layer (two products, two sums, one maximum).

    - compute = iterations x images x (R C K K + tiles x P)
    - memory = (input words + weight words + output words) x bytes per word / bytes per cycle,
      input words = images x N x ceil(M/Tm) x in_area, weight words = images x tiles x M x N/G x K K,
      output words = images x M x R x C
    - cycles = max(compute, memory): double buffering overlaps transfers with compute.
    """
    tm = np.asarray(tm, dtype=np.int64)
    tn = np.asarray(tn, dtype=np.int64)
    side_by_side = np.clip(np.minimum(tm // shape.group_out, tn // shape.group_in), 1, shape.groups)
    passes = -(-shape.groups // side_by_side)
    out_chunks = -(-shape.group_out // tm)
    in_chunks = -(-shape.group_in // tn)
    iterations = passes * out_chunks * in_chunks
    tiles = np.asarray(tiles, dtype=np.float64)
    in_area = np.asarray(in_area, dtype=np.float64)
    per_word = word_bytes / dram_bytes_per_cycle
    iteration_fill = iterations * np.asarray(pipeline)
    tile_count = shape.images * tiles
    compute = iterations * (shape.images * shape.rows * shape.cols * shape.kernel_area) + iteration_fill * tile_count
    input_per_area = shape.images * shape.in_channels * out_chunks
    weight_words = (shape.images * shape.out_channels * shape.group_in * shape.kernel_area) * tiles
    output_words = np.float64(shape.images * shape.out_channels * shape.rows * shape.cols)
    memory = input_per_area * (in_area * per_word) + (weight_words + output_words) * per_word
    return LayerCost(
        iterations=iterations,
        out_chunks=out_chunks,
        in_chunks=in_chunks,
        iteration_fill=iteration_fill,
        tile_count=tile_count,
        compute_cycles=compute,
        memory_cycles=memory,
        cycles=np.maximum(compute, memory),
        input_per_area=input_per_area,
        in_area=in_area,
        weight_words=weight_words,
        output_words=output_words,
    )
