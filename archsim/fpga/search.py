"""Design search of Zhang et al. (FPGA 2015): one unified (Tm, Tn) for all layers, tiles per layer.

Exhaustive and vectorised: every (Tm, Tn) that fits the board x every pair of
input/output bank sizes is costed on every layer at once with numpy. Per layer the
buffers allow a best tiling (fewest tiles, then least input halo). Designs rank by
network cycles (the paper's cross-layer criterion: the sum of each layer's execution
time under the shared unroll factors), ties going to fewer DSPs, then fewer BRAMs.
The chosen design then takes the smallest buffers (in BRAM) whose network time is
within ``buffer_tolerance_pct`` of its fastest buffers: the paper's "best performance
with the lowest resource requirement".

A (Tm, Tn) whose chunk counts ``ceil(M/Tm)``, group packing ``Tm // (M/G)`` (and the
same for Tn) equal those of Tm - 1 (Tn - 1) in every layer costs exactly as much with
more hardware; such dominated designs are counted but not costed.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from archsim.config.fpga import FpgaConfig
from archsim.errors import InputError
from archsim.fpga import resources as res
from archsim.fpga.model import BufferLevels, best_tiles, buffer_levels, layer_cost
from archsim.fpga.shapes import LayerShape, TileOptions, tile_options


@dataclass(frozen=True)
class Candidates:
    """Every costed design with its roofline point (arrays, one entry per (Tm, Tn)).

    ``cycles`` is inf where no buffer size fits the board. Performance figures are in
    GFLOPS (2 ops per MAC); ``ctc`` is the computation-to-communication ratio in
    FLOP per DRAM byte. ``valid_designs`` counts all fitting (Tm, Tn), dominated ones too.
    """

    tm: np.ndarray
    tn: np.ndarray
    dsp: np.ndarray
    bram18k: np.ndarray
    lut: np.ndarray
    ff: np.ndarray
    cycles: np.ndarray
    compute_roof_gflops: np.ndarray
    ctc: np.ndarray
    attainable_gflops: np.ndarray
    valid_designs: int


@dataclass(frozen=True)
class Design:
    """The chosen engine: unroll factors, bank depths (words) and each layer's tiling index."""

    tm: int
    tn: int
    in_blocks: int
    out_blocks: int
    in_depth: int
    weight_depth: int
    out_depth: int
    tile_index: tuple[int, ...]


@dataclass(frozen=True)
class SearchResult:
    """The chosen design, the layers it was costed on, and all candidates (for roofline plots)."""

    design: Design
    shapes: tuple[LayerShape, ...]
    options: tuple[TileOptions, ...]
    candidates: Candidates


def _breakpoints(sizes: list[tuple[int, int]], limit: int) -> np.ndarray:
    """Values t in 1..limit where ceil(size/t) or min(t // size, groups) changes for some layer."""
    t = np.arange(1, limit + 1, dtype=np.int64)
    keep = t == 1
    for size, groups in set(sizes):
        chunks = -(-size // t)
        packed = np.minimum(t // size, groups)
        keep[1:] |= (chunks[1:] != chunks[:-1]) | (packed[1:] != packed[:-1])
    return t[keep]


def _lane_limit(config: FpgaConfig) -> int:
    """An upper bound on Tm * Tn from the DSP and LUT budgets."""
    board = config.board_spec
    cap = config.utilization_cap
    per_dsp = 2.0 if res.packs_int8(config.precision, board.dsp_kind) else 1.0 / res.DSP_PER_MAC[config.precision]
    by_dsp = cap * board.dsp * per_dsp
    by_lut = (cap * board.lut - res.BASE_LUT[board.hard_memory_controller]) / res.LANE_LUT[config.precision]
    return max(1, math.floor(min(by_dsp, by_lut)) + 1)


def _design_grid(shapes: tuple[LayerShape, ...], config: FpgaConfig) -> tuple[np.ndarray, np.ndarray]:
    """Non-dominated (Tm, Tn) pairs within the lane budget (or the one fixed design)."""
    fixed = config.fixed_design
    if fixed is not None:
        return np.array([fixed[0]]), np.array([fixed[1]])
    if not shapes:
        return np.array([1]), np.array([1])
    limit = _lane_limit(config)
    tms = _breakpoints([(s.group_out, s.groups) for s in shapes], min(limit, max(s.out_channels for s in shapes)))
    tns = _breakpoints([(s.group_in, s.groups) for s in shapes], min(limit, max(s.in_channels for s in shapes)))
    tm, tn = (a.ravel() for a in np.meshgrid(tms, tns, indexing="ij"))
    keep = tm * tn <= limit
    return tm[keep], tn[keep]


def _count_valid(shapes: tuple[LayerShape, ...], config: FpgaConfig) -> int:
    """All (Tm, Tn) up to the layers' channel counts whose DSPs, LUTs and FFs fit (dominated ones included)."""
    if config.fixed_design is not None or not shapes:
        return 1
    board = config.board_spec
    limit = _lane_limit(config)
    top_m = min(limit, max(s.out_channels for s in shapes))
    top_n = min(limit, max(s.in_channels for s in shapes))
    total = 0
    for tn in range(1, top_n + 1):
        tm = np.arange(1, min(top_m, limit // tn) + 1)
        if tm.size == 0:
            break
        zero = np.zeros_like(tm)
        used = res.design_resources(
            tm, np.full_like(tm, tn), res.BufferDepths(zero, zero, zero), config.precision, board
        )
        total += int(np.count_nonzero(res.fits(used, board, config.utilization_cap)))
    return total


def _layer_tilings(options: tuple[TileOptions, ...], levels: BufferLevels) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per layer and buffer pair: chosen tiling index, tile count and input area (inf where none fits)."""
    index = np.stack([best_tiles(o, levels.in_depth, levels.out_depth) for o in options])
    tiles = np.full(index.shape, np.inf)
    area = np.full(index.shape, np.inf)
    for layer, option in enumerate(options):
        ok = index[layer] >= 0
        tiles[layer, ok] = option.tiles[index[layer, ok]]
        area[layer, ok] = option.in_area[index[layer, ok]]
    return index, tiles, area


def search_design(shapes: tuple[LayerShape, ...], config: FpgaConfig) -> SearchResult:
    """Cost every design on every layer and choose one (or cost the fixed one); raises if none fits."""
    board = config.board_spec
    precision = config.precision
    options = tuple(tile_options(s) for s in shapes)
    levels = buffer_levels(precision)
    index, tiles, area = _layer_tilings(options, levels)
    weight_depth = max((s.kernel_area for s in shapes), default=1)

    tm, tn = _design_grid(shapes, config)
    depths = res.BufferDepths(levels.in_depth[None, :], np.array([[weight_depth]]), levels.out_depth[None, :])
    used = res.design_resources(tm[:, None], tn[:, None], depths, precision, board)
    used = {name: np.broadcast_to(value, (tm.size, levels.in_depth.size)) for name, value in used.items()}
    fits = res.fits(used, board, config.utilization_cap)

    word_bytes = precision.bytes
    bpc = config.dram_bytes_per_cycle
    cycles = np.zeros(fits.shape)
    compute = np.zeros(fits.shape)
    traffic = np.zeros(fits.shape)
    for layer, shape in enumerate(shapes):
        cost = layer_cost(
            shape, tm[:, None], tn[:, None], tiles[layer][None, :], area[layer][None, :],
            config.pipeline_cycles, word_bytes, bpc,
        )  # fmt: skip
        cycles += cost.cycles
        compute += cost.compute_cycles
        traffic += cost.traffic_words
    feasible = fits & np.isfinite(cycles)
    if not feasible.any():
        raise InputError(_no_fit_message(config, tm, tn, used))

    timed = np.where(feasible, cycles, np.inf)
    fastest = timed.min(axis=1)
    near = timed <= fastest[:, None] * (1.0 + config.buffer_tolerance_pct / 100.0)
    bram_key = np.where(near, used["bram18k"] + timed / (timed.max(where=feasible, initial=1.0) + 1.0), np.inf)
    choice = np.argmin(bram_key, axis=1)
    rows = np.arange(tm.size)
    ok = np.isfinite(fastest)

    flops = 2.0 * sum(s.macs for s in shapes)
    hz = config.clock_hz
    chosen_cycles = np.where(ok, timed[rows, choice], np.inf)
    pick = lambda a: np.where(ok, a[rows, choice], np.nan)  # noqa: E731
    with np.errstate(divide="ignore", invalid="ignore"):
        candidates = Candidates(
            tm=tm,
            tn=tn,
            dsp=used["dsp"][:, 0].copy(),
            bram18k=pick(used["bram18k"]),
            lut=pick(used["lut"]),
            ff=used["ff"][:, 0].copy(),
            cycles=chosen_cycles,
            compute_roof_gflops=flops / pick(compute) * hz / 1e9,
            ctc=flops / (pick(traffic) * word_bytes),
            attainable_gflops=flops / chosen_cycles * hz / 1e9,
            valid_designs=_count_valid(shapes, config),
        )
    order = np.lexsort((used["bram18k"][rows, choice], used["dsp"][:, 0], np.where(ok, fastest, np.inf)))
    best = int(order[0])
    b = int(choice[best])
    design = Design(
        tm=int(tm[best]),
        tn=int(tn[best]),
        in_blocks=int(levels.in_blocks[b]),
        out_blocks=int(levels.out_blocks[b]),
        in_depth=int(levels.in_depth[b]),
        weight_depth=int(weight_depth),
        out_depth=int(levels.out_depth[b]),
        tile_index=tuple(int(i) for i in index[:, b]),
    )
    return SearchResult(design=design, shapes=shapes, options=options, candidates=candidates)


def _no_fit_message(config: FpgaConfig, tm: np.ndarray, tn: np.ndarray, used: dict[str, np.ndarray]) -> str:
    """One line naming the resource that the smallest design overflows."""
    board = config.board_spec
    smallest = int(np.argmin(tm * tn))
    lean = {name: int(value[smallest].min()) for name, value in used.items()}
    overflow = res.first_overflow(lean, board, config.utilization_cap)
    if config.fixed_design is not None:
        if overflow is None:
            return f"{config.name}: design {config.design}: no buffer size holds a tile of every layer on {board.name}"
        return f"{config.name}: design {config.design} does not fit {board.name}: needs {overflow}"
    label = f"{int(tm[smallest])}x{int(tn[smallest])}"
    return f"{config.name}: no design fits {board.name}: even {label} needs {overflow}"
