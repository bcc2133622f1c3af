"""Ethos-U85-1024 and -2048: the rules that set them apart from the smaller U85s (docs/npu.md), each pinned.

The expected micro-blocks, allocation units, blocks and cycles are regor's table (``ethos_u85.cpp``) and
Vela 5.2's debug database (``vela --enable-debug-db``, Sram_Only, MobileNetV1/V2); the whole-network
comparisons are in test_vela_networks.py.
"""

from __future__ import annotations

import dataclasses

import pytest

from archsim.config.loader import load_arch
from archsim.config.npu import Memory
from archsim.npu.area_fit import alloc_unit
from archsim.npu.blocks import choose_block
from archsim.npu.compute import mac_cycles_per_block
from archsim.npu.lowering import chained_softmax_ops, softmax_ops
from archsim.npu.network import cost_operation
from archsim.npu.ops import Geometry, NpuKind
from archsim.npu.placement import Placement
from archsim.npu.ublock import micro_block

ALLOC_UNITS = [
    # (positions, micro-block, units at <= 128, <= 256 and > 256 bits of depth: rows x columns x 128-bit multiples)
    (2, (1, 2, 8), [(1, 2, 1), (1, 1, 2), (1, 1, 2)]),
    (4, (2, 2, 8), [(2, 2, 1), (1, 2, 2), (1, 1, 4)]),
    (4, (1, 4, 16), [(1, 4, 1), (1, 2, 2), (1, 1, 4)]),
    (8, (2, 2, 32), [(2, 4, 1), (2, 2, 2), (1, 2, 4)]),
    (8, (1, 4, 32), [(2, 4, 1), (1, 4, 2), (1, 2, 4)]),
    (16, (4, 4, 16), [(4, 4, 1), (2, 4, 2), (2, 2, 4)]),
    (16, (1, 4, 64), [(4, 4, 1), (2, 4, 2), (1, 4, 4)]),
]


@pytest.mark.parametrize(("positions", "ublock", "units"), ALLOC_UNITS)
def test_input_allocation_units_are_regors_table(
    positions: int, ublock: tuple[int, int, int], units: list[tuple[int, int, int]]
) -> None:
    for depth, (rows, columns, multiple) in zip((16, 32, 64), units, strict=True):
        assert alloc_unit(depth, 8, ublock, positions) == (rows, columns, multiple * 16)


@pytest.mark.parametrize(
    ("preset", "deep", "projection"),
    [("ethos-u85-1024-sram", (2, 4, 16), (2, 4, 16)), ("ethos-u85-2048-sram", (4, 4, 16), (4, 4, 16))],
)
def test_depthwise_pooling_and_reduce_sum_run_on_the_16_deep_micro_block(
    preset: str, deep: tuple[int, int, int], projection: tuple[int, int, int]
) -> None:
    config = load_arch(preset)
    depthwise = Geometry(NpuKind.DEPTHWISE, (56, 56, 128), (56, 56, 128), kernel=(3, 3))
    pooling = Geometry(NpuKind.POOLING, (1, 1000, 1), (1, 1, 1), kernel=(1, 1000))
    row_sum = Geometry(NpuKind.REDUCE_SUM, (1, 1, 1000), (1, 1, 1), ifm_bits=32, ofm_bits=32)
    assert micro_block(depthwise, config) == micro_block(pooling, config) == micro_block(row_sum, config) == deep
    # A convolution takes the least padded of all three: 16 output channels on the 16-deep one.
    assert micro_block(Geometry(NpuKind.CONV, (112, 112, 32), (112, 112, 16)), config) == projection
    assert micro_block(Geometry(NpuKind.CONV, (14, 14, 192), (14, 14, 64)), config)[2] == config.ublock_c


def test_u85_256_keeps_its_micro_block_roles() -> None:
    config = load_arch("ethos-u85-256-sram")
    assert micro_block(Geometry(NpuKind.DEPTHWISE, (56, 56, 128), (56, 56, 128), kernel=(3, 3)), config) == (1, 2, 16)
    row_sum = Geometry(NpuKind.REDUCE_SUM, (1, 1, 1000), (1, 1, 1), ifm_bits=32, ofm_bits=32)
    assert micro_block(row_sum, config) in config.ublock_options


def test_u85_2048_blocks_and_mac_cycles_are_velas() -> None:
    config = load_arch("ethos-u85-2048-sram")
    # MobileNetV2's conv_2 (1x1, 16 -> 96 at 112x112): Vela's 4x40x96 block, 480 MAC cycles per block.
    expansion = Geometry(NpuKind.CONV, (112, 112, 16), (112, 112, 96), brick_ifm=True, brick_ofm=True)
    block = choose_block(expansion, config)
    assert block.ofm == (4, 40, 96)
    assert mac_cycles_per_block(expansion, block, config) == 480
    # Its 7x7x960 -> 160 projection: the 128 KiB accumulator RAM holds Vela's 8x8x160 block (deeper than 128).
    projection = Geometry(NpuKind.CONV, (7, 7, 960), (7, 7, 160), brick_ifm=True, brick_ofm=True)
    assert choose_block(projection, config).ofm == (8, 8, 160)


def test_softmax_row_max_and_row_sum_cost_velas_cycles_on_u85_1024() -> None:
    config = load_arch("ethos-u85-1024-sram")
    sram = Placement(Memory.SRAM, Memory.SRAM, None)
    row_max, *_ = softmax_ops(1, 1000, 8)
    row_sum = next(op for op in softmax_ops(1, 1000, 8) if op.geometry.kind is NpuKind.REDUCE_SUM)
    assert round(cost_operation(row_max, config, sram).total) == 5377
    assert round(cost_operation(row_sum, config, sram).total) == 2708
    # Its block search steps by the micro-block it runs on: Vela's 2x4x16 block of 2x4x32 inputs.
    block = choose_block(row_sum.geometry, config)
    assert (block.ofm, block.ifm) == ((2, 4, 16), (2, 4, 32))
    # On the 2x2x32 micro-block (the reduce-sum rule off) the row sum would cost about twice Vela's 2,708.
    deep = dataclasses.replace(config, reduce_sum_on_equal_depth_ublock=False)
    assert cost_operation(row_sum, deep, sram).total > 1.8 * 2708


def test_allocation_positions_are_validated() -> None:
    with pytest.raises(ValueError, match="ifm_alloc_positions must be one of 1, 2, 4, 8, 16, got 3"):
        dataclasses.replace(load_arch("ethos-u85-1024"), ifm_alloc_positions=3)


def test_u85_softmax_is_velas_chained_graph() -> None:
    # Vela 5.2's U85-256 softmax over 2 rows of 128 (the LLM block's, debug database): the passes it gives cycles,
    # in order; its exp pass (64) is left out here, where the table's load is not hidden as in a network.
    vela = [1346, 128, 722, 8, 16, 32, 32, 64, 16, 64, 16, 64, 16, 256]
    config = load_arch("ethos-u85-256-sram")
    ops = chained_softmax_ops(2, 128, True, True, config)
    costs = []
    for op in ops:
        if op.chained or op.lut_bytes:
            continue
        constants = Memory.DRAM if op.constant_operand else None
        operand = Memory.SRAM if op.geometry.ifm2 is not None else None
        costs.append(round(cost_operation(op, config, Placement(Memory.SRAM, Memory.SRAM, constants, operand)).total))
    assert len(costs) == len(vela)
    # Every pass but the first row step (Vela's count-leading-zeros, a one-input pass at half the rate) as Vela's.
    assert costs[:3] + costs[4:] == vela[:3] + vela[4:]
    assert sum(op.chained for op in ops) == 12
