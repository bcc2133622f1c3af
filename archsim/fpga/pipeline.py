"""P, the pipeline cycles one (to, ti) tile iteration adds: derived from the engine's HLS pipeline.

Zhang et al.'s engine (FPGA 2015, Fig. 9-style code) pipelines the pixel loop with an
initiation interval of 1. One iteration reads Tn input words and Tm x Tn weights from
block RAM, multiplies them on Tm x Tn lanes, and sums each lane row's Tn products with
the partial sum read from the output buffer in a binary adder tree, which it writes
back. A pipelined loop of n iterations of depth D takes n + D - 1 cycles: the prologue
fills D - 1 stages before the first result and the epilogue drains them after the last
issue. With D = read + multiply + adder levels x add + write (one cycle each for the
BRAM read and write), the overhead per tile iteration is

    P = D - 1 = read + multiply + ceil(log2(Tn + 1)) * add

cycles, where Tn + 1 operands (Tn products and the old partial sum) need
``ceil(log2(Tn + 1))`` adder levels.

Operator latencies, in cycles:
- block RAM read: 1 (synchronous read, output register off; Xilinx UG473 / UG573).
- fp32: multiply 4, add 5: the latencies of Vivado HLS's single-precision cores at a
  10 ns clock on 7-series (``fmul ... max_dsp`` on 3 DSP48E1, ``fadd ... full_dsp`` on 2:
  the 5 DSPs per MAC of the paper). Quoted from memory of HLS reports, not from a table.
  For the paper's <64, 7> this gives P = 1 + 4 + 3 * 5 = 20, the value its cycle table
  implies: its per-layer cycles are exact multiples of (Tr Tc K K + 20), e.g. conv2
  237,185 = 13 * (27 * 27 * 25 + 20) and conv3 160,264 = 104 * (13 * 13 * 9 + 20).
- fp16: multiply 3, add 4 (our estimate: the half-precision cores one stage shorter).
- int16 / int8 / int4: multiply 3 (a DSP48 multiply with its A/B, M and P registers, UG479 /
  UG579), add 1 per tree level (a registered fabric or DSP adder).
"""

from __future__ import annotations

import numpy as np

from workloads.precision import Precision

BRAM_READ_CYCLES = 1
"""Block RAM read latency with the output register off (UG473, UG573)."""

MULTIPLY_CYCLES: dict[Precision, int] = {
    Precision.FP32: 4,
    Precision.FP16: 3,
    Precision.INT16: 3,
    Precision.INT8: 3,
    Precision.INT4: 3,
}
"""Pipeline stages of one multiplier by datapath precision (sources in the module docstring)."""

ADD_CYCLES: dict[Precision, int] = {
    Precision.FP32: 5,
    Precision.FP16: 4,
    Precision.INT16: 1,
    Precision.INT8: 1,
    Precision.INT4: 1,
}
"""Pipeline stages of one adder of the tree by datapath precision."""


def adder_levels(tn: np.ndarray) -> np.ndarray:
    """Levels of the binary tree summing Tn products and one partial sum: ceil(log2(Tn + 1))."""
    operands = np.asarray(tn, dtype=np.int64) + 1
    levels = np.zeros_like(operands)
    width = np.ones_like(operands)
    while np.any(width < operands):
        short = width < operands
        levels += short
        width = np.where(short, 2 * width, width)
    return levels


def pipeline_cycles(tn: np.ndarray, precision: Precision) -> np.ndarray:
    """P of designs with ``tn`` input lanes: read + multiply + adder levels x add (broadcasts over ``tn``)."""
    return BRAM_READ_CYCLES + MULTIPLY_CYCLES[precision] + adder_levels(tn) * ADD_CYCLES[precision]


def engine_pipeline(tn: np.ndarray, precision: Precision, override: int | None) -> np.ndarray:
    """P of designs with ``tn`` input lanes: ``override`` when a config fixes it, else derived."""
    if override is not None:
        return np.full(np.shape(tn), override, dtype=np.int64)
    return pipeline_cycles(tn, precision)
