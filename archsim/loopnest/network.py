"""``simulate_loopnest``: a workload on a loop-nest accelerator, layer by layer.

Every conv / matmul is mapped (the mapping file's spatial unrolling and loop order where it
fixes them, the mapper's best for the config's objective elsewhere; identical layers are
mapped once) and costed by :mod:`archsim.loopnest.cost`. Vector ops run as loop nests on the
config's vector unit (:mod:`archsim.loopnest.vector`, ZigZag's Add/Pooling form); a reshape
is a view and costs nothing. Weights packed below the activation word (an LLM's int4/int8
weights with their fp16 scales) are the weight operand at their own bits per element
(:func:`packed_weight_bits`).

Common columns: ``compute_cycles`` are the mapping's temporal cycles, ``stall_cycles`` the
bandwidth stalls (including any cycles that hold the latency at the busiest port's traffic
over its bandwidth, :func:`archsim.loopnest.cost.port_bound_cycles`), ``fill_drain_cycles``
on-loading + off-loading + systolic drain; ``mapping_eff`` is the spatial utilization.
SRAM/DRAM counts are accesses of the port width: "DRAM" is each operand's outermost memory,
"SRAM" the one below it. Extras: ``mapping`` (readable loop nest), ``mapper`` (``fixed``,
``proven`` = best in its space, ``view`` for a reshape), ``zigzag_latency_cycles`` (ZigZag's
latency of the mapping, before the port bound), ``energy_by_memory_pj`` (JSON: memory -> pJ);
vector rows add ``vector_ops`` and ``vector_util``.
"""

from __future__ import annotations

import dataclasses
import math
from pathlib import Path

from archsim.area import FLIPFLOP_UM2_PER_BIT, MAC_UM2, sram_mm2
from archsim.config.loopnest import Direction, LoopNestConfig, VectorUnit
from archsim.config.loopnest_zigzag import MappingEntry, entry_for, read_mapping_file
from archsim.errors import InputError
from archsim.loopnest.cost import LayerCost, evaluate, held_latency, limited_spatial, spatial_per_level
from archsim.loopnest.layer import LoopNestLayer, Operand, layer_of
from archsim.loopnest.mapper import (
    MapperResult,
    Objective,
    allocate,
    best_mapping,
    stored_bits,
    temporal_factors,
    tile_elements,
)
from archsim.loopnest.mapping import Mapping
from archsim.loopnest.vector import lane_unrolling, vector_layer
from archsim.loopnest.vector import operator_type as vector_operator_type
from archsim.metrics import LayerMetrics, NetworkMetrics
from archsim.traffic import TrafficPlan
from workloads.graph import Node, Workload
from workloads.ops import Conv2d, VectorOp
from workloads.packing import packed_weight_fraction
from workloads.precision import Precision

KNOWN_DIMS = frozenset({"B", "K", "G", "OX", "OY", "C", "FX", "FY", "D"})
VECTOR_KINDS = ("vector", "pool")
"""``LoopNestLayer.kind`` of the vector unit's loop nests (:mod:`archsim.loopnest.vector`)."""


def _operator_type(op: object) -> str:
    return "Conv" if isinstance(op, Conv2d) else "Gemm"


def _check_spatial(spatial: dict[str, dict[str, int]], config: LoopNestConfig, where: str) -> None:
    sizes = config.operational_array.size_of
    for oa, unroll in spatial.items():
        if oa not in sizes:
            raise InputError(f"{where}.spatial_mapping: unknown array dimension {oa!r}; allowed: {', '.join(sizes)}")
        for dim in unroll:
            if dim not in KNOWN_DIMS:
                raise InputError(
                    f"{where}.spatial_mapping.{oa}: unknown loop dimension {dim!r}; "
                    f"allowed: {', '.join(sorted(KNOWN_DIMS))}"
                )
        if math.prod(unroll.values()) > sizes[oa]:
            raise InputError(
                f"{where}.spatial_mapping.{oa}: unrolls {math.prod(unroll.values())} ways, the array dimension has "
                f"{sizes[oa]} units"
            )


def fixed_order(layer: LoopNestLayer, config: LoopNestConfig, entry: MappingEntry, where: str) -> Mapping:
    """The mapping of a file entry that gives a temporal ordering: its loops, allocated bottom-up."""
    limited = limited_spatial(layer, config, entry.spatial, fractional=True)
    left: dict[str, int] = {}
    for dim, size in temporal_factors(layer, limited, lpf_limit=10**6):
        left[dim] = left.get(dim, 1) * size
    order = []
    for dim, size in entry.temporal_ordering:
        if dim not in layer.sizes:
            raise InputError(f"{where}.temporal_ordering: layer {layer.name!r} has no loop {dim!r}")
        size = left.get(dim, 1) if size is None else size
        if left.get(dim, 1) % size:
            raise InputError(
                f"{where}.temporal_ordering: {dim}:{size} does not divide what is left of {dim} ({left.get(dim, 1)})"
            )
        left[dim] = left.get(dim, 1) // size
        order.append((dim, size))
    order += [(dim, n) for dim, n in left.items() if n > 1]  # loops the file leaves out go outermost
    temporal = allocate(layer, config, limited, tuple(order))
    return Mapping(entry.spatial, temporal)


def _check_fits(layer: LoopNestLayer, config: LoopNestConfig, mapping: Mapping, where: str) -> None:
    """Every memory below the top must hold the tiles the mapping puts in it."""
    limited = limited_spatial(layer, config, mapping.spatial, fractional=True)
    for mem in config.memories:
        total, held = 0.0, []
        for op in layer.operands:
            mem_op = config.operand_links[op.value]
            levels = config.levels(mem_op)
            if mem not in levels or mem is levels[-1]:
                continue
            lv = levels.index(mem)
            spatial = spatial_per_level(config, mem_op, limited)
            loops = [loop for level in mapping.temporal[op][: lv + 1] for loop in level]
            loops += [loop for level in spatial[: lv + 1] for loop in level]
            above = [loop for level in (*mapping.temporal[op][lv + 1 :], *spatial[lv + 1 :]) for loop in level]
            bits = stored_bits(layer, op, above)
            total += tile_elements(layer, op, loops) * bits
            held.append(op.value)
        if total > mem.size_bits:
            raise InputError(
                f"{where}.temporal_ordering: the {'+'.join(held)} tiles of layer {layer.name!r} need {total:.0f} bits "
                f"in memory {mem.name!r}, which holds {mem.size_bits}"
            )


class _Mapper:
    """Maps layers for one config, caching identical layers."""

    def __init__(self, config: LoopNestConfig) -> None:
        self.config = config
        self.objective = Objective(config.objective)
        self.entries = read_mapping_file(Path(config.mapping_file)) if config.mapping_file else ()
        self.cache: dict[tuple, tuple[Mapping, LayerCost, str]] = {}

    def map(self, layer: LoopNestLayer, operator_type: str) -> tuple[Mapping, LayerCost, str]:
        entry = entry_for(self.entries, layer.name, operator_type) if self.entries else None
        default_spatial = self.config.spatial_mapping
        if layer.kind in VECTOR_KINDS:  # the file's default entry unrolls conv loops: vector ops take the lanes
            entry = None if entry is not None and entry.name == "default" else entry
            default_spatial = lane_unrolling(self.config.vector_unit, self.config.operational_array.dimensions)
        # The config's own name (what follows --arch, or the name an API user gave it) when no mapping file entry.
        where = f"{self.config.mapping_file}: {entry.name}" if entry else self.config.name
        spatial = entry.spatial if entry else default_spatial
        _check_spatial(spatial, self.config, where)
        ordering = entry.temporal_ordering if entry else ()
        key = (layer.signature(), repr(spatial), ordering)
        if key not in self.cache:
            if ordering:
                mapping = fixed_order(layer, self.config, entry, where)
                _check_fits(layer, self.config, mapping, where)
                self.cache[key] = (mapping, evaluate(layer, self.config, mapping), "fixed")
            else:
                result: MapperResult = best_mapping(
                    layer,
                    self.config,
                    spatial,
                    self.objective,
                    self.config.lpf_limit,
                    self.config.spatial_search,
                    hold=not self.config.zigzag_ranking,
                )
                _check_fits(layer, self.config, result.mapping, where)
                self.cache[key] = (result.mapping, result.cost, "proven" if result.proven_best else "best-found")
        return self.cache[key]


def _words(cost: LayerCost, op: Operand, outer: bool, direction: Direction) -> int:
    levels = cost.levels[op]
    index = -1 if outer or len(levels) == 1 else -2
    return int(levels[index].accesses[direction])


def packed_weight_bits(workload: Workload) -> dict[str, float]:
    """Op name -> bits per weight element (its weights and their fp16 scales) where they pack below the
    activation word: the weight operand's precision, so every level holds and moves that many more weights
    per word (:mod:`workloads.packing`, the systolic family's rule); other ops read weights at ``act_bits``."""
    act_bits = workload.precision.bits
    return {name: f * act_bits for name, f in packed_weight_fraction(workload, act_bits / 8).items()}


def node_layer(
    node: Node, workload: Workload, unit: VectorUnit, act_bits: int, weight_bits: float | None = None
) -> LoopNestLayer | None:
    """The loop nest of a node: conv/matmul (weights at ``weight_bits``, default ``act_bits``), or a vector
    op on the vector unit (``None``: a reshape)."""
    if isinstance(node.op, VectorOp):
        shape_in = workload.tensor(node.inputs[0]).shape if node.inputs else ()
        shape_out = workload.tensor(node.outputs[0]).shape if node.outputs else ()
        return vector_layer(node.op, unit, act_bits, shape_in, shape_out)
    return layer_of(node.op, act_bits, act_bits if weight_bits is None else weight_bits)


def vector_unit_config(config: LoopNestConfig) -> LoopNestConfig:
    """``config`` with the lanes' energy per operation in place of the MAC's (how vector ops are priced)."""
    array = dataclasses.replace(config.operational_array, unit_energy_pj=config.vector_unit.energy_per_op_pj)
    return dataclasses.replace(config, operational_array=array)


def simulate_loopnest(workload: Workload, config: LoopNestConfig, traffic: TrafficPlan | None = None) -> NetworkMetrics:
    """Per-layer metrics of ``workload`` on ``config`` (``traffic`` plans are not used by this family)."""
    del traffic
    mapper = _Mapper(config)
    vector_mapper = _Mapper(vector_unit_config(config))
    names = {op: tuple(m.name for m in config.levels(config.operand_links[op.value])) for op in Operand}
    act_bits = workload.precision.bits
    weight_bits = packed_weight_bits(workload)
    hz = config.clock_mhz * 1e6
    rows = []
    for node in workload:
        layer = node_layer(node, workload, config.vector_unit, act_bits, weight_bits.get(node.name))
        if layer is None:
            rows.append(_zero_row(node.op.name, getattr(node.op, "kind", "vector")))
            continue
        is_vector = isinstance(node.op, VectorOp)
        if is_vector:
            mapping, cost, status = vector_mapper.map(layer, vector_operator_type(node.op))
        else:
            mapping, cost, status = mapper.map(layer, _operator_type(node.op))
        latency = held_latency(cost, config)
        channel_stall = latency - math.ceil(cost.latency_cycles)
        by_memory = cost.energy_by_memory()
        compute_util = 0.0 if is_vector else cost.spatial_utilization  # no MACs of the array
        lanes = math.prod(f for unroll in mapping.spatial.values() for f in unroll.values())  # a file may set them
        lanes_used = {"vector_ops": layer.macs, "vector_util": layer.macs / (lanes * latency)}
        rows.append(
            LayerMetrics(
                layer=node.op.name,
                kind=str(getattr(node.op, "kind", "conv")),
                macs=0 if is_vector else layer.macs,
                compute_cycles=int(cost.temporal_cycles),
                stall_cycles=math.ceil(cost.stall_cycles) + channel_stall,
                total_cycles=latency,
                fill_drain_cycles=math.ceil(cost.onload_cycles + cost.offload_cycles + cost.drain_cycles),
                overall_util=0.0 if is_vector else cost.ideal_cycles / latency,
                mapping_efficiency=compute_util,
                compute_util=compute_util,
                ifmap_sram_reads=_words(cost, Operand.I, False, Direction.TO_LOW),
                filter_sram_reads=_words(cost, Operand.W, False, Direction.TO_LOW),
                ofmap_sram_writes=_words(cost, Operand.O, False, Direction.FROM_LOW),
                ifmap_dram_reads=_words(cost, Operand.I, True, Direction.TO_LOW),
                filter_dram_reads=_words(cost, Operand.W, True, Direction.TO_LOW),
                ofmap_dram_writes=_words(cost, Operand.O, True, Direction.FROM_LOW),
                energy_by_component_pj={"vector" if is_vector else "mac": cost.mac_energy_pj, **by_memory},
                latency_s=latency / hz,
                extras={
                    "mapping": mapping.text(
                        {op: names[op] for op in layer.operands}, limited_spatial(layer, config, mapping.spatial, True)
                    ),
                    "mapper": status,
                    "zigzag_latency_cycles": cost.latency_cycles,  # ZigZag's accounting, before the port bound
                    "energy_by_memory_pj": by_memory,  # type: ignore[dict-item]  # JSON object
                    **(lanes_used if is_vector else {}),
                },
            )
        )
    top = config.memories[-1]
    return NetworkMetrics(
        workload=workload.name,
        arch=config.summary(),
        layers=tuple(rows),
        clock_hz=hz,
        peak_macs_per_cycle=config.peak_macs_per_cycle,
        area_mm2=area_mm2(config, workload.precision),
        dram_bytes_per_cycle=max(p.bandwidth_max for p in top.ports) / 8,
        word_bytes=max(p.bandwidth_max for p in top.ports) / 8,  # DRAM counts are accesses of the full port width
    )


REGISTER_BITS = 1024
"""Memories smaller than this are flip-flop registers for area; larger ones are SRAM."""


def area_mm2(config: LoopNestConfig, precision: Precision, off_chip: frozenset[str] | None = None) -> float:
    """45 nm area (archsim/area.py): MACs + every on-chip memory instance.

    ``off_chip`` names the memories outside the chip; by default each operand's outermost memory
    (a single core's DRAM), while a system's cores name theirs (:mod:`archsim.system.loopnest_cores`).
    """
    if off_chip is None:
        off_chip = frozenset(config.levels(op)[-1].name for m in config.memories for op in m.operands)
    sizes = config.operational_array.size_of
    total = MAC_UM2[precision] * config.operational_array.units * 1e-6
    for mem in config.memories:
        if mem.name in off_chip:
            continue
        copies = math.prod(n for d, n in sizes.items() if d not in mem.served_dimensions)
        if mem.size_bits < REGISTER_BITS:
            each = mem.size_bits * FLIPFLOP_UM2_PER_BIT * 1e-6
        else:
            each = sram_mm2(mem.size_bits / 8 / 1024)
        total += copies * each
    return total


def _zero_row(name: str, kind: str) -> LayerMetrics:
    """The row of a reshape: a view of its input (no cycles, no traffic)."""
    return LayerMetrics(
        layer=name,
        kind=str(kind),
        macs=0,
        compute_cycles=0,
        stall_cycles=0,
        total_cycles=0,
        fill_drain_cycles=0,
        overall_util=0.0,
        mapping_efficiency=0.0,
        compute_util=0.0,
        ifmap_sram_reads=0,
        filter_sram_reads=0,
        ofmap_sram_writes=0,
        ifmap_dram_reads=0,
        filter_dram_reads=0,
        ofmap_dram_writes=0,
        energy_by_component_pj={},
        latency_s=0.0,
        extras={"mapping": "", "mapper": "view", "zigzag_latency_cycles": 0.0},
    )
