"""Row tiles of a batched layer keep every sequence: the tiles of a layer add up to its MACs.

Regression: ``cut_layer`` gave a weight matmul's band ``m = rows``, dropping the batch axis, so a
fused stack over a batch of 2 sequences priced each tile at half its MACs (the band's tensors
already held both sequences).
"""

from __future__ import annotations

import pytest

from archsim.config.loader import load_arch
from archsim.system.tiles import cut_layer, output_rows, tile_bounds
from mappers.multicore.flow import simulate_system
from workloads.builder import GraphBuilder
from workloads.graph import Workload
from workloads.ops import Activation


def _batched(batch: int) -> Workload:
    b = GraphBuilder(f"mlp-b{batch}")
    x = b.input((batch, 64, 32))
    h = b.linear(x, 48, activation=Activation.RELU, name="fc1")
    b.linear(h, 32, name="fc2")
    return b.build()


@pytest.mark.parametrize("batch", [1, 2, 3])
@pytest.mark.parametrize("tile_rows", [1, 16, 40])
def test_the_tiles_of_a_batched_matmul_add_up_to_its_macs(batch: int, tile_rows: int) -> None:
    workload = _batched(batch)
    for node in workload:
        rows = output_rows(workload, node)
        assert rows == 64
        tiles = [
            cut_layer(workload, node, end - start, f"{node.name}#{k}")
            for k, (start, end) in enumerate(tile_bounds(rows, tile_rows))
        ]
        assert sum(tile.op.macs for tile, _ in tiles) == node.op.macs
        for tile, tensors in tiles:
            assert tile.op.m * tile.op.n == tensors[-1].numel  # the op's outputs are its tensor's


def test_fused_stacks_on_a_system_do_all_the_macs_of_a_batch() -> None:
    b = GraphBuilder("mlp3-b2")
    x = b.input((2, 1024, 256))
    for k in range(3):
        x = b.linear(x, 256, activation=Activation.RELU, name=f"fc{k}")
    workload = b.build()
    metrics = simulate_system(workload, load_arch("system-quad-systolic"), fusion="auto")
    assert any("#" in row.layer for row in metrics.layers)  # the stack runs in row tiles
    assert sum(row.macs for row in metrics.layers) == workload.total_macs
