"""Per-access energy at 45 nm, shared by every hardware family. No external tool needed.

Sources:
- Arithmetic and DRAM: M. Horowitz, "Computing's energy problem (and what we can do
  about it)", ISSCC 2014, 45 nm, 0.9 V: int8 add 0.03 pJ, int32 add 0.1 pJ, int8 mult
  0.2 pJ, int32 mult 3.1 pJ, fp16 add 0.4 / mult 1.1 pJ, fp32 add 0.9 / mult 3.7 pJ;
  SRAM 64-bit read 10 pJ (8 KB), 20 pJ (32 KB), 100 pJ (1 MB); DRAM 1.3-2.6 nJ per 64 bits.
- SRAM size scaling: the Horowitz points grow about as the square root of capacity
  (x4 size -> x2 energy), the usual CACTI-style rule; we use ``10 pJ * sqrt(KB / 8)``
  per 64-bit access, floored at a 1 KB buffer.
"""

from __future__ import annotations

import math

from workloads.precision import Precision

MAC_PJ: dict[Precision, float] = {
    Precision.INT4: 0.05 + 0.03,  # 4-bit multiplier ~1/4 of int8 (area/energy ~ bits^2), int8-wide add
    Precision.INT8: 0.2 + 0.1,  # int8 mult + int32 accumulate
    Precision.INT16: 0.8 + 0.1,  # int16 mult ~4x int8 (bits^2 scaling between the 8- and 32-bit points)
    Precision.FP16: 1.1 + 0.4,
    Precision.FP32: 3.7 + 0.9,
}
"""Energy of one multiply-accumulate by operand precision (pJ)."""

VECTOR_OP_PJ: dict[Precision, float] = {
    Precision.INT4: 0.03,
    Precision.INT8: 0.03,
    Precision.INT16: 0.05,
    Precision.FP16: 0.4,
    Precision.FP32: 0.9,
}
"""Energy of one add-class vector operation (pJ)."""

DRAM_PJ_PER_BYTE = 2000.0 / 8
"""DRAM access energy: 2.0 nJ per 64 bits (middle of Horowitz's 1.3-2.6 nJ), per byte."""


def sram_pj_per_byte(capacity_kb: float) -> float:
    """Energy per byte read or written in an SRAM of ``capacity_kb`` kilobytes."""
    per_access_64b = 10.0 * math.sqrt(max(capacity_kb, 1.0) / 8.0)
    return per_access_64b / 8.0


def precision_for_word(word_bytes: int) -> Precision:
    """Integer precision of a datapath with ``word_bytes``-byte words (4 bytes means fp32)."""
    return {1: Precision.INT8, 2: Precision.INT16, 4: Precision.FP32}[word_bytes]
