"""regor's Ethos-U rules read for the U55/U65 rows and 16-bit activations (docs/npu.md): each rule's own effect.

The whole-network figures they move are asserted against Vela in test_vela_networks.py; these
tests pin each mechanism so that a regression shows which rule broke.
"""

from __future__ import annotations

import dataclasses

import pytest

from archsim.config.loader import load_arch
from archsim.config.npu import Memory
from archsim.metrics import LayerMetrics
from archsim.npu.lowering import (
    ROW_STEP_CONSTANTS,
    SOFTMAX16_ROW_STEPS,
    SOFTMAX_ROW_STEPS,
    bricked_softmax_ops,
    chained_softmax16_ops,
    softmax_ops,
)
from archsim.npu.network import cost_operation
from archsim.npu.ops import Geometry, NpuKind
from archsim.npu.placement import Placement
from archsim.npu.ublock import micro_block
from archsim.simulate import simulate
from workloads.builder import GraphBuilder
from workloads.graph import Workload
from workloads.ops import Activation, VectorFn
from workloads.precision import Precision


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
    # The U85's estimator reads only the first operand's block: no such term.
    serial = dataclasses.replace(load_arch("ethos-u65-256"), second_operand_block_io=False)
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


def test_only_the_u55_u65_presets_brick_their_softmax() -> None:
    config = load_arch("ethos-u85-256")
    assert not config.bricked_softmax and config.wide_elementwise_cycles_per_element == 0
    assert all(load_arch(p).bricked_softmax for p in ("ethos-u55-32", "ethos-u55-64", "ethos-u65-512-sram"))


def _conv1x1(bits: int, channels: int = 32) -> Workload:
    b = GraphBuilder("pointwise")
    x = b.activation(b.input((1, channels, 56, 56), name="x"), Activation.RELU, name="relu")
    b.conv(x, channels, 1, name="conv")
    graph = b.build()
    return graph if bits == 8 else graph.with_precision(Precision.INT16)


def test_16_bit_mac_ops_take_the_40_bit_accumulator_output_rate() -> None:
    # An output-bound 1x1 convolution (32 -> 32 channels): Vela's U55-128 rates 0.5 (int8) and 0.75 (int16) per output.
    config = load_arch("ethos-u55-128-sram")
    int8, int16 = (_layer(_conv1x1(bits), config, "conv").extras["npu_cycles"] for bits in (8, 16))
    assert int16 / int8 == pytest.approx(0.75 / 0.5, rel=0.02)


def test_u85_16_bit_convolutions_keep_8_bit_input_blocks_and_take_two_passes() -> None:
    config = load_arch("ethos-u85-512-sram")  # 128 -> 128 channels: depth first, MAC-bound
    int8, int16 = (_layer(_conv1x1(bits, 128), config, "conv") for bits in (8, 16))
    assert int16.extras["npu_cycles"] == pytest.approx(2 * int8.extras["npu_cycles"], rel=0.05)


def test_u85_256_16_bit_inputs_swap_the_deep_micro_block_roles() -> None:
    config = load_arch("ethos-u85-256")
    pool = Geometry(NpuKind.POOLING, (14, 14, 64), (7, 7, 64), kernel=(2, 2), stride=(2, 2), ifm_bits=16, ofm_bits=16)
    fc = Geometry(NpuKind.VECTOR_PRODUCT, (1, 1, 512), (1, 1, 1000), ifm_bits=16, ofm_bits=16)
    assert micro_block(dataclasses.replace(pool, ifm_bits=8), config) == (1, 2, 16)
    assert micro_block(pool, config) in config.ublock_options
    assert micro_block(dataclasses.replace(fc, ifm_bits=8), config) in config.ublock_options
    assert micro_block(fc, config) == (1, 2, 16)


def test_16_bit_softmax_graphs() -> None:
    u55 = bricked_softmax_ops(4, 1000, 16, False, False)
    u85 = chained_softmax16_ops(4, 1000, False, False, load_arch("ethos-u85-256"))
    # Row max, centre, scale, exp, row sum, the row steps, reciprocal multiply, rounding add, shift.
    assert len(u55) == 8 + SOFTMAX16_ROW_STEPS
    assert len(u85) == len(u55) - 1 and not any(op.geometry.ifm2 == (4, 1, 1000) for op in u85)
    assert sum(op.chained for op in u85) == 6 and not any(op.chained for op in u55)
    # Each chained pass adds its output-stage rate to the pass it is chained onto: the centre pass carries the
    # scale and the exp table's add, the multiply by each row's reciprocal the final shift.
    centre, multiply = u85[1].geometry, u85[-2].geometry
    assert centre.chain_cycles_per_element > 0 and multiply.chain_cycles_per_element > 0
    assert sum(op.lut_bytes > 0 for op in u55) == 2  # the exp and 1 / (1 + x) tables


def test_16_bit_input_blocks_are_fetched_in_4_channel_steps_on_the_u55() -> None:
    from archsim.npu.blocks import choose_block

    first = Geometry(NpuKind.CONV, (224, 224, 3), (112, 112, 32), kernel=(3, 3), stride=(2, 2), ifm_bits=16)
    # regor's block for MobileNetV1's first convolution at 16 bits on U55-256: 8x8x32, input 18x18x4 (Vela prints it).
    block = choose_block(first, load_arch("ethos-u55-256-sram"))
    assert block.ofm == (8, 8, 32) and block.ifm == (18, 18, 4)
    assert choose_block(dataclasses.replace(first, ifm_bits=8), load_arch("ethos-u55-256-sram")).ifm[2] == 8
