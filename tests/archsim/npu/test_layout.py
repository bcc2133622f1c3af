"""Vela 5.2's feature-map shapes and layouts (archsim/npu/layout.py), the U55/U65 serial block transfers and the
block search's depth steps, each on the case that shows it (costs checked against Vela in test_vela_random.py)."""

from __future__ import annotations

import dataclasses

import pytest

from archsim.config.loader import load_arch
from archsim.config.npu import Memory
from archsim.npu.blocks import _searched_depths, choose_block
from archsim.npu.compute import block_transfer_cycles, compute_cycles
from archsim.npu.layout import bricked, deepened, reshaped_pass, split_activation
from archsim.npu.lowering import lower
from archsim.npu.ops import Geometry, NpuKind
from archsim.npu.ublock import part_kernel_wins
from workloads.builder import GraphBuilder
from workloads.graph import Workload
from workloads.ops import Activation, VectorFn


@pytest.mark.parametrize(
    ("shape", "deep"),
    [((17, 17, 3), (17, 1, 51)), ((12, 17, 3), (17, 1, 36)), ((14, 17, 3), (17, 1, 42)), ((8, 8, 4), (4, 4, 16))],
)
def test_a_shallow_pass_is_reshaped_to_the_first_prime_product_of_16_or_more(shape: tuple, deep: tuple) -> None:
    # 867 = 3 x 17 x 17 -> depth 3 x 17 = 51, the remaining 17 on the height (Vela's add on 17x17x3: 17x1x51).
    assert deepened(shape) == deep


def _shallow_block() -> Workload:
    b = GraphBuilder("shallow")
    x = b.input((1, 3, 17, 17), name="x")
    pooled = b.pool(x, VectorFn.MAXPOOL, 3, 2, padding="same", name="pool")
    conv = b.conv(pooled, 3, 1, activation=Activation.RELU6, name="conv")
    added = b.add(pooled, conv, name="add")
    b.conv(added, 32, 3, name="deep")
    return b.build()


def test_shallow_elementwise_and_its_neighbours_are_linear() -> None:
    workload = _shallow_block()
    nodes = {node.name: node for node in workload}
    assert reshaped_pass(nodes["add"], workload)
    assert split_activation(nodes["conv"], workload)
    assert not split_activation(nodes["deep"], workload)
    # A map read or written in another width and depth than its writer's or readers' is NHWC: the pool's output
    # (the conv reads it whole, the add reshaped) and the add's (written reshaped, read whole by the next conv).
    for name in ("pool", "add"):
        assert not bricked(workload, nodes[name].outputs[0]), name
    # The split activation writes the conv's output reshaped exactly as the add reads it: bricks stay possible.
    assert bricked(workload, nodes["conv"].outputs[0])
    add = lower(nodes["add"], workload, load_arch("ethos-u55-128"))[0]
    assert add.geometry.ofm == add.geometry.ifm == deepened((9, 9, 3))


def test_a_split_activation_is_a_second_pass_on_the_reshaped_output() -> None:
    workload = _shallow_block()
    conv = next(node for node in workload if node.name == "conv")
    ops = lower(conv, workload, load_arch("ethos-u55-128"))
    assert [op.geometry.kind for op in ops] == [NpuKind.CONV, NpuKind.POOLING]
    assert ops[1].geometry.ofm == deepened((9, 9, 3))
    assert not ops[0].geometry.brick_ofm and not ops[1].geometry.brick_ifm


def test_u55_serial_block_transfers_expose_the_first_input_and_last_output_block() -> None:
    """A one-block 1x1 conv, 12x12x3 -> 19: Vela 5.2 gives 2,080 cycles = 1,116 (MAC + output) + 248 + 716."""
    geometry = Geometry(NpuKind.CONV, (12, 12, 3), (12, 12, 19))
    config = load_arch("ethos-u55-256-sram")
    block = choose_block(geometry, config)
    ifm_io, ofm_io = block_transfer_cycles(geometry, block, config, Memory.SRAM, Memory.SRAM)
    assert (ifm_io, ofm_io) == (248, 716)
    assert compute_cycles(geometry, block, config, Memory.SRAM, Memory.SRAM, Memory.SRAM).total == 2080
    # The older estimator (both transfers bound command issue, no edge exposed) misses them: 1,204 cycles.
    overlapped = dataclasses.replace(config, serial_block_io=False)
    assert compute_cycles(geometry, block, overlapped, Memory.SRAM, Memory.SRAM, Memory.SRAM).total == 1204


def test_block_search_depths_step_by_the_micro_block_and_round_below_the_output_depth() -> None:
    # U55-32 (4-deep micro-blocks) on 24 channels: 16, then 20 rounds to 32 > 24: 24 is never tried.
    assert _searched_depths(24, 24, 4) == [16]
    assert _searched_depths(24, 24, 8) == [16, 24]
    assert _searched_depths(72, 80, 8) == [16, 32, 48, 64, 72, 80]


def test_pool_blocks_use_the_pool_stride_not_one_guessed_from_sizes() -> None:
    """17x5 -> 9x3 with a 3x3 stride-2 SAME window: a width stride guessed from the sizes would be 1."""
    b = GraphBuilder("pool")
    b.pool(b.input((1, 72, 17, 5), name="x"), VectorFn.MAXPOOL, 3, 2, padding="same", name="pool")
    workload = b.build()
    (op,) = lower(next(iter(workload)), workload, load_arch("ethos-u55-256"))
    assert op.geometry.stride == (2, 2)
    assert choose_block(op.geometry, load_arch("ethos-u55-256-sram")).ofm == (10, 4, 16)  # Vela 5.2's block


@pytest.mark.parametrize(
    ("kernel", "depth", "kernel_first"),
    [((5, 5), 256, False), ((3, 3), 256, True), ((1, 1), 64, False), ((1, 1), 32, True), ((7, 7), 100, True)],
)
def test_u85_kernel_first_by_utilisation(kernel: tuple, depth: int, kernel_first: bool) -> None:
    """regor's U85 rule: 25 elements in fives pad to 27 (0.93) against a full 64-deep slice: depth first."""
    geometry = Geometry(NpuKind.CONV, (16, 16, depth), (16, 16, 32), kernel=kernel)
    assert part_kernel_wins(geometry, load_arch("ethos-u85-2048")) is kernel_first
