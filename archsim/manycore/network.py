"""A whole workload on a many-core device: one kernel per op, one after another.

Each op's kernel comes from :mod:`archsim.manycore.model`. Kernels run back to
back (no launch overhead is added: a framework's per-kernel overhead is the
caller's to state, as the LLMCompass comparison does). DRAM counts are in words
of the config's ``word_bytes``; the L2-to-core traffic is reported as the SRAM
reads. Energy (Horowitz 45 nm, :mod:`archsim.energy`): MACs at the word's
precision (padding included: the arrays run it), vector operations, DRAM bytes,
and the operand bytes each core reads from the L2.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Hashable

from archsim.area import pe_mm2, sram_mm2
from archsim.config.manycore import ManyCoreConfig
from archsim.energy import DRAM_PJ_PER_BYTE, MAC_PJ, VECTOR_OP_PJ, sram_pj_per_byte
from archsim.manycore.model import KernelCost, op_cost
from archsim.metrics import LayerMetrics, NetworkMetrics
from archsim.traffic import TrafficPlan
from workloads.graph import Workload
from workloads.ops import Op, VectorOp
from workloads.packing import packed_weight_fraction
from workloads.precision import Precision

_PRECISION = {1: Precision.INT8, 2: Precision.FP16, 4: Precision.FP32}
"""The datapath precision of a word size (a GPU's 2-byte matrix datapath is fp16)."""


def simulate_manycore(workload: Workload, config: ManyCoreConfig, traffic: TrafficPlan | None = None) -> NetworkMetrics:
    """Per-op and total metrics of ``workload`` on ``config``; every op reads and writes DRAM
    (``traffic`` from a scratchpad mapper does not apply to a device with an L2 of its own)."""
    packing = packed_weight_fraction(workload, config.word_bytes)
    layers = tuple(_costed(_key(op), config, packing.get(op.name, 1.0)).copy_with(layer=op.name) for op in workload.ops)
    return NetworkMetrics(
        workload=workload.name,
        arch=config.to_dict(),
        layers=layers,
        clock_hz=config.clock_mhz * 1e6,
        peak_macs_per_cycle=float(config.peak_macs_per_cycle),
        area_mm2=_area_mm2(config),
        dram_bytes_per_cycle=config.dram_bytes_per_cycle,
        word_bytes=float(config.word_bytes),
    )


def _key(op: Op) -> tuple[Hashable, ...]:
    return (type(op), *(getattr(op, f) for f in op.__dataclass_fields__ if f != "name"))


@functools.lru_cache(maxsize=1 << 12)
def _costed(key: tuple[Hashable, ...], config: ManyCoreConfig, weight_fraction: float) -> LayerMetrics:
    """The metrics of the op ``key`` describes (an LLM's repeated layers are costed once)."""
    op_type, *values = key
    names = [field for field in op_type.__dataclass_fields__ if field != "name"]
    op = op_type(name="op", **dict(zip(names, values, strict=True)))
    return _layer(op, op_cost(op, config, weight_fraction), config)


def _layer(op: Op, cost: KernelCost, config: ManyCoreConfig) -> LayerMetrics:
    word = config.word_bytes
    cycles = math.ceil(cost.cycles)
    compute = math.ceil(cost.compute_cycles)
    precision = _PRECISION[word]
    if isinstance(op, VectorOp):
        work = {"vector": op.vector_ops * VECTOR_OP_PJ[precision]}
        peak_util = 0.0
    else:
        work = {"mac": cost.padded_macs * MAC_PJ[precision]}
        peak_util = op.macs / (config.peak_macs_per_cycle * cycles) if cycles else 0.0
    l2_bytes = cost.l2_input_bytes + cost.l2_weight_bytes + cost.dram_write_bytes
    energy = {
        **work,
        "sram": l2_bytes * sram_pj_per_byte(config.l2_kb),
        "dram": (cost.dram_read_bytes + cost.dram_write_bytes) * DRAM_PJ_PER_BYTE,
    }
    extras: dict[str, int | float | str] = {"bound": cost.bound, "waves": cost.waves}
    if cost.tile is not None:
        extras["tile"] = f"{cost.tile[0]}x{cost.tile[1]}"
        extras["split_k"] = cost.split_k
    return LayerMetrics(
        layer="",
        kind=op.kind,
        macs=op.macs,
        compute_cycles=compute,
        stall_cycles=max(0, cycles - compute),
        total_cycles=cycles,
        fill_drain_cycles=0,
        overall_util=peak_util,
        mapping_efficiency=op.macs / cost.padded_macs if cost.padded_macs else 1.0,
        compute_util=op.macs / (config.peak_macs_per_cycle * compute) if compute and op.macs else 0.0,
        ifmap_sram_reads=math.ceil(cost.l2_input_bytes / word),
        filter_sram_reads=math.ceil(cost.l2_weight_bytes / word),
        ofmap_sram_writes=math.ceil(cost.dram_write_bytes / word),
        ifmap_dram_reads=math.ceil(cost.dram_input_bytes / word),
        filter_dram_reads=math.ceil(cost.dram_weight_bytes / word),
        ofmap_dram_writes=math.ceil(cost.dram_write_bytes / word),
        energy_by_component_pj=energy,
        latency_s=cost.cycles / (config.clock_mhz * 1e6),
        extras=extras,
    )


def _area_mm2(config: ManyCoreConfig) -> float:
    """MAC arrays and SRAMs at 45 nm (archsim's area tables; a relative figure, not the die)."""
    macs = config.peak_macs_per_cycle * pe_mm2(_PRECISION[config.word_bytes], 32)
    return macs + sram_mm2(config.l2_kb) + config.cores * sram_mm2(config.core_sram_kb)


__all__ = ["simulate_manycore"]
