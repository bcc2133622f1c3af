"""Where a systolic array as a loop nest departs from the systolic model (docs/loopnest.md, "Consistency")."""

from __future__ import annotations

import dataclasses

import pytest
from support.zigzag_reference import hardware

from archsim.config.loader import load_preset
from archsim.loopnest.layer import layer_of
from archsim.loopnest.mapper import best_mapping
from archsim.simulate import simulate
from workloads.registry import load_workload

# layer -> systolic ws compute cycles / loop-nest temporal cycles, as docs/loopnest.md quotes them
RATIOS = {"conv1": 0.103, "layer1.0.conv1": 1.030, "layer4.0.conv2": 2.918, "fc": 95.0}


def test_systolic_vs_loop_nest_compute_cycles() -> None:
    workload = load_workload("resnet18")
    systolic = simulate(workload, dataclasses.replace(load_preset("systolic-32x32"), dataflow="ws"))
    cycles = {row.layer: row.compute_cycles for row in systolic.layers}
    ops = {node.op.name: node.op for node in workload}
    for name, ratio in RATIOS.items():
        result = best_mapping(layer_of(ops[name]), hardware("tpu_like"), {"D1": {"K": 32}, "D2": {"C": 32}})
        assert cycles[name] / result.cost.temporal_cycles == pytest.approx(ratio, rel=2e-3), name
        assert result.cost.latency_cycles >= result.cost.temporal_cycles  # objective default: latency
