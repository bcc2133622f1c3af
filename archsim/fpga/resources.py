"""FPGA resources of a Tm x Tn engine: DSP slices, 18 Kb block RAMs, LUTs and flip-flops.

All functions take numpy arrays of designs (broadcasting) so the search can cost
thousands of designs at once.

DSP model (slices per multiply-accumulate lane):
- fp32: 5, as Zhang et al. (FPGA 2015) count it: a single-precision multiplier on 3
  DSP48E1 plus an adder on 2 (Xilinx PG060 Floating-Point Operator, full-DSP options).
- fp16: 2, one slice for the 11x11-bit mantissa product and one for the adder (our
  reading of PG060's half-precision full-DSP options).
- int16: 1; a 16x16 product fits the 25x18 (DSP48E1) or 27x18 (DSP48E2) multiplier and
  the 48-bit accumulator holds the sum.
- int8: 1 on DSP48E1; 0.5 on DSP48E2, which packs two int8 products that share one
  operand into one 27x18 multiply (Xilinx WP486, "Deep Learning with INT8 Optimization
  on Xilinx Devices"). The engine's shared operand is the input pixel broadcast to Tm
  output lanes, so output lanes pair up: ceil(Tm / 2) * Tn slices.

Block RAM model: every buffer is split into banks (Tn input banks, Tm * Tn weight
banks, Tm output banks, as the unrolled loops need one port per lane), each doubled
for ping-pong. A bank of ``depth`` words of ``width`` bits takes the fewest 18 Kb
blocks over the simple-dual-port aspect ratios 16K x 1 ... 512 x 36 (Xilinx UG473
7 Series / UG573 UltraScale Memory Resources). Banks of at most 1 Kb go to LUT RAM
instead (HLS maps small arrays there), at 2 LUTs per 64 x 1 dual-port slice (RAM64X1D,
UG474).

LUT/FF model (an estimate, stated here, not synthesis): a fixed base for the memory
interface and control plus a per-lane cost by precision. The fp32 per-lane cost is
calibrated so that Zhang et al.'s <64, 7> design on VC707 lands on its reported
186,251 LUTs and 205,704 FFs; the others are our estimates of the fabric around a DSP
MAC (operand muxes, pipeline registers, rounding), scaled down with operand width.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from archsim.config.fpga import Board, DspKind
from workloads.precision import Precision

DSP_PER_MAC: dict[Precision, float] = {
    Precision.FP32: 5.0,
    Precision.FP16: 2.0,
    Precision.INT16: 1.0,
    Precision.INT8: 1.0,
    Precision.INT4: 1.0,
}
"""DSP slices per MAC lane without packing."""

MACS_PER_DSP: dict[tuple[Precision, DspKind], int] = {
    (Precision.INT8, DspKind.DSP48E2): 2,  # WP486
    (Precision.INT4, DspKind.DSP48E2): 4,  # WP521 (quoted from memory)
    (Precision.INT4, DspKind.DSP48E1): 2,  # our estimate (see the module docstring)
}
"""MAC lanes packed into one slice, where packing applies (output lanes share the broadcast input)."""

LUT_MULTIPLIER_LUT: dict[Precision, float] = {
    Precision.INT4: 16.0,
    Precision.INT8: 64.0,
    Precision.INT16: 256.0,
}
"""LUTs of one lane's multiplier when ``mac_impl = "lut"`` (about bits^2; our estimate)."""

BRAM18K_SHAPES: tuple[tuple[int, int], ...] = ((16384, 1), (8192, 2), (4096, 4), (2048, 9), (1024, 18), (512, 36))
"""(depth, width) aspect ratios of one 18 Kb block RAM in simple dual-port mode."""

LUTRAM_MAX_BITS = 1024
"""Banks of at most this many bits are built from LUT RAM."""

LUTS_PER_LUTRAM_64X1 = 2
"""LUTs of one 64-deep, 1-bit, dual-port LUT RAM (RAM64X1D)."""

BASE_LUT = {False: 20_000, True: 8_000}
"""LUTs of memory interface, DMA and control: soft DDR controller + MicroBlaze (False) or a hard one (True)."""

BASE_FF = {False: 25_000, True: 10_000}
"""Flip-flops of the same."""

LANE_LUT: dict[Precision, float] = {
    Precision.FP32: 371.0,
    Precision.FP16: 186.0,
    Precision.INT16: 60.0,
    Precision.INT8: 40.0,
    Precision.INT4: 30.0,
}
"""LUTs per MAC lane (fp32 calibrated on Zhang et al.'s implementation, the rest estimated)."""

LANE_FF: dict[Precision, float] = {
    Precision.FP32: 403.0,
    Precision.FP16: 202.0,
    Precision.INT16: 80.0,
    Precision.INT8: 56.0,
    Precision.INT4: 42.0,
}
"""Flip-flops per MAC lane (same sources)."""

RESOURCE_NAMES: tuple[str, ...] = ("dsp", "bram18k", "lut", "ff")
"""Resource kinds, in the order messages and JSON list them."""


def dsp_count(
    tm: np.ndarray, tn: np.ndarray, precision: Precision, kind: DspKind, lut_macs: bool = False
) -> np.ndarray:
    """DSP slices of a Tm x Tn engine (none when its multipliers are built from LUTs)."""
    tm = np.asarray(tm, dtype=np.int64)
    tn = np.asarray(tn, dtype=np.int64)
    if lut_macs:
        return np.zeros(np.broadcast(tm, tn).shape, dtype=np.int64)
    packed = MACS_PER_DSP.get((precision, kind), 1)
    if packed > 1:
        return -(-tm // packed) * tn
    return np.rint(DSP_PER_MAC[precision] * tm * tn).astype(np.int64)


def accumulator_bits(precision: Precision) -> int:
    """Width of the output buffer's partial sums: 32-bit for integers, the format itself for floats."""
    return precision.bits if precision.is_float else 32


def words_per_bram18k(width_bits: int) -> int:
    """Deepest one-block bank of ``width_bits``-bit words."""
    fitting = [depth for depth, width in BRAM18K_SHAPES if width >= width_bits]
    return max(fitting) if fitting else BRAM18K_SHAPES[-1][0]


def bram18k_per_bank(depth: np.ndarray, width_bits: int) -> np.ndarray:
    """18 Kb blocks of one bank of ``depth`` words (0 when the bank fits LUT RAM)."""
    depth = np.asarray(depth, dtype=np.int64)
    blocks = np.min(
        [(-(-width_bits // width)) * (-(-depth // rows)) for rows, width in BRAM18K_SHAPES],
        axis=0,
    )
    return np.where(depth * width_bits <= LUTRAM_MAX_BITS, 0, blocks)


def lutram_luts_per_bank(depth: np.ndarray, width_bits: int) -> np.ndarray:
    """LUTs of one bank when it is small enough for LUT RAM, else 0."""
    depth = np.asarray(depth, dtype=np.int64)
    luts = (-(-depth // 64)) * width_bits * LUTS_PER_LUTRAM_64X1
    return np.where(depth * width_bits <= LUTRAM_MAX_BITS, luts, 0)


@dataclass(frozen=True)
class BufferDepths:
    """Words per bank of the three buffers (one ping or pong half)."""

    input: np.ndarray
    weight: np.ndarray
    output: np.ndarray


def design_resources(
    tm: np.ndarray, tn: np.ndarray, depths: BufferDepths, precision: Precision, board: Board, lut_macs: bool = False
) -> dict[str, np.ndarray]:
    """DSP, BRAM18K, LUT and FF use of designs (broadcast over ``tm``, ``tn`` and the depths).

    ``lut_macs``: the lanes' multipliers are LUT-built (``mac_impl = "lut"``), not DSP slices.
    """
    tm = np.asarray(tm, dtype=np.int64)
    tn = np.asarray(tn, dtype=np.int64)
    bits = precision.bits
    acc = accumulator_bits(precision)
    banks = ((tn, depths.input, bits), (tm * tn, depths.weight, bits), (tm, depths.output, acc))
    bram = sum(2 * count * bram18k_per_bank(depth, width) for count, depth, width in banks)
    lutram = sum(2 * count * lutram_luts_per_bank(depth, width) for count, depth, width in banks)
    lanes = tm * tn
    hard = board.hard_memory_controller
    lane_lut = LANE_LUT[precision] + (LUT_MULTIPLIER_LUT[precision] if lut_macs else 0.0)
    lane_ff = LANE_FF[precision] + (2.0 * bits if lut_macs else 0.0)
    lut = BASE_LUT[hard] + np.rint(lane_lut * lanes).astype(np.int64) + lutram
    ff = BASE_FF[hard] + np.rint(lane_ff * lanes).astype(np.int64)
    dsp = dsp_count(tm, tn, precision, board.dsp_kind, lut_macs)
    return {"dsp": np.asarray(dsp), "bram18k": np.asarray(bram), "lut": np.asarray(lut), "ff": np.asarray(ff)}


def available(board: Board) -> dict[str, int]:
    """The board's resources by kind."""
    return {"dsp": board.dsp, "bram18k": board.bram18k, "lut": board.lut, "ff": board.ff}


def fits(used: dict[str, np.ndarray], board: Board, cap: float, dsp_budget: int | None = None) -> np.ndarray:
    """True where every resource is within ``cap`` of the board's (and the DSPs within ``dsp_budget``)."""
    limits = available(board)
    ok = np.ones(np.broadcast(*used.values()).shape, dtype=bool)
    for name in RESOURCE_NAMES:
        ok &= used[name] <= cap * limits[name]
    if dsp_budget is not None:
        ok &= used["dsp"] <= dsp_budget
    return ok


def first_overflow(used: dict[str, int], board: Board, cap: float, dsp_budget: int | None = None) -> str | None:
    """A one-line description of the first resource over its limit, or None when all fit."""
    for name, limit in available(board).items():
        if used[name] > cap * limit:
            return (
                f"{name} {used[name]} > {int(cap * limit)} ({100 * cap:g}% of {limit} on {board.name} {board.device})"
            )
    if dsp_budget is not None and used["dsp"] > dsp_budget:
        return f"dsp {used['dsp']} > {dsp_budget} (dsp_budget)"
    return None
