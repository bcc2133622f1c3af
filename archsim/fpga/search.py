"""Design search of Zhang et al. (FPGA 2015): one unified (Tm, Tn) for all layers, tiles per layer.

Exhaustive and vectorised: every (Tm, Tn) that fits the board x every pair of
input/output bank sizes is costed on every layer at once, by the one cost formula
(:func:`archsim.fpga.model.layer_cost`) broadcast over a designs x buffers grid. Per layer the
buffers allow a best tiling (fewest tiles, then least input halo). Designs rank by
network cycles (the paper's cross-layer criterion: the sum of each layer's execution
time under the shared unroll factors), ties going to fewer DSPs, then fewer BRAMs.
The chosen design then takes the smallest buffers (in BRAM) whose network time is
within ``buffer_tolerance_pct`` of its fastest buffers: the paper's "best performance
with the lowest resource requirement".

A (Tm, Tn) whose chunk counts ``ceil(M/Tm)``, group packing ``Tm // (M/G)`` (and the
same for Tn) equal those of Tm - 1 (Tn - 1) in every layer costs at least as much with
more hardware (a wider Tn never shortens the adder tree, so P does not drop); such
dominated designs are counted but not costed.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from archsim.config.fpga import FpgaConfig
from archsim.errors import InputError
from archsim.fpga import resources as res
from archsim.fpga.model import BufferLevels, best_tiles, buffer_levels, layer_cost
from archsim.fpga.pipeline import engine_pipeline
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
    candidates: Candidates | None
    """None for a fixed engine's layers (:func:`on_engine`): nothing was searched."""


def _breakpoints(sizes: set[tuple[int, int]], top: int) -> np.ndarray:
    """Values t in 1..top where ceil(size/t) or min(t // size, groups) changes for some layer."""
    t = np.arange(1, top + 1, dtype=np.int64)
    keep = t == 1
    for size, groups in sizes:
        chunks = -(-size // t)
        packed = np.minimum(t // size, groups)
        keep[1:] |= (chunks[1:] != chunks[:-1]) | (packed[1:] != packed[:-1])
    return t[keep]


def _fits_smallest(tm: np.ndarray, tn: np.ndarray, weight_depth: int, config: FpgaConfig) -> np.ndarray:
    """Whether each (Tm, Tn) fits the board with the smallest buffers."""
    one = res.words_per_bram18k(config.precision.bits)
    acc = res.words_per_bram18k(res.accumulator_bits(config.precision))
    depths = res.BufferDepths(np.array(one), np.array(weight_depth), np.array(acc))
    used = res.design_resources(tm, tn, depths, config.precision, config.board_spec, config.lut_macs)
    return res.fits(used, config.board_spec, config.utilization_cap, config.dsp_budget)


def _largest_tm(tn: np.ndarray, top_m: int, weight_depth: int, config: FpgaConfig) -> np.ndarray:
    """Per Tn, the largest Tm <= top_m that fits the board with the smallest buffers (0 if none).

    Every resource grows with Tm, so a vectorised binary search finds it.
    """
    low = np.zeros_like(tn)
    high = np.full_like(tn, top_m)
    while np.any(low < high):
        mid = (low + high + 1) // 2
        ok = _fits_smallest(mid, tn, weight_depth, config)
        low = np.where(ok, mid, low)
        high = np.where(ok, high, mid - 1)
    return low


def _largest_tn_alone(top_n: int, weight_depth: int, config: FpgaConfig) -> int:
    """The largest Tn <= top_n that fits the board with Tm = 1 (0 if none): no fitting design has a larger Tn."""
    low, high = 0, top_n
    while low < high:
        mid = (low + high + 1) // 2
        if bool(_fits_smallest(np.array(1), np.array(mid), weight_depth, config)):
            low = mid
        else:
            high = mid - 1
    return low


def _design_grid(
    shapes: tuple[LayerShape, ...], weight_depth: int, config: FpgaConfig
) -> tuple[np.ndarray, np.ndarray, int]:
    """Non-dominated fitting (Tm, Tn) pairs and the count of all fitting pairs (or the one fixed design)."""
    fixed = config.fixed_design
    if fixed is not None:
        return np.array([fixed[0]]), np.array([fixed[1]]), 1
    if not shapes:
        return np.array([1]), np.array([1]), 1
    # Resources grow with Tm and Tn, so no fitting design is wider than the widest fitting alone: the grid
    # stops there (an LLM's attention over a long context has hundreds of thousands of "channels").
    top_m = max(1, int(_largest_tm(np.array([1]), max(s.out_channels for s in shapes), weight_depth, config)[0]))
    top_n = max(1, _largest_tn_alone(max(s.in_channels for s in shapes), weight_depth, config))
    every_tn = np.arange(1, top_n + 1, dtype=np.int64)
    valid = int(_largest_tm(every_tn, top_m, weight_depth, config).sum())
    tms = _breakpoints({(s.group_out, s.groups) for s in shapes}, top_m)
    tns = _breakpoints({(s.group_in, s.groups) for s in shapes}, top_n)
    tm, tn = (a.ravel() for a in np.meshgrid(tms, tns, indexing="ij"))
    keep = tm <= _largest_tm(tns, top_m, weight_depth, config)[np.searchsorted(tns, tn)]
    return tm[keep], tn[keep], valid


def _buffer_pairs(options: tuple[TileOptions, ...], levels: BufferLevels) -> tuple[np.ndarray, np.ndarray]:
    """Buffer pairs that hold a tile of every layer, one per distinct set of tilings (the smallest).

    Returns the kept pair indices and the chosen tiling of each layer per kept pair.
    """
    order = np.lexsort((levels.out_blocks, levels.in_blocks))
    if not options:  # no MAC layer (a network of vector ops): the smallest pair holds every tile there is
        return order[:1], np.zeros((0, 1), dtype=np.int64)
    index = np.stack([best_tiles(o, levels.in_depth, levels.out_depth) for o in options])
    order = order[(index[:, order] >= 0).all(axis=0)]
    _, first = np.unique(index[:, order].T, axis=0, return_index=True)
    kept = order[np.sort(first)]
    return kept, index[:, kept]


def search_design(shapes: tuple[LayerShape, ...], config: FpgaConfig) -> SearchResult:
    """Cost every design on every layer and choose one (or cost the fixed one); raises if none fits."""
    board = config.board_spec
    precision = config.precision
    # Layers of the same shape (an LLM's repeated blocks) cost the same on every design: each distinct shape is
    # costed once and counted as often as it occurs.
    distinct: dict[LayerShape, int] = {}
    unique: list[LayerShape] = []
    which: list[int] = []
    for s in shapes:
        key = replace(s, name="")
        if key not in distinct:
            distinct[key] = len(unique)
            unique.append(s)
        which.append(distinct[key])
    counts = np.bincount(which, minlength=len(unique)).astype(np.float64)
    unique_options = tuple(tile_options(s) for s in unique)
    levels = buffer_levels(precision)
    weight_depth = max((s.kernel_area for s in shapes), default=1)
    pairs, unique_index = _buffer_pairs(unique_options, levels)
    if pairs.size == 0:
        raise InputError(f"{config.name}: no buffer size holds a tile of every layer on {board.name}")
    tiles = np.array([o.tiles[i] for o, i in zip(unique_options, unique_index, strict=True)], dtype=np.float64).reshape(
        unique_index.shape
    )
    area = np.array(
        [o.in_area[i] for o, i in zip(unique_options, unique_index, strict=True)], dtype=np.float64
    ).reshape(unique_index.shape)

    tm, tn, valid = _design_grid(shapes, weight_depth, config)
    depths = res.BufferDepths(
        levels.in_depth[pairs][None, :], np.array([[weight_depth]]), levels.out_depth[pairs][None, :]
    )
    used = res.design_resources(tm[:, None], tn[:, None], depths, precision, board, config.lut_macs)
    used = {name: np.broadcast_to(value, (tm.size, pairs.size)) for name, value in used.items()}
    fits = res.fits(used, board, config.utilization_cap, config.dsp_budget)
    if not fits.any():
        raise InputError(_no_fit_message(config, tm, tn, used))

    word_bytes = precision.bytes
    bandwidth = config.dram_bytes_per_cycle
    pipeline = engine_pipeline(tn, precision, config.pipeline_cycles)
    tm_col, tn_col, pipeline_col = tm[:, None], tn[:, None], pipeline[:, None]
    cycles = np.zeros(fits.shape)
    for i, shape in enumerate(unique):
        tiles_row, area_row = tiles[i][None, :], area[i][None, :]
        cost = layer_cost(shape, tm_col, tn_col, tiles_row, area_row, pipeline_col, word_bytes, bandwidth)
        cycles += counts[i] * cost.cycles
    timed = np.where(fits, cycles, np.inf)
    fastest = timed.min(axis=1)
    near = timed <= fastest[:, None] * (1.0 + config.buffer_tolerance_pct / 100.0)
    choice = np.argmin(
        np.where(
            near, used["bram18k"] * (1.0 + timed.shape[1]) + np.argsort(np.argsort(timed, axis=1), axis=1), np.inf
        ),
        axis=1,
    )
    rows = np.arange(tm.size)
    ok = np.isfinite(fastest)
    chosen_cycles = np.where(ok, timed[rows, choice], np.inf)

    compute = np.zeros(tm.size)
    traffic = np.zeros(tm.size)
    for i, shape in enumerate(unique):
        chosen = layer_cost(shape, tm, tn, tiles[i][choice], area[i][choice], pipeline, word_bytes, bandwidth)
        compute += counts[i] * chosen.compute_cycles
        traffic += counts[i] * (chosen.input_words + chosen.weight_words + chosen.output_words)
    flops = 2.0 * sum(s.macs for s in shapes)
    hz = config.clock_hz
    bram = used["bram18k"][rows, choice]
    with np.errstate(divide="ignore", invalid="ignore"):
        candidates = Candidates(
            tm=tm,
            tn=tn,
            dsp=used["dsp"][:, 0].copy(),
            bram18k=bram.copy(),
            lut=used["lut"][:, 0].copy(),
            ff=used["ff"][:, 0].copy(),
            cycles=chosen_cycles,
            compute_roof_gflops=np.where(ok, flops / compute * hz / 1e9, np.nan),
            ctc=np.where(ok, flops / (traffic * word_bytes), np.nan),
            attainable_gflops=flops / chosen_cycles * hz / 1e9,
            valid_designs=valid,
        )
    best = int(np.lexsort((bram, used["dsp"][:, 0], np.where(ok, fastest, np.inf)))[0])
    b = int(pairs[choice[best]])
    design = Design(
        tm=int(tm[best]),
        tn=int(tn[best]),
        in_blocks=int(levels.in_blocks[b]),
        out_blocks=int(levels.out_blocks[b]),
        in_depth=int(levels.in_depth[b]),
        weight_depth=int(weight_depth),
        out_depth=int(levels.out_depth[b]),
        tile_index=tuple(int(unique_index[k, choice[best]]) for k in which),
    )
    options = tuple(unique_options[k] for k in which)
    return SearchResult(design=design, shapes=shapes, options=options, candidates=candidates)


def _no_fit_message(config: FpgaConfig, tm: np.ndarray, tn: np.ndarray, used: dict[str, np.ndarray]) -> str:
    """One line naming the resource that the smallest design overflows."""
    board = config.board_spec
    if tm.size == 0:  # not even a 1x1 engine's DSPs fit the cap or budget
        limit = f"DSP budget {config.dsp_budget}" if config.dsp_budget else f"utilization_cap {config.utilization_cap}"
        return f"{config.name}: no design fits {board.name}: not even a 1x1 engine's DSPs fit within its {limit}"
    smallest = int(np.argmin(tm * tn))
    lean = {name: int(value[smallest].min()) for name, value in used.items()}
    overflow = res.first_overflow(lean, board, config.utilization_cap, config.dsp_budget)
    label = f"{int(tm[smallest])}x{int(tn[smallest])}"
    if config.fixed_design is not None:
        return f"{config.name}: design {label} does not fit {board.name}: needs {overflow}"
    return f"{config.name}: no design fits {board.name}: even {label} needs {overflow}"


def on_engine(shapes: tuple[LayerShape, ...], engine: Design, config: FpgaConfig) -> SearchResult:
    """``shapes`` on an engine designed before (its unrolling and bank depths fixed): each layer takes the
    tiling with the fewest tiles its banks hold, as :func:`search_design` would for that engine."""
    options = tuple(tile_options(s) for s in shapes)
    index = []
    for shape, option in zip(shapes, options, strict=True):
        pick = int(best_tiles(option, np.array([engine.in_depth]), np.array([engine.out_depth]))[0])
        if pick < 0 or shape.kernel_area > engine.weight_depth:
            raise InputError(f"{config.name}: no tiling of layer {shape.name!r} fits the engine's banks")
        index.append(pick)
    return SearchResult(replace(engine, tile_index=tuple(index)), shapes, options, None)
