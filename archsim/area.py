"""Area estimates at 45 nm, shared by every hardware family.

Sources:
- Arithmetic: M. Horowitz, ISSCC 2014 (45 nm): int8 add 36 um^2, int8 mult 282 um^2,
  int32 add 137 um^2, int32 mult 3495 um^2, fp16 add 1360 / mult 1640 um^2,
  fp32 add 4184 / mult 7700 um^2.
- SRAM: Intel 45 nm 6T bit cell 0.346 um^2 (Mistry et al., IEDM 2007) at an assumed 50%
  array efficiency (decoders, sense amplifiers, routing): 0.69 um^2 per bit.
- Flip-flops: about 4.5 um^2 per bit (a NanGate 45 nm DFF cell), for PE pipeline registers.
"""

from __future__ import annotations

from workloads.precision import Precision

MAC_UM2: dict[Precision, float] = {
    Precision.INT4: 282 / 4 + 36,
    Precision.INT8: 282 + 137,  # int8 mult + 32-bit accumulator adder
    Precision.INT16: 282 * 4 + 137,
    Precision.FP16: 1640 + 1360,
    Precision.FP32: 7700 + 4184,
}
"""Area of one MAC unit by precision (um^2)."""

SRAM_UM2_PER_BIT = 0.346 / 0.5
FLIPFLOP_UM2_PER_BIT = 4.5


def sram_mm2(capacity_kb: float) -> float:
    """Area of an SRAM of ``capacity_kb`` kilobytes."""
    return capacity_kb * 1024 * 8 * SRAM_UM2_PER_BIT * 1e-6


def pe_mm2(precision: Precision, register_bits: int) -> float:
    """Area of one PE: a MAC plus ``register_bits`` of pipeline/operand registers."""
    return (MAC_UM2[precision] + register_bits * FLIPFLOP_UM2_PER_BIT) * 1e-6
