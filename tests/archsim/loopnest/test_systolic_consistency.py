"""The systolic family against a loop-nest description of the same array (docs/loopnest.md, "Consistency").

Reconciliation, output-stationary (os) 32x32 array: both families cost the same *ideal* compute
(folds x streaming steps) whenever the loop-nest unrolling partitions the outputs as SCALE-Sim's
flattened rows do (``rows = a * b`` with ``a | OX``, ``b | OY`` and ``cols | K``); the systolic model
then adds the fill/drain skew ``rows + cols - 2`` to every fold (and reports the last line's index,
``-1``), the loop nest adds the drain once per layer. Where the unrolling cannot partition the
flattened pixels exactly, the loop nest's ceilings per loop give more folds than SCALE-Sim's one
ceiling over ``OY * OX``.
"""

from __future__ import annotations

import dataclasses
import math

import pytest
from support.zigzag_reference import hardware

from archsim.config.loader import load_preset
from archsim.loopnest.layer import layer_of
from archsim.loopnest.mapper import best_mapping
from archsim.simulate import simulate
from workloads.ops import Conv2d, MatMul
from workloads.registry import load_workload

ROWS = COLS = 32
# layer -> (OX, OY) unrolling over the 32 rows that partitions the output pixels exactly, or None
EXACT = {
    "conv1": {"OX": 16, "OY": 2},  # 112 x 112
    "layer1.0.conv1": {"OX": 8, "OY": 4},  # 56 x 56
    "fc": None,
}
INEXACT = {"layer2.0.conv2": {"OX": 4, "OY": 8}}  # 28 x 28: 8 does not divide 28


@pytest.fixture(scope="module")
def systolic_os() -> dict[str, int]:
    """Compute cycles of ResNet-18's layers on a 32x32 os systolic array."""
    config = dataclasses.replace(load_preset("systolic-32x32"), dataflow="os", rows=ROWS, cols=COLS)
    return {row.layer: row.compute_cycles for row in simulate(load_workload("resnet18"), config).layers}


def _ideal_folds_and_steps(op: object) -> tuple[int, int]:
    if isinstance(op, MatMul):
        return math.ceil(op.m / ROWS) * math.ceil(op.n / COLS), op.k
    assert isinstance(op, Conv2d) and op.groups == 1
    pixels = op.out_h * op.out_w
    return math.ceil(pixels / ROWS) * math.ceil(op.out_channels / COLS), op.in_channels * op.kernel_h * op.kernel_w


def _loop_nest(op: object, rows_unroll: dict[str, int] | None):
    spatial = {"D1": rows_unroll or {"D": ROWS}, "D2": {"K": COLS}}
    return best_mapping(layer_of(op), hardware("tpu_like"), spatial).cost  # tpu_like: 32x32, D1 and D2 systolic


@pytest.mark.parametrize("name", [*EXACT, *INEXACT])
def test_os_array_compute_cycles_reconcile(systolic_os: dict[str, int], name: str) -> None:
    op = {node.op.name: node.op for node in load_workload("resnet18")}[name]
    folds, steps = _ideal_folds_and_steps(op)
    # the systolic model: every fold streams the window and pays the skew; SCALE-Sim counts lines - 1
    assert systolic_os[name] == folds * (steps + ROWS + COLS - 2) - 1
    cost = _loop_nest(op, EXACT.get(name, INEXACT.get(name)))
    # rows mapped: fc has one output row; OY:8 over 28 stays 8 (ZigZag drains the mapped unrolling, clipped to the
    # layer, not the 4 x 7 rows each pass of the even split uses)
    rows_mapped = {"fc": 1}.get(name, ROWS)
    assert cost.drain_cycles == (rows_mapped - 1) + (COLS - 1)  # once per layer
    if name in EXACT:
        assert cost.temporal_cycles == folds * steps  # the same ideal compute
        assert systolic_os[name] - cost.temporal_cycles == folds * (ROWS + COLS - 2) - 1  # the per-fold skew
    else:
        rows = INEXACT[name]
        per_loop = (
            math.ceil(op.out_w / rows["OX"]) * math.ceil(op.out_h / rows["OY"]) * math.ceil(op.out_channels / COLS)
        )
        assert cost.temporal_cycles == per_loop * steps > folds * steps


# ws is not like for like (im2col rows vs single-loop unrollings): systolic / loop-nest cycles, as the docs quote
WS_RATIOS = {"conv1": 0.103, "fc": 95.0}


def test_weight_stationary_ratios() -> None:
    workload = load_workload("resnet18")
    systolic = simulate(workload, dataclasses.replace(load_preset("systolic-32x32"), dataflow="ws"))
    cycles = {row.layer: row.compute_cycles for row in systolic.layers}
    ops = {node.op.name: node.op for node in workload}
    for name, ratio in WS_RATIOS.items():
        result = best_mapping(layer_of(ops[name]), hardware("tpu_like"), {"D1": {"K": 32}, "D2": {"C": 32}})
        assert cycles[name] / result.cost.temporal_cycles == pytest.approx(ratio, rel=2e-3), name
