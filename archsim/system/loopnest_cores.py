"""Loop-nest (ZigZag-class) cores inside a system: each layer priced by the loop-nest mapper.

A loop-nest core is a ZigZag hardware description (Stream's compute cores are
such files). Each MAC layer gets the best temporal mapping of the LOMA space
(``lpf_limit`` 4 here: on the 2-conv fixture's layer slices it found the same
latencies as ZigZag's default 6, 30x faster) for the core's own spatial
unrolling when it has one, else for the best of the unrollings of one loop
(K, C, OX, OY) or of a loop times a whole kernel axis (C x FX, as ZigZag's
spatial-mapping generator also considers) over the array's two largest
dimensions. Weights packed below the activation word (an LLM's int4/int8 weights
with their fp16 scales) are read at their own bits per element, as the single-core
family reads them (:func:`archsim.loopnest.network.packed_weight_bits`). Vector ops
(elementwise, norms, softmax, pooling) run on the core's vector unit, priced by the
loop-nest family's vector model (:mod:`archsim.loopnest.vector`: the lanes' loop nest,
its best loop order for latency, held at the busiest port's traffic over its
bandwidth); a reshape is a view and costs nothing.

``spatial="zigzag"`` prices a layer as Stream 2.1.1 does instead: the unrolling
ZigZag's generator ranks first (:mod:`archsim.system.zigzag_spatial`), one-loop
and, when it fills more of the array, mixed, the faster of the two, with LOMA's
default lpf limit of 6 (Stream's). Partial sums are ``accumulator_bits`` wide when
the core declares its accumulator (Stream's ``operand_precision``). Vector ops cost
nothing in this mode, as in Stream: its pooling and SIMD side cores are dropped when
its hardware is read (:mod:`archsim.config.stream_yaml`), and ZigZag's non-MAC nodes
are zero-cost dummies.

Off-chip memories in a core's hierarchy (a memory whose name starts with ``dram``,
``ddr``, ``lpddr``, ``hbm``, ``offchip`` or ``off_chip``: ZigZag's single-core files and
the ``loopnest-*`` presets end in ``dram``; Stream's cores end on chip) are the
system's DRAM, which moves those bytes over its shared channel: the core is priced
with them free and unbounded (no energy, no port stalls), as the other families'
cores are priced without DRAM traffic, and its buffer is its largest on-chip memory.
"""

from __future__ import annotations

import dataclasses
import itertools
from collections import OrderedDict
from typing import Any

from archsim.loopnest.cost import held_latency, limited_spatial
from archsim.loopnest.layer import LoopNestLayer
from archsim.loopnest.mapper import Objective, best_of_spatials, search_layer
from archsim.loopnest.network import area_mm2, node_layer, packed_weight_bits, vector_unit_config
from archsim.loopnest.vector import lane_unrolling
from archsim.system.zigzag_spatial import with_accumulator, zigzag_spatial
from workloads.graph import Workload
from workloads.ops import VectorOp
from workloads.precision import Precision

LPF_LIMIT = 4
STREAM_LPF_LIMIT = 6
_MEMO_SIZE = 4096
_memo: OrderedDict[tuple, tuple[int, float]] = OrderedDict()
"""(cycles, energy) per (core config, pricing mode, layer signature): identical cores and slices search once."""
_LOOPS = ("K", "C", "OX", "OY")
_KERNEL = ("FX", "FY")
OFFCHIP_PREFIXES = ("dram", "ddr", "lpddr", "hbm", "offchip", "off_chip")
"""Name prefixes of a core's memories that the system's DRAM stands for (case-insensitive)."""
_UNBOUNDED_BITS = 2**40
"""Port bandwidth (bits per cycle) of an off-chip memory inside a system: never the bound."""


def _dim_options(sizes: dict[str, int], width: int) -> list[dict[str, int]]:
    """Unrollings of one array dimension of ``width`` PEs: one loop, or a loop times a whole kernel axis."""
    options: list[dict[str, int]] = [{loop: width} for loop in _LOOPS if sizes.get(loop, 1) > 1]
    for kernel in _KERNEL:
        k = sizes.get(kernel, 1)
        if 1 < k <= width:
            options += [{loop: width // k, kernel: k} for loop in ("C", "K", "OX") if sizes.get(loop, 1) > 1]
    return options or [{"K": width}]


def spatial_candidates(config: Any, sizes: dict[str, int]) -> list[dict[str, dict[str, int]]]:
    """The core's own spatial mapping, or unrollings (see :func:`_dim_options`) of its two largest dimensions."""
    if config.spatial_mapping:
        return [dict(config.spatial_mapping)]
    array = config.operational_array.size_of
    dims = sorted(array, key=lambda d: -array[d])[:2]
    if len(dims) == 1:
        return [{dims[0]: option} for option in _dim_options(sizes, array[dims[0]])]
    first, second = _dim_options(sizes, array[dims[0]]), _dim_options(sizes, array[dims[1]])
    return [{dims[0]: a, dims[1]: b} for a, b in itertools.product(first, second) if not set(a) & set(b)]


def _best_of_candidates(layer: Any, config: Any) -> Any:
    """The fastest mapping over :func:`spatial_candidates` (LOMA, lpf :data:`LPF_LIMIT`)."""
    distinct: dict[str, dict[str, dict[str, int]]] = {}
    for spatial in spatial_candidates(config, dict(layer.sizes)):
        clipped = limited_spatial(layer, config, spatial, fractional=True)
        distinct.setdefault(repr(sorted((d, sorted(u.items())) for d, u in clipped.items())), spatial)
    return best_of_spatials(layer, config, list(distinct.values()), Objective.LATENCY, LPF_LIMIT).cost


def _zigzag_ranked(layer: Any, config: Any) -> Any:
    """Stream's choice: ZigZag's first-ranked one-loop unrolling, or its mixed one when that fills more."""
    if config.spatial_mapping:
        return search_layer(layer, config, dict(config.spatial_mapping), Objective.LATENCY, STREAM_LPF_LIMIT).cost
    costs = []
    single_fill, single = zigzag_spatial(layer, config, mixed=False)
    costs.append(search_layer(layer, config, single, Objective.LATENCY, STREAM_LPF_LIMIT).cost)
    mixed_fill, mixed = zigzag_spatial(layer, config, mixed=True)
    if mixed_fill > single_fill:
        costs.append(search_layer(layer, config, mixed, Objective.LATENCY, STREAM_LPF_LIMIT).cost)
    return min(costs, key=lambda cost: cost.latency_cycles - cost.drain_cycles)


def _vector_cost(layer: LoopNestLayer, config: Any) -> tuple[int, float]:
    """(cycles, energy pJ) of a vector op on the core's lanes, as :func:`archsim.loopnest.network.simulate_loopnest`
    prices it: the best loop order for latency, at the lanes' energy per operation, held at the port bound."""
    lanes = lane_unrolling(config.vector_unit, config.operational_array.dimensions)
    cost = search_layer(layer, vector_unit_config(config), lanes, Objective.LATENCY, LPF_LIMIT).cost
    return held_latency(cost, config), float(cost.energy_pj)


def _price(layer: LoopNestLayer, config: Any, mode: str) -> tuple[int, float]:
    """(cycles, energy pJ) of one layer: ``vector`` (the lanes), ``search`` or ``zigzag`` (a MAC layer's unrolling)."""
    if mode == "vector":
        return _vector_cost(layer, config)
    best = _zigzag_ranked(layer, config) if mode == "zigzag" else _best_of_candidates(layer, config)
    return round(best.latency_cycles), float(best.energy_pj)


def is_offchip(memory: Any) -> bool:
    """Whether a core's memory is off-chip by its name (see the module docstring)."""
    return str(memory.name).lower().startswith(OFFCHIP_PREFIXES)


def on_chip_view(config: Any) -> Any:
    """``config`` with its off-chip memories free and unbounded: the core as a system prices it."""
    if not any(is_offchip(m) for m in config.memories):
        return config
    memories = tuple(
        dataclasses.replace(
            m,
            read_energy_pj=0.0,
            write_energy_pj=0.0,
            ports=tuple(dataclasses.replace(p, bandwidth_max=_UNBOUNDED_BITS) for p in m.ports),
        )
        if is_offchip(m)
        else m
        for m in config.memories
    )
    return dataclasses.replace(config, memories=memories)


def price_loopnest(
    graph: Workload, config: Any, spatial: str = "search", accumulator_bits: int = 0
) -> list[tuple[int, float, int]]:
    """Per node of ``graph``: (latency cycles, energy pJ, MACs) of its mapping on ``config``.

    ``spatial`` is ``search`` (the fastest candidate; vector ops on the vector unit) or ``zigzag``
    (Stream's choice, vector ops free; see the module docstring).
    """
    config = on_chip_view(config)
    bits = graph.precision.bits
    weight_bits = packed_weight_bits(graph)
    out: list[tuple[int, float, int]] = []
    for node in graph.nodes:
        is_vector = isinstance(node.op, VectorOp)
        layer = None
        if not (is_vector and spatial == "zigzag"):
            layer = node_layer(node, graph, config.vector_unit, bits, weight_bits.get(node.name))
        if layer is None:
            out.append((0, 0.0, int(node.op.macs)))
            continue
        mode = "vector" if is_vector else spatial
        if not is_vector:
            layer = with_accumulator(layer, accumulator_bits)
        key = (repr(config), mode, layer.signature())
        if key not in _memo:
            _memo[key] = _price(layer, config, mode)
            if len(_memo) > _MEMO_SIZE:
                _memo.popitem(last=False)
        cycles, energy = _memo[key]
        out.append((cycles, energy, int(node.op.macs)))
    return out


def loopnest_core_area_mm2(config: Any, precision: Precision) -> float:
    """The core's MACs at ``precision`` and its on-chip memories (45 nm, as the single-core family)."""
    return area_mm2(config, precision, frozenset(m.name for m in config.memories if is_offchip(m)))


def loopnest_buffer_bytes(config: Any) -> int:
    """Bytes of the core's largest on-chip memory (its top level in Stream's cores)."""
    return max((m.size_bits for m in config.memories if not is_offchip(m)), default=0) // 8


__all__ = [
    "LPF_LIMIT",
    "OFFCHIP_PREFIXES",
    "STREAM_LPF_LIMIT",
    "is_offchip",
    "loopnest_buffer_bytes",
    "loopnest_core_area_mm2",
    "on_chip_view",
    "price_loopnest",
    "spatial_candidates",
]
