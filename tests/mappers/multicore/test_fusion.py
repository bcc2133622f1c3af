"""Fused stacks: tile geometry, on-chip rows, and what fusion saves on a small-buffer system."""

from __future__ import annotations

import pytest

from archsim.config.system import SystemConfig
from archsim.config.systolic import SystolicConfig
from archsim.system.engine import run_schedule
from archsim.system.metrics import core_peak_macs
from archsim.system.schedule import Channel
from mappers.multicore.checker import check_timeline
from mappers.multicore.flow import evaluate_checked, plan_system
from mappers.multicore.fusion import search_fusion
from mappers.multicore.stacks import Stack, fusable_range
from workloads.builder import GraphBuilder
from workloads.graph import Workload


def chain(size: int = 32, channels: int = 16, layers: int = 4, stride_at: int = 1) -> Workload:
    b = GraphBuilder("chain")
    x = b.input((1, channels, size, size))
    for k in range(layers):
        x = b.conv(x, channels, 3, stride=2 if k == stride_at else 1, padding=1, name=f"c{k}")
    return b.build()


def small_system(buffer_kb: float = 24.0) -> SystemConfig:
    core = SystolicConfig(
        name="sa",
        rows=8,
        cols=8,
        dataflow="ws",
        ifmap_sram_kb=buffer_kb / 2,
        filter_sram_kb=buffer_kb / 4,
        ofmap_sram_kb=buffer_kb / 4,
    )
    return SystemConfig(name="small", cores=(core, core), dram_bytes_per_cycle=8.0)


@pytest.mark.parametrize("tile", [1, 3, 5, 16])
def test_tiles_compute_every_row_once(tile: int) -> None:
    workload = chain()
    stack = Stack(workload, workload.nodes, tile)
    for node in workload.nodes:
        rows = workload.tensor(node.outputs[0]).shape[-2]
        assert sum(stack.rows_in_tile(node.name, k) for k in range(len(stack.bands))) == rows
    total_in = sum(
        end - start for start, end in (stack.input_band(stack.inputs[0], k) for k in range(len(stack.bands)))
    )
    assert total_in == workload.tensor(stack.inputs[0]).shape[-2]


def test_first_tile_needs_the_halo() -> None:
    workload = chain(stride_at=99)
    stack = Stack(workload, workload.nodes, 2)
    # 4 stride-1 3x3 convs with padding 1: two output rows need 2 + 4 = 6 input rows... minus top padding
    assert stack.input_band(stack.inputs[0], 0) == (0, 6)


def test_smaller_tiles_hold_fewer_rows() -> None:
    workload = chain()
    sizes = [Stack(workload, workload.nodes, t).rows_bytes for t in (16, 8, 4, 2)]
    assert sizes == sorted(sizes, reverse=True)
    assert sizes[-1] < Stack(workload, workload.nodes, None).rows_bytes


def test_fusable_range_needs_intermediates_read_inside() -> None:
    b = GraphBuilder("skip")
    x = b.conv(b.input((1, 4, 8, 8)), 4, 3, padding=1, name="a")
    y = b.conv(x, 4, 3, padding=1, name="b")
    b.add(x, y, name="add")
    workload = b.build()
    nodes = {n.name: n for n in workload.nodes}
    assert not fusable_range(workload, (nodes["a"], nodes["b"]))
    assert fusable_range(workload, (nodes["a"], nodes["b"], nodes["add"]))


def test_fusion_cuts_dram_bytes_when_tensors_do_not_fit() -> None:
    workload, system = chain(), small_system()
    results = {}
    for fusion in ("none", "auto"):
        plan = plan_system(workload, system, fusion=fusion)
        metrics = evaluate_checked(workload, system, plan)
        results[fusion] = metrics
    assert results["auto"].dram_bytes < results["none"].dram_bytes
    assert results["auto"].energy_pj < results["none"].energy_pj
    fused = search_fusion(workload, system)
    assert any(len(s.nodes) > 1 for s in fused.stacks)


def test_fused_schedule_reads_the_graph_input_exactly_once() -> None:
    workload, system = chain(), small_system()
    plan = plan_system(workload, system, fusion="auto")
    read = sum(t.nbytes for task in plan.schedule.tasks for t in task.reads if t.tensor == "input")
    assert read == workload.tensor_bytes("input")
    timeline = run_schedule(workload, system, plan.schedule)
    assert not check_timeline(system, plan.schedule, timeline, [core_peak_macs(c) for c in system.cores])
    writes = [t for task in plan.schedule.tasks for t in task.writes]
    assert all(t.channel is Channel.DRAM_WRITE for t in writes)


def test_simulate_runs_a_system_through_the_registered_hook() -> None:
    import mappers.multicore
    from archsim.config.loader import load_arch
    from archsim.simulate import REGISTERED, simulate

    assert REGISTERED["system"] is mappers.multicore.simulate_system
    metrics = simulate(chain(layers=3), load_arch("system-quad-systolic"))
    assert metrics.total()["makespan_cycles"] > 0
    assert metrics.latency_s == pytest.approx(metrics.makespan_cycles / 1e9)
