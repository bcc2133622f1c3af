"""The system's shared buffer: hand-overs placed there skip DRAM, and its capacity holds at every instant."""

from __future__ import annotations

import dataclasses

from hypothesis import given, settings
from hypothesis import strategies as st

from archsim.config.loader import load_arch
from archsim.config.system import SystemConfig
from archsim.config.systolic import SystolicConfig
from archsim.system import Channel, SystemSchedule, Task, Transfer, run_schedule
from archsim.system.metrics import core_peak_macs, evaluate
from archsim.system.tiles import TaskOp
from mappers.multicore.checker import check_shared_buffer, check_timeline
from mappers.multicore.flow import evaluate_checked, plan_system
from mappers.multicore.shared import shared_placement, with_shared_buffer
from workloads.builder import GraphBuilder
from workloads.graph import Workload
from workloads.registry import load_workload

KB = 1024


def chain(layers: int = 2, size: int = 32, channels: int = 16) -> Workload:
    """A chain of 3x3 convolutions (``c<k>``, output ``c<k>:out``)."""
    b = GraphBuilder("chain")
    x = b.input((1, channels, size, size))
    for k in range(layers):
        x = b.conv(x, channels, 3, name=f"c{k}")
    return b.build()


def two_core(shared_kb: float = 0.0, dram: float = 1.0) -> SystemConfig:
    core = SystolicConfig(name="sa", rows=8, cols=8, dataflow="ws")
    return SystemConfig(
        name="two", cores=(core, core), dram_bytes_per_cycle=dram, link_bytes_per_cycle=32.0, shared_buffer_kb=shared_kb
    )


def handover(nbytes: int = 16 * KB) -> SystemSchedule:
    """Core 0 computes ``c0`` and writes its output to DRAM; core 1 reads it back and computes ``c1``."""
    tasks = (
        Task("a", 0, (TaskOp("c0"),), writes=(Transfer("c0:out", nbytes, Channel.DRAM_WRITE),)),
        Task("b", 1, (TaskOp("c1"),), reads=(Transfer("c0:out", nbytes, Channel.DRAM_READ),), deps=("a",)),
    )
    return SystemSchedule(tasks, (("a",), ("b",)))


def checked(workload: Workload, system: SystemConfig, schedule: SystemSchedule) -> list[str]:
    timeline = run_schedule(workload, system, schedule)
    return check_timeline(system, schedule, timeline, [core_peak_macs(c) for c in system.cores])


def test_a_large_enough_buffer_takes_the_handover_off_dram_and_shortens_the_pipeline() -> None:
    workload = chain()
    before = evaluate(workload, two_core(), handover())
    system = two_core(shared_kb=32)
    schedule = with_shared_buffer(handover(), system)
    after = evaluate(workload, system, schedule)
    assert not checked(workload, system, schedule)
    assert before.dram_bytes == 2 * 16 * KB and after.dram_bytes == 0
    assert after.total()["shared_buffer_bytes"] == {"write": 16 * KB, "read": 16 * KB}
    assert after.total()["link_bytes"] == 0  # the core-to-core channel proper; the shared bytes cross it too
    # DRAM at 1 B/cycle was the bottleneck: 32 KB of it (32,768 cycles) become 32 KB at 32 B/cycle on the link
    assert after.makespan_cycles < before.makespan_cycles - 30_000
    parts = after.energy_by_component_pj
    assert parts["shared_buffer"] > 0 and parts["link"] > 0 and parts["dram"] == 0


def test_a_buffer_too_small_for_the_handover_changes_nothing() -> None:
    schedule = handover()
    assert with_shared_buffer(schedule, two_core(shared_kb=8)) == schedule
    assert with_shared_buffer(schedule, two_core(shared_kb=0)) is schedule


def crossed(nbytes: int) -> SystemSchedule:
    """Two hand-overs live at once: ``x`` core 0 -> core 1 and ``y`` core 1 -> core 0, produced side by side."""
    tasks = (
        Task("a0", 0, (TaskOp("c0"),), writes=(Transfer("x", nbytes, Channel.DRAM_WRITE),)),
        Task("a1", 1, (TaskOp("c0"),), writes=(Transfer("y", nbytes, Channel.DRAM_WRITE),)),
        Task("b0", 1, (TaskOp("c1"),), reads=(Transfer("x", nbytes, Channel.DRAM_READ),), deps=("a0",)),
        Task("b1", 0, (TaskOp("c1"),), reads=(Transfer("y", nbytes, Channel.DRAM_READ),), deps=("a1",)),
    )
    return SystemSchedule(tasks, (("a0", "b1"), ("a1", "b0")))


def relay(nbytes: int) -> SystemSchedule:
    """``x`` core 0 -> core 1, whose task reads it and then writes ``y`` for core 0: never live together."""
    tasks = (
        Task("a", 0, (TaskOp("c0"),), writes=(Transfer("x", nbytes, Channel.DRAM_WRITE),)),
        Task(
            "b",
            1,
            (TaskOp("c1"),),
            reads=(Transfer("x", nbytes, Channel.DRAM_READ),),
            writes=(Transfer("y", nbytes, Channel.DRAM_WRITE),),
            deps=("a",),
        ),
        Task("c", 0, (TaskOp("c0"),), reads=(Transfer("y", nbytes, Channel.DRAM_READ),), deps=("b",)),
    )
    return SystemSchedule(tasks, (("a", "c"), ("b",)))


def test_two_live_tensors_that_do_not_both_fit_get_one_place() -> None:
    assert len(shared_placement(crossed(40 * KB), 64 * KB)) == 1
    assert shared_placement(crossed(40 * KB), 80 * KB) == {"x", "y"}
    assert shared_placement(relay(40 * KB), 40 * KB) == {"x", "y"}  # one after the other: the space is reused
    workload, system = chain(), two_core(shared_kb=64)
    schedule = with_shared_buffer(crossed(40 * KB), system)
    assert not checked(workload, system, schedule)
    relayed = with_shared_buffer(relay(40 * KB), two_core(shared_kb=40))
    assert not checked(workload, two_core(shared_kb=40), relayed)


def test_the_referee_catches_an_overfull_buffer() -> None:
    shared = {Channel.DRAM_WRITE: Channel.SHARED_WRITE, Channel.DRAM_READ: Channel.SHARED_READ}
    tasks = tuple(
        dataclasses.replace(
            t,
            reads=tuple(dataclasses.replace(r, channel=shared[r.channel]) for r in t.reads),
            writes=tuple(dataclasses.replace(w, channel=shared[w.channel]) for w in t.writes),
        )
        for t in crossed(40 * KB).tasks
    )
    overfull = dataclasses.replace(crossed(40 * KB), tasks=tasks)
    system = two_core(shared_kb=64)
    bad = check_shared_buffer(system, run_schedule(chain(), system, overfull))
    assert len(bad) == 1 and "capacity 65536 B" in bad[0]
    assert not check_shared_buffer(two_core(shared_kb=80), run_schedule(chain(), two_core(shared_kb=80), overfull))


@settings(max_examples=40, deadline=None)
@given(
    graph=st.lists(
        st.tuples(st.integers(0, 2), st.integers(1, 40), st.lists(st.integers(0, 50), max_size=3)),
        min_size=2,
        max_size=9,
    ),
    capacity_kb=st.integers(1, 100),
    dram=st.sampled_from([1.0, 8.0]),
)
def test_placement_never_overfills_the_buffer_whatever_the_timing(
    graph: list[tuple[int, int, list[int]]], capacity_kb: int, dram: float
) -> None:
    core = SystolicConfig(name="sa", rows=8, cols=8, dataflow="ws")
    system = SystemConfig(cores=(core,) * 3, dram_bytes_per_cycle=dram, shared_buffer_kb=capacity_kb)
    tasks = []
    for k, (c, kb, inputs) in enumerate(graph):
        sources = sorted({i % k for i in inputs}) if k else []
        reads = tuple(Transfer(f"t{i}", graph[i][1] * KB, Channel.DRAM_READ) for i in sources)
        write = (Transfer(f"t{k}", kb * KB, Channel.DRAM_WRITE),)
        tasks.append(Task(f"n{k}", c, (TaskOp(f"c{k % 2}"),), reads, write, tuple(f"n{i}" for i in sources)))
    order = tuple(tuple(t.name for t in tasks if t.core == c) for c in range(3))
    plain = SystemSchedule(tuple(tasks), order)
    schedule = with_shared_buffer(plain, system)
    workload = chain()
    assert not checked(workload, system, schedule)
    assert evaluate(workload, system, schedule).dram_bytes <= evaluate(workload, system, plain).dram_bytes


def test_mobilenet_v2_on_the_hetero_preset_moves_handovers_to_the_buffer() -> None:
    workload, base = load_workload("mobilenet_v2"), load_arch("system-hetero")
    runs = {}
    for kb in (0, 1, 512):
        system = dataclasses.replace(base, shared_buffer_kb=float(kb))
        runs[kb] = evaluate_checked(workload, system, plan_system(workload, system))
    none, tiny, big = runs[0], runs[1], runs[512]
    # 1 KB holds no hand-over: the numbers of no buffer, apart from its area
    assert (tiny.makespan_cycles, tiny.dram_bytes, tiny.energy_pj) == (
        none.makespan_cycles,
        none.dram_bytes,
        none.energy_pj,
    )
    assert tiny.area_mm2 > none.area_mm2
    moved = big.total()["shared_buffer_bytes"]
    assert moved["write"] > 0 and moved["read"] >= moved["write"]
    assert big.dram_bytes == none.dram_bytes - moved["write"] - moved["read"]
    assert big.makespan_cycles < none.makespan_cycles and big.energy_pj < none.energy_pj
