"""``vector_lanes``: the vector unit's width, apart from the array's columns (a GPU's CUDA cores)."""

from __future__ import annotations

import pytest

from archsim.config.systolic import SystolicConfig
from archsim.systolic.layer import simulate_layer
from archsim.systolic.vectorised import designs_from_configs, evaluate
from workloads.graph import Node, Tensor, TensorKind, Workload
from workloads.ops import VectorFn, VectorOp

SOFTMAX = VectorOp("softmax", VectorFn.SOFTMAX, 1 << 20, 1 << 20, 5)


def _config(lanes: int) -> SystolicConfig:
    return SystolicConfig(rows=16, cols=16, vector_lanes=lanes, ifmap_dram_bw=1e4, ofmap_dram_bw=1e4)


def test_default_is_one_lane_per_column() -> None:
    assert simulate_layer(SOFTMAX, _config(0)).total_cycles == simulate_layer(SOFTMAX, _config(16)).total_cycles


def test_more_lanes_finish_a_compute_bound_vector_op_sooner() -> None:
    narrow, wide = simulate_layer(SOFTMAX, _config(16)), simulate_layer(SOFTMAX, _config(256))
    assert narrow.compute_cycles == 5 * (1 << 20) // 16
    assert wide.compute_cycles == 5 * (1 << 20) // 256


def test_vectorised_path_agrees() -> None:
    configs = [_config(0), _config(64), _config(1000)]
    workload = Workload(
        "w",
        (Node(SOFTMAX, ("x",), ("y",)),),
        (Tensor("x", (1 << 20,), TensorKind.INPUT), Tensor("y", (1 << 20,), TensorKind.ACTIVATION)),
    )
    cycles = evaluate(workload, designs_from_configs(configs)).total_cycles
    assert list(cycles) == [simulate_layer(SOFTMAX, c).total_cycles for c in configs]


def test_negative_lanes_are_refused() -> None:
    with pytest.raises(ValueError, match="vector_lanes"):
        _config(-1)
