"""Fused stacks pipelined across cores: tiles flow core to core, the timeline stays physical."""

from __future__ import annotations

import itertools

import pytest

from archsim.system.engine import run_schedule
from archsim.system.metrics import core_peak_macs
from archsim.system.schedule import Channel
from mappers.multicore.checker import check_timeline
from mappers.multicore.estimate import Estimator
from mappers.multicore.flow import evaluate_checked, plan_system
from mappers.multicore.pipeline import balanced_segments, choose_segments, pipeline_schedule
from mappers.multicore.stacks import Stack
from mappers.multicore.tasks import build_schedule, stack_graph
from tests.mappers.multicore.test_fusion import chain, small_system


@pytest.mark.parametrize("costs", [(5, 1, 1, 5), (3, 3, 3), (1, 9, 2, 2, 7), (4,)])
def test_balanced_segments_minimise_the_largest_part_against_brute_force(costs: tuple[int, ...]) -> None:
    for parts in (1, 2, 3):
        slower = [[c * (1 + p) for c in costs] for p in range(parts)]  # position p on a core 1 + p times slower
        largest, ranges = balanced_segments(slower)
        assert ranges[0][0] == 0 and ranges[-1][1] == len(costs)
        assert all(a[1] == b[0] for a, b in itertools.pairwise(ranges)) and len(ranges) <= parts
        best = min(
            max(sum(slower[p][a:b]) for p, (a, b) in enumerate(itertools.pairwise((0, *cuts, len(costs)))))
            for k in range(min(parts, len(costs)))
            for cuts in itertools.combinations(range(1, len(costs)), k)
        )
        assert largest == max(sum(slower[p][a:b]) for p, (a, b) in enumerate(ranges)) == best


def test_a_much_slower_second_core_gets_no_segment() -> None:
    assert choose_segments([[4, 4, 4, 4], [40, 40, 40, 40]], tiles=4) == [(0, 4)]
    assert choose_segments([[4, 4, 4, 4], [4, 4, 4, 4]], tiles=8) == [(0, 2), (2, 4)]


def test_tiles_flow_core_to_core_and_the_timeline_stays_physical() -> None:
    workload, system = chain(layers=4, stride_at=99), small_system(buffer_kb=64.0)
    graph = stack_graph([Stack(workload, workload.nodes, 4)])
    estimator = Estimator(system, workload)
    piped = pipeline_schedule(graph, system, [0], [0], estimator, "auto")
    serial = build_schedule(graph, system, [0], [[0], []], "auto", "list")
    peaks = [core_peak_macs(c) for c in system.cores]
    timings = {}
    for name, schedule in (("pipe", piped), ("serial", serial)):
        timeline = run_schedule(workload, system, schedule)
        assert not check_timeline(system, schedule, timeline, peaks)
        timings[name] = timeline
    pipe = timings["pipe"]
    assert {t.core for t in pipe.tasks} == {0, 1}
    # some tile of the second segment computes while the first segment computes a later tile
    busy = [[(t.compute_start, t.compute_end) for t in pipe.tasks if t.core == c] for c in (0, 1)]
    assert any(a0 < b1 and b0 < a1 for a0, a1 in busy[0] for b0, b1 in busy[1])
    assert pipe.makespan < timings["serial"].makespan
    assert sum(t.macs for t in pipe.tasks) == sum(t.macs for t in timings["serial"].tasks)
    # the hand-over: every row of the boundary tensor crosses the interconnect exactly once
    link = [t for task in piped.tasks for t in task.reads if t.channel is Channel.LINK]
    boundary = {t.tensor for t in link}
    assert len(boundary) == 1
    assert sum(t.nbytes for t in link) == workload.tensor_bytes(boundary.pop())
    dram = sum(t.nbytes for task in piped.tasks for t in (*task.reads, *task.writes) if t.channel is not Channel.LINK)
    assert dram == sum(t.nbytes for task in serial.tasks for t in (*task.reads, *task.writes))


def test_pipeline_scheduler_through_the_flow() -> None:
    workload, system = chain(layers=4, stride_at=99), small_system(buffer_kb=24.0)
    piped = evaluate_checked(workload, system, plan_system(workload, system, fusion="auto", scheduler="pipeline"))
    fused = evaluate_checked(workload, system, plan_system(workload, system, fusion="auto"))
    assert piped.schedule["scheduler"] == "pipeline"
    assert piped.makespan_cycles <= fused.makespan_cycles
