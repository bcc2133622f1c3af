"""Sub-byte datapath of a systolic array: int4 MACs packed per PE, with their cycles, energy and area.

Bit-flexible arrays run narrow operands faster on the same PEs: Bit Fusion (Sharma et
al., ISCA 2018) builds each PE from 2-bit BitBricks that fuse into one 8x8-bit
multiplier, or into four 4x4-bit ones, or sixteen 2x2-bit ones. Here a PE with
``int4_macs_per_pe = 2`` receives one byte of each operand per cycle, as on the int8
datapath, and reads it as two int4 values: it multiplies both pairs (two 4x4-bit
products of its decomposed 8x8 multiplier) and adds both into its accumulator. The
array's one-byte operand ports cap the gain at two MACs per PE and cycle (Bit Fusion's
four 4x4 products per fusion unit need 16-bit operand ports).

What an int4 layer costs on such an array (:func:`packed_layer`):
- cycles: its GEMM's reduction ``K`` is folded in pairs (``ceil(K / 2)`` per output),
  so folds, fill/drain and SRAM reads are those of the halved window;
- traffic: ifmap and filter words are bytes holding two int4 values (half the bytes of
  int8); outputs are written one per byte (the accumulator's requantised value;
  packing outputs in pairs is not modelled, an upper bound on ofmap bytes);
- energy: the 45 nm table's int4 MAC (``archsim.energy.MAC_PJ``) per real MAC, plus
  the SRAM and DRAM bytes above;
- area: each PE adds :data:`PACKING_EXTRA_UM2` (two 8-bit adders that merge the
  decomposed multiplier's 4x4 partial products and a 32-bit adder for the second
  product into the accumulator, at Horowitz's ISSCC 2014 45 nm areas: our composition,
  not Bit Fusion's synthesis figures), whatever the layers' precisions.
int8 layers run on the packing PE exactly as on a plain int8 PE.
"""

from __future__ import annotations

from dataclasses import replace

from archsim.config.systolic import BandwidthMode, SystolicConfig
from archsim.energy import MAC_PJ
from archsim.metrics import LayerMetrics
from archsim.systolic.backend import SCALAR
from archsim.systolic.gemm import GemmJob, gemm_job
from archsim.systolic.model import ActivationTraffic, Hardware, gemm_cost
from archsim.traffic import LayerTraffic
from workloads.graph import Workload
from workloads.op_precision import op_precisions
from workloads.ops import Conv2d, MatMul
from workloads.precision import Precision

INT8_ADD_UM2 = 36.0
INT32_ADD_UM2 = 137.0
"""Horowitz, ISSCC 2014 (45 nm) adder areas, as in :mod:`archsim.area`."""

PACKING_EXTRA_UM2 = 2 * INT8_ADD_UM2 + INT32_ADD_UM2
"""Area a PE adds to run two int4 MACs per cycle (see the module docstring)."""


def packing_area_mm2(config: SystolicConfig) -> float:
    """Extra area of the packing PEs over plain int8 PEs (0 without packing)."""
    if config.int4_macs_per_pe == 1:
        return 0.0
    return config.pes * PACKING_EXTRA_UM2 * 1e-6


def packs(config: SystolicConfig, precision: Precision) -> bool:
    """True when ``config`` runs layers of ``precision`` packed (int4 on a packing 1-byte datapath)."""
    return config.int4_macs_per_pe > 1 and config.word_bytes == 1 and precision is Precision.INT4


def packed_job(job: GemmJob, per_pe: int) -> GemmJob:
    """The GEMM the array executes when each PE reduces ``per_pe`` products per cycle."""
    k = -(-job.k // per_pe)
    dense_k = -(-job.dense_k // per_pe) if job.dense_k else 0
    return replace(job, k=k, dense_k=dense_k)


def packed_layer(
    op: Conv2d | MatMul, hw: Hardware, config: SystolicConfig, traffic: LayerTraffic | None
) -> LayerMetrics:
    """Per-layer metrics of an int4 ``op`` on the packing array ``config`` (``hw``: its model numbers)."""
    job = gemm_job(op, config.sparsity_support, config.dataflow)
    words = (
        None
        if traffic is None
        else ActivationTraffic(-(-traffic.dram_read_bytes // 1), -(-traffic.dram_write_bytes // 1))
    )
    calc = config.bandwidth_mode is BandwidthMode.CALC
    c = gemm_cost(SCALAR, packed_job(job, config.int4_macs_per_pe), hw, config.dataflow, words, False, None, calc)
    return LayerMetrics(
        layer=op.name,
        kind=op.kind,
        macs=job.macs,
        compute_cycles=c.compute_cycles,
        stall_cycles=c.stall_cycles,
        total_cycles=c.total_cycles,
        fill_drain_cycles=c.fill_drain_cycles,
        overall_util=c.overall_util,
        mapping_efficiency=c.mapping_efficiency,
        compute_util=c.compute_util,
        ifmap_sram_reads=c.ifmap_sram_reads,
        filter_sram_reads=c.filter_sram_reads,
        ofmap_sram_writes=c.ofmap_sram_writes,
        ifmap_dram_reads=int(c.ifmap_dram_reads),
        filter_dram_reads=int(c.filter_dram_reads),
        ofmap_dram_writes=int(c.ofmap_dram_writes),
        energy_by_component_pj={
            "mac": job.macs * MAC_PJ[Precision.INT4],
            "sram": c.sram_energy_pj,
            "dram": c.dram_energy_pj,
            "vector": c.vector_energy_pj,
        },
        latency_s=c.latency_s,
        extras={"int4_macs_per_pe": config.int4_macs_per_pe},
    )


def packed_ops(workload: Workload, config: SystolicConfig) -> frozenset[str]:
    """Names of the int4 convs/matmuls of ``workload`` that ``config`` runs packed (none unless it packs int4)."""
    if config.int4_macs_per_pe == 1 or config.word_bytes != 1:
        return frozenset()
    precisions = op_precisions(workload)
    return frozenset(
        node.name for node in workload if isinstance(node.op, Conv2d | MatMul) and packs(config, precisions[node.name])
    )
