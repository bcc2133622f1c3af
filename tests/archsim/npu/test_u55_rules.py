"""regor's Ethos-U55/U65 rules (docs/npu.md, "What changed the U55/U65 rows"): each one's own effect on a small graph.

The whole-network figures they move are asserted against Vela in test_vela_networks.py; these
tests pin each mechanism so that a regression shows which rule broke.
"""

from __future__ import annotations

import dataclasses

import pytest

from archsim.config.loader import load_arch
from archsim.config.npu import Memory
from archsim.metrics import LayerMetrics
from archsim.npu.lowering import ROW_STEP_CONSTANTS, SOFTMAX_ROW_STEPS, bricked_softmax_ops, softmax_ops
from archsim.npu.network import cost_operation
from archsim.npu.placement import Placement
from archsim.simulate import simulate
from workloads.builder import GraphBuilder
from workloads.graph import Workload
from workloads.ops import Activation, VectorFn


def _layer(workload: Workload, config: object, name: str) -> LayerMetrics:
    return next(layer for layer in simulate(workload, config).layers if layer.layer == name)


def _maxpool() -> Workload:
    b = GraphBuilder("pool")
    x = b.activation(b.input((1, 64, 112, 112), name="x"), Activation.RELU, name="relu")
    b.pool(x, VectorFn.MAXPOOL, 3, 2, name="pool")
    return b.build()


def test_u55_32_pooling_step_is_not_scaled_by_input_width() -> None:
    config = load_arch("ethos-u55-32-sram")
    scaled = dataclasses.replace(config, pooling_scales_with_bits=True)
    own, as_u55_64 = (_layer(_maxpool(), c, "pool").extras["npu_cycles"] for c in (config, scaled))
    # A MAC-bound 3x3 pool: 9 cycles per 1x1x4 micro-block on the U55-32, times ifm_bits / 2 = 4 elsewhere.
    assert as_u55_64 == pytest.approx(4 * own, rel=0.01)
    assert own == pytest.approx(9 / 4 * 55 * 55 * 64, rel=0.01)  # 55x55x64 outputs (valid padding)


def _row_ops(preset: str, memory: Memory) -> list[float]:
    """Cycles of the 21 one-value row steps of a 1x1000 softmax with its constants in ``memory``."""
    config = load_arch(preset)
    ops = bricked_softmax_ops(1, 1000, 8, True, False)[4 : 4 + SOFTMAX_ROW_STEPS]
    return [
        cost_operation(
            op,
            config,
            Placement(Memory.SRAM, Memory.SRAM, None, memory if op.constant_operand else Memory.SRAM),
            lut_ready=True,
        ).total
        for op in ops
    ]


def test_a_row_step_runs_on_a_whole_brick_at_the_32_bit_rate() -> None:
    # One value per row in a 16-channel brick: 16 elements at the 32-bit binary rate (Vela: 20, 24 and 48 cycles).
    for preset, rate in (("ethos-u55-128-sram", 1.25), ("ethos-u55-64-sram", 1.5), ("ethos-u55-32-sram", 3.0)):
        assert set(_row_ops(preset, Memory.SRAM)) == {16 * rate}, preset


def test_a_constant_in_dram_slows_the_row_steps_that_read_it() -> None:
    cycles = _row_ops("ethos-u65-256", Memory.DRAM)
    slow = {step for step, value in enumerate(cycles) if value > min(cycles)}
    # The issue floor takes the slower input block: the DRAM constant's 500-cycle latency.
    assert slow == ROW_STEP_CONSTANTS
    serial = dataclasses.replace(load_arch("ethos-u65-256"), serial_block_io=True)  # the U85's estimator: no such term
    op = bricked_softmax_ops(1, 1000, 8, True, False)[4 + min(ROW_STEP_CONSTANTS)]
    placements = (Placement(Memory.SRAM, Memory.SRAM, None, m) for m in (Memory.DRAM, Memory.SRAM))
    assert len({cost_operation(op, serial, p, lut_ready=True).npu for p in placements}) == 1


def _softmax() -> Workload:
    b = GraphBuilder("classifier")
    x = b.activation(b.input((1, 1000), name="x"), Activation.RELU, name="relu")
    b.activation(b.softmax(x, name="softmax"), Activation.RELU, name="out")
    return b.build()


def test_softmax_rounding_add_reads_a_full_32_bit_constant_from_the_weights_memory() -> None:
    flash = _layer(_softmax(), load_arch("ethos-u55-128"), "softmax")
    # The exp table (1 KiB), 1,000 int32 values, and the first shift's and ten row steps' 32-bit constants.
    assert flash.extras["flash_bytes"] == 1024 + 4 * 1000 + 4 * (1 + len(ROW_STEP_CONSTANTS))
    assert _layer(_softmax(), load_arch("ethos-u55-128-sram"), "softmax").extras["flash_bytes"] == 0


def test_32_bit_binary_elementwise_ops_take_their_own_rate() -> None:
    config = load_arch("ethos-u55-128-sram")
    plain = dataclasses.replace(config, wide_elementwise_cycles_per_element=0.0)
    shift = softmax_ops(1, 1008, 8)[2]  # a 32-bit binary pass over 1,008 elements, operands in SRAM
    place = Placement(Memory.SRAM, Memory.SRAM, None, Memory.SRAM)
    own, add_rate = (cost_operation(shift, c, place, lut_ready=True).npu for c in (config, plain))
    assert own == pytest.approx(1.25 * 1008, rel=0.01)  # Vela's U55-128 table, second entry
    assert add_rate == pytest.approx(1.5 * 1008, rel=0.01)  # the add rate archsim took before


def test_u85_presets_keep_the_plain_softmax() -> None:
    config = load_arch("ethos-u85-256")
    assert not config.bricked_softmax and config.wide_elementwise_cycles_per_element == 0
    assert all(load_arch(p).bricked_softmax for p in ("ethos-u55-32", "ethos-u55-64", "ethos-u65-512-sram"))
