"""Bit-width on the hardware side: which datapath a network needs, and what int4 layers save on it.

(Systolic arrays with packed int4 PEs, ``int4_macs_per_pe = 2``, cost int4 layers
themselves, cycles and area included: :mod:`archsim.systolic.lowbit`; the credit below
is for plain int8 PEs.)

The systolic model counts SRAM/DRAM traffic in words and prices MACs by word size
(1, 2 or 4 bytes), so a network's int16 stages need a 2-byte datapath and its
int8 stages a 1-byte one. It has no sub-byte word, so int4 layers run on the int8
datapath; :func:`int4_energy_pj` then credits each int4 layer with the 45 nm
table's cheaper int4 MAC (``archsim.energy.MAC_PJ``) and with half the SRAM and
activation DRAM bytes (two int4 values packed per byte, as bit-serial/bit-fusion designs do;
the family itself already reads int4 weights packed, :mod:`workloads.packing`).
Compute cycles and area are not credited: the array, its buffers and its bandwidth stay
those of the int8 datapath (the packed weight stream already shortens weight-bound layers).
"""

from __future__ import annotations

from archsim.energy import MAC_PJ
from archsim.metrics import NetworkMetrics
from workloads.graph import Workload
from workloads.op_precision import op_precisions
from workloads.precision import Precision

PACKED_PER_BYTE = {Precision.INT4: 2}
"""Values of a precision that share one byte of SRAM/DRAM traffic on the int8 datapath."""


def datapath_bits(workload: Workload) -> int:
    """Widest integer operand of the workload's ops: the bits its datapath must handle."""
    return max(p.bits for p in op_precisions(workload).values())


def int4_energy_pj(metrics: NetworkMetrics, workload: Workload, word_bytes: int, packed: bool = False) -> float:
    """Network energy with int4 layers on a plain 1-byte datapath credited (MAC energy and packed traffic).

    On a wider datapath (``word_bytes`` > 1) int4 layers run as int16 and nothing is credited;
    on a packing datapath (``packed``: ``int4_macs_per_pe = 2``) the simulator already costs them.
    """
    if word_bytes != 1 or packed:
        return metrics.energy_pj
    precisions = op_precisions(workload)
    total = 0.0
    for layer in metrics.layers:
        precision = precisions.get(layer.layer, workload.precision)
        packed = PACKED_PER_BYTE.get(precision, 1)
        for component, pj in layer.energy_by_component_pj.items():
            if packed > 1 and component == "mac":
                pj *= MAC_PJ[precision] / MAC_PJ[Precision.INT8]
            elif packed > 1 and component == "sram":
                pj /= packed
            elif packed > 1 and component == "dram":
                # the family already reads packed weights (workloads.packing): credit the activation words only
                words = layer.ifmap_dram_reads + layer.filter_dram_reads + layer.ofmap_dram_writes
                activations = layer.ifmap_dram_reads + layer.ofmap_dram_writes
                pj *= (layer.filter_dram_reads + activations / packed) / words if words else 1.0
            total += float(pj)
    return total
