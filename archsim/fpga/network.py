"""``simulate_fpga``: a workload on a Tm x Tn engine, designed by the search unless the config fixes it.

Column meanings for FPGA rows (docs/fpga.md has the full table):
- ``compute_cycles``: the paper's execution cycles, ``ceil(M/Tm) ceil(N/Tn) sum_tiles (Tr Tc K K + P)``;
  ``fill_drain_cycles`` is the P part; ``stall_cycles``: the memory-bound excess,
  ``max(0, traffic / bandwidth - compute)``; ``total_cycles`` = compute + stall.
- ``ifmap/filter_dram_reads``, ``ofmap_dram_writes``: words the tiling moves (input
  reloaded once per output chunk, with halos; weights once per tile; outputs once).
- ``ifmap_sram_reads``: input-buffer words read (one per input channel, pixel and kernel
  position per output chunk); ``filter_sram_reads``: one weight per MAC;
  ``ofmap_sram_writes``: partial sums written (one per output channel, pixel and
  kernel position per input chunk).
- ``mapping_eff_pct``: MACs over lane-cycles of the pixel loops (unused Tm/Tn lanes);
  ``compute_util_pct`` also counts P; ``overall_util_pct`` also counts stalls.
- energy: 45 nm ASIC-equivalent per-access figures of :mod:`archsim.energy` (MACs,
  BRAM as SRAM of one bank's size, DRAM, vector ops); not an FPGA power estimate.
Vector ops run on a separate unit of ``vector_lanes`` elements per cycle, streaming
their operands from and to DRAM.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from archsim import energy
from archsim.config.fpga import FpgaConfig
from archsim.fpga import resources as res
from archsim.fpga.model import LayerCost, layer_cost
from archsim.fpga.pipeline import engine_pipeline
from archsim.fpga.search import Design, SearchResult, on_engine, search_design
from archsim.fpga.shapes import LayerShape
from archsim.fpga.towers import network_shapes
from archsim.metrics import LayerMetrics, NetworkMetrics
from archsim.traffic import LayerTraffic, TrafficPlan
from workloads.graph import Workload
from workloads.ops import VectorFn, VectorOp
from workloads.packing import packed_weight_fraction

KB = 1024.0


def simulate_fpga(workload: Workload, config: FpgaConfig, traffic: TrafficPlan | None = None) -> NetworkMetrics:
    """Per-layer metrics of ``workload`` on the designed (or fixed) engine of ``config``."""
    shapes = network_shapes(workload)
    result = search_design(tuple(s for s in shapes.values() if s is not None), config)
    layers = _layers(workload, shapes, result, config, traffic)
    design = result.design
    return NetworkMetrics(
        workload=workload.name,
        arch=config.to_dict(),
        layers=tuple(layers),
        clock_hz=config.clock_hz,
        peak_macs_per_cycle=float(design.tm * design.tn),
        area_mm2=0.0,
        dram_bytes_per_cycle=config.dram_bytes_per_cycle,
        word_bytes=config.precision.bytes,
        design=_design_json(result, config),
        resources=_resources_json(result, config),
    )


def engine_layers(
    workload: Workload, config: FpgaConfig, engine: Design, traffic: TrafficPlan | None = None
) -> tuple[LayerMetrics, ...]:
    """Per-layer metrics of ``workload`` on an engine designed for another (a multi-core system's FPGA core,
    designed once for the network it serves, runs slices of its layers): unrolling and banks fixed."""
    shapes = network_shapes(workload)
    result = on_engine(tuple(s for s in shapes.values() if s is not None), engine, config)
    return _layers(workload, shapes, result, config, traffic)


def _layers(
    workload: Workload,
    shapes: dict[str, LayerShape | None],
    result: SearchResult,
    config: FpgaConfig,
    traffic: TrafficPlan | None,
) -> tuple[LayerMetrics, ...]:
    """Every op's row on the result's engine: MAC layers tiled as the result says, vector ops on the vector unit."""
    plan = traffic or {}
    by_name = {s.name: i for i, s in enumerate(result.shapes)}
    packing = packed_weight_fraction(workload, config.precision.bytes)
    layers = []
    for node in workload.nodes:
        shape = shapes[node.name]
        if shape is None:
            assert isinstance(node.op, VectorOp)
            layers.append(_vector_layer(node.op, config, plan.get(node.name)))
        else:
            packed = packing.get(node.name, 1.0)
            layers.append(_mac_layer(shape, by_name[node.name], result, config, plan.get(node.name), packed))
    return tuple(layers)


def _chosen_cost(shape: LayerShape, index: int, result: SearchResult, config: FpgaConfig) -> tuple[LayerCost, int, int]:
    """The layer's cost on the chosen design, with its tile sizes."""
    design = result.design
    option = result.options[index]
    pick = design.tile_index[index]
    cost = layer_cost(
        shape,
        design.tm,
        design.tn,
        option.tiles[pick],
        option.in_area[pick],
        _design_pipeline(result, config),
        config.precision.bytes,
        config.dram_bytes_per_cycle,
    )
    return cost, int(option.tr[pick]), int(option.tc[pick])


def _design_pipeline(result: SearchResult, config: FpgaConfig) -> int:
    """P of the chosen design (derived from its Tn unless the config fixes it)."""
    return int(engine_pipeline(np.array(result.design.tn), config.precision, config.pipeline_cycles))


def _mac_layer(
    shape: LayerShape,
    index: int,
    result: SearchResult,
    config: FpgaConfig,
    planned: LayerTraffic | None,
    packing: float = 1.0,
) -> LayerMetrics:
    """One MAC layer on the chosen design; ``packing`` < 1: weight words per element of packed low-bit weights."""
    design = result.design
    cost, tr, tc = _chosen_cost(shape, index, result, config)
    word = config.precision.bytes
    ifmap_dram = float(cost.input_words)
    ofmap_dram = float(cost.output_words)
    if planned is not None:
        ifmap_dram = planned.dram_read_bytes / word
        ofmap_dram = planned.dram_write_bytes / word
    weight_dram = float(cost.weight_words) * packing
    compute = int(cost.compute_cycles)
    memory = (ifmap_dram + weight_dram + ofmap_dram) * word / config.dram_bytes_per_cycle
    stall = max(0, math.ceil(memory - compute))
    total = compute + stall
    lanes = design.tm * design.tn
    pixel_cycles = compute - int(cost.pipeline_cycles)
    pixels = shape.images * shape.rows * shape.cols * shape.kernel_area
    ifmap_sram = shape.in_channels * int(cost.out_chunks) * pixels
    ofmap_sram = shape.out_channels * int(cost.in_chunks) * pixels
    flops = 2.0 * shape.macs
    traffic_bytes = (ifmap_dram + weight_dram + ofmap_dram) * word
    seconds = total / config.clock_hz
    bank_kb = {
        "input": design.in_depth * config.precision.bits / 8 / KB,
        "weight": design.weight_depth * config.precision.bits / 8 / KB,
        "output": design.out_depth * res.accumulator_bits(config.precision) / 8 / KB,
    }
    acc_bytes = res.accumulator_bits(config.precision) / 8
    energy_pj = {
        "mac": shape.macs * energy.MAC_PJ[config.precision],
        "sram": ifmap_sram * word * energy.sram_pj_per_byte(bank_kb["input"])
        + shape.macs * word * energy.sram_pj_per_byte(bank_kb["weight"])
        + ofmap_sram * acc_bytes * energy.sram_pj_per_byte(bank_kb["output"]),
        "dram": traffic_bytes * energy.DRAM_PJ_PER_BYTE,
    }
    return LayerMetrics(
        layer=shape.name,
        kind=shape.kind,
        macs=shape.macs,
        compute_cycles=compute,
        stall_cycles=stall,
        total_cycles=total,
        fill_drain_cycles=int(cost.pipeline_cycles),
        overall_util=shape.macs / (total * lanes) if total else 0.0,
        mapping_efficiency=shape.macs / (pixel_cycles * lanes) if pixel_cycles else 0.0,
        compute_util=shape.macs / (compute * lanes) if compute else 0.0,
        ifmap_sram_reads=int(ifmap_sram),
        filter_sram_reads=int(shape.macs),
        ofmap_sram_writes=int(ofmap_sram),
        ifmap_dram_reads=round(ifmap_dram),
        filter_dram_reads=round(weight_dram),
        ofmap_dram_writes=round(ofmap_dram),
        energy_by_component_pj=energy_pj,
        latency_s=seconds,
        extras={
            "tr": tr,
            "tc": tc,
            "tiles": int(result.options[index].tiles[design.tile_index[index]]) * shape.images,
            "chunk_iterations": int(cost.iterations),
            "ctc_flop_per_byte": flops / traffic_bytes if traffic_bytes else 0.0,
            "compute_roof_gflops": flops / compute * config.clock_hz / 1e9 if compute else 0.0,
            "attainable_gflops": flops / seconds / 1e9 if seconds else 0.0,
            "bound": "memory" if stall else "compute",
        },
    )


def _vector_layer(op: VectorOp, config: FpgaConfig, planned: LayerTraffic | None) -> LayerMetrics:
    """A vector op streamed through the vector unit: max(lanes-limited compute, DRAM traffic)."""
    word = config.precision.bytes
    moves = 0 if op.fn is VectorFn.RESHAPE else 1
    reads = float(op.input_elements * moves)
    writes = float(op.output_elements * moves)
    if planned is not None:
        reads = planned.dram_read_bytes / word
        writes = planned.dram_write_bytes / word
    compute = math.ceil(op.vector_ops / config.vector_lanes)
    memory = (reads + writes) * word / config.dram_bytes_per_cycle
    stall = max(0, math.ceil(memory - compute))
    total = compute + stall
    energy_pj = {
        "vector": op.vector_ops * energy.VECTOR_OP_PJ[config.precision],
        "dram": (reads + writes) * word * energy.DRAM_PJ_PER_BYTE,
    }
    return LayerMetrics(
        layer=op.name,
        kind=op.kind,
        macs=0,
        compute_cycles=compute,
        stall_cycles=stall,
        total_cycles=total,
        fill_drain_cycles=0,
        overall_util=0.0,
        mapping_efficiency=0.0,
        compute_util=0.0,
        ifmap_sram_reads=0,
        filter_sram_reads=0,
        ofmap_sram_writes=0,
        ifmap_dram_reads=round(reads),
        filter_dram_reads=0,
        ofmap_dram_writes=round(writes),
        energy_by_component_pj=energy_pj,
        latency_s=total / config.clock_hz,
        extras={"bound": "memory" if stall else "compute"},
    )


def _design_json(result: SearchResult, config: FpgaConfig) -> dict[str, Any]:
    """``design`` of the JSON: unroll factors, buffers, per-layer tiles, search size."""
    design = result.design
    tiles = {
        shape.name: {"tr": int(option.tr[i]), "tc": int(option.tc[i])}
        for shape, option, i in zip(result.shapes, result.options, design.tile_index, strict=True)
    }
    candidates = result.candidates
    return {
        "tm": design.tm,
        "tn": design.tn,
        "searched": config.fixed_design is None,
        "precision": config.precision.value,
        "peak_gflops": 2.0 * design.tm * design.tn * config.clock_hz / 1e9,
        "pipeline_cycles": _design_pipeline(result, config),
        "towers": {shape.name: shape.groups for shape in result.shapes if shape.groups > 1},
        "buffers": {
            "input_banks": design.tn,
            "input_depth_words": design.in_depth,
            "weight_banks": design.tm * design.tn,
            "weight_depth_words": design.weight_depth,
            "output_banks": design.tm,
            "output_depth_words": design.out_depth,
            "ping_pong": True,
        },
        "tiles": tiles,
        "candidates_costed": int(candidates.tm.size),
        "candidates_valid": int(candidates.valid_designs),
    }


def _resources_json(result: SearchResult, config: FpgaConfig) -> dict[str, Any]:
    """``resources`` of the JSON: used / available / percent per kind, with the cap."""
    design = result.design
    board = config.board_spec
    depths = res.BufferDepths(np.array(design.in_depth), np.array(design.weight_depth), np.array(design.out_depth))
    used = res.design_resources(
        np.array(design.tm), np.array(design.tn), depths, config.precision, board, config.lut_macs
    )
    limits = res.available(board)
    data: dict[str, Any] = {
        "board": board.name,
        "device": board.device,
        "utilization_cap_pct": 100 * config.utilization_cap,
    }
    for name in res.RESOURCE_NAMES:
        count = int(used[name])
        data[name] = {"used": count, "available": limits[name], "pct": 100.0 * count / limits[name]}
    return data
