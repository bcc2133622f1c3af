"""The ILP against an exhaustive search on tiny graphs, and against the baselines on larger ones."""

from __future__ import annotations

import heapq
import math
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mappers.exact import exact_search
from mappers.mapper import map_workload, objective_offset
from mappers.problem import MappingProblem
from mappers.result import Status
from mappers.schedule import finalize
from mappers.synthetic import nas_cell_network
from workloads.builder import GraphBuilder
from workloads.graph import Workload


def _placements(sizes: list[int], busy: list[tuple[int, int]], capacity: int, grain: int) -> Iterator[list[int]]:
    """Every way to put blocks of ``sizes`` at multiples of ``grain`` clear of ``busy`` and of each other."""
    if not sizes:
        yield []
        return
    first, rest = sizes[0], sizes[1:]
    for offset in range(0, capacity - first + 1, grain):
        if all(offset + first <= s or e <= offset for s, e in busy):
            for tail in _placements(rest, [*busy, (offset, offset + first)], capacity, grain):
                yield [offset, *tail]


def _fits(sizes: list[int], busy: list[tuple[int, int]], capacity: int) -> Iterator[list[int]]:
    """Capacity only (no addresses): one placeholder placement when the blocks fit beside ``busy`` in total."""
    if sum(sizes) + sum(end - start for start, end in busy) <= capacity:
        yield [0] * len(sizes)


def brute_force(workload: Workload, capacity: int, placement: bool = True) -> int:
    """Fewest non-compulsory bytes over every order, residency, spill and placement (uniform-cost search).

    Written independently of the mapper: evicting a produced tensor that is
    still needed and not yet in DRAM pays its store; loads pay their bytes; the
    first load of a graph input is compulsory. Evictions may happen at any step.
    With ``placement=False`` only the total bytes on chip are limited (the
    capacity model that :mod:`mappers.exact` solves).
    """
    problem = MappingProblem(workload, capacity)
    assert not any(op.streamed for op in problem.ops), "the exhaustive search does not model streaming"
    sizes = problem.tensor_bytes
    grain = math.gcd(capacity, *(sizes[t] for t in problem.activations))
    ops = problem.ops
    n = len(ops)
    start = (0, (), frozenset(problem.graph_inputs))
    frontier = [(0, start)]
    best: dict[tuple, int] = {start: 0}
    while frontier:
        cost, state = heapq.heappop(frontier)
        done, resident, stored = state
        if cost > best[state]:
            continue
        if done == (1 << n) - 1:
            return cost - sum(sizes[t] for t in problem.graph_inputs)
        here = dict(resident)
        for o in range(n):
            if done >> o & 1 or any(not (done >> p & 1) for p in problem.predecessors[o]):
                continue
            after = done | (1 << o)
            future = {t for k in range(n) if not after >> k & 1 for t in ops[k].inputs}
            for keep_bits in range(1 << len(resident)):
                kept = {t: off for j, (t, off) in enumerate(resident) if keep_bits >> j & 1}
                evicted = [t for t in here if t not in kept]
                needed = future | set(ops[o].inputs)
                spill = [t for t in evicted if t in problem.producer and t not in stored and t in needed]
                now_stored = stored | set(spill)
                loads = [t for t in ops[o].inputs if t not in kept]
                if any(t not in now_stored for t in loads):
                    continue
                new = loads + list(ops[o].outputs)
                step_cost = sum(sizes[t] for t in (*spill, *loads))
                busy = [(off, off + sizes[t]) for t, off in kept.items()]
                blocks = [sizes[t] for t in new]
                fits = _placements(blocks, busy, capacity, grain) if placement else _fits(blocks, busy, capacity)
                for offsets in fits:
                    nxt_resident = tuple(sorted({**kept, **dict(zip(new, offsets, strict=True))}.items()))
                    outputs = {t for t in ops[o].outputs if t in problem.graph_outputs}
                    nxt = (after, nxt_resident, now_stored | outputs)
                    total = cost + step_cost
                    if total < best.get(nxt, math.inf):
                        best[nxt] = total
                        heapq.heappush(frontier, (total, nxt))
    raise AssertionError("no schedule found")


def _branchy(widths: tuple[int, int, int]) -> Workload:
    """in -> a -> (b, c) -> concat -> d: two orders, tensors of different sizes."""
    b = GraphBuilder("branchy")
    x = b.input((1, 1, 4, 4))
    a = b.conv(x, widths[0], 1, name="a")
    left = b.conv(a, widths[1], 1, name="b")
    right = b.conv(a, widths[2], 1, name="c")
    cat = b.concat([left, right], name="cat")
    b.conv(cat, 1, 1, name="d")
    return b.build()


def _skip_chain() -> Workload:
    """A chain with a long skip edge: keeping the skip tensor competes with the chain."""
    b = GraphBuilder("skip")
    x = b.conv(b.input((1, 1, 4, 4)), 2, 1, name="a")
    y = b.conv(x, 3, 1, name="b")
    y = b.conv(y, 2, 1, name="c")
    b.add(x, y, name="d")
    return b.build()


@pytest.mark.parametrize(
    ("workload", "capacity"),
    [
        (_branchy((2, 1, 3)), 128),
        (_branchy((2, 1, 3)), 160),
        (_branchy((1, 2, 2)), 128),
        (_skip_chain(), 96),
        (_skip_chain(), 112),
    ],
)
def test_ilp_matches_exhaustive_search(workload: Workload, capacity: int) -> None:
    result = map_workload(workload, capacity, time_limit=10)
    assert result.status is Status.OPTIMAL
    assert result.noncompulsory_bytes == brute_force(workload, capacity)


def test_exhaustive_search_sees_spills() -> None:
    """Guards the comparison above: at these sizes reuse is partial, so the optimum is neither 0 nor no-reuse."""
    workload, capacity = _skip_chain(), 96
    result = map_workload(workload, capacity, time_limit=10)
    optimum = brute_force(workload, capacity)
    assert 0 < optimum < result.baselines["no_reuse"].noncompulsory_bytes


@pytest.mark.parametrize("fraction", [0.3, 0.6])
def test_ilp_never_worse_than_baselines_on_cells(fraction: float) -> None:
    workload = nas_cell_network(cells=2, channels=4, size=8)
    peak = MappingProblem(workload, 1 << 40).peak_working_set
    result = map_workload(workload, int(peak * fraction), time_limit=4)
    assert result.status in (Status.OPTIMAL, Status.FEASIBLE, Status.HEURISTIC)
    for name, baseline in result.baselines.items():
        assert result.noncompulsory_bytes <= baseline.noncompulsory_bytes, name


def test_divide_and_conquer_is_checked_and_bounded() -> None:
    workload = nas_cell_network(cells=3, channels=4, size=8)
    peak = MappingProblem(workload, 1 << 40).peak_working_set
    result = map_workload(workload, peak // 2, time_limit=10, max_binaries=50, chunk_ops=12)
    assert result.status in (Status.DIVIDE_AND_CONQUER, Status.HEURISTIC)
    assert result.solver["chunks"] >= 3
    assert 0 <= result.solver["lower_bound_noncompulsory"] <= result.noncompulsory_bytes
    assert result.noncompulsory_bytes <= min(b.noncompulsory_bytes for b in result.baselines.values())


@st.composite
def small_dags(draw: st.DrawFn, most: int = 6) -> Workload:
    """3 to ``most`` ops on 2x2 maps: 1x1 convs of random width and concats of earlier tensors (branches, joins)."""
    b = GraphBuilder("random")
    tensors = [b.input((1, draw(st.integers(1, 3)), 2, 2))]
    for k in range(draw(st.integers(3, most))):
        kind = draw(st.sampled_from(["conv", "conv", "concat"])) if len(tensors) >= 2 else "conv"
        if kind == "concat":
            i, j = draw(st.lists(st.integers(0, len(tensors) - 1), min_size=2, max_size=2, unique=True))
            tensors.append(b.concat([tensors[i], tensors[j]], name=f"cat{k}"))
        else:
            src = tensors[draw(st.integers(0, len(tensors) - 1))]
            tensors.append(b.conv(src, draw(st.integers(1, 3)), 1, name=f"conv{k}"))
    return b.build()


@settings(max_examples=40, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(workload=small_dags(), slack=st.floats(0.0, 1.0))
def test_exact_search_equals_the_capacity_optimum(workload: Workload, slack: float) -> None:
    """Canonical residency and the dominance rules lose nothing: same optimum as an unrestricted search."""
    loose = MappingProblem(workload, 1 << 30)
    need = max(op.working_bytes for op in loose.ops)
    capacity = need + int(slack * (loose.peak_working_set - need))
    problem = MappingProblem(workload, capacity)
    outcome = exact_search(problem, None, time_limit=30)
    assert outcome.proven and outcome.plan is not None
    optimum = brute_force(workload, capacity, placement=False)
    assert outcome.objective + objective_offset(problem) == optimum
    assert finalize(problem, outcome.plan).noncompulsory_bytes == optimum


@settings(max_examples=8, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(workload=small_dags(most=4), slack=st.floats(0.0, 1.0))
def test_proven_results_match_the_full_exhaustive_search(workload: Workload, slack: float) -> None:
    """An `optimal` result (exact search, then placement) is the optimum with addresses; none beats the optimum."""
    loose = MappingProblem(workload, 1 << 30)
    need = max(op.working_bytes for op in loose.ops)
    capacity = need + int(slack * (loose.peak_working_set - need))
    result = map_workload(workload, capacity, time_limit=10)
    optimum = brute_force(workload, capacity)
    assert result.noncompulsory_bytes >= optimum
    if result.status is Status.OPTIMAL:
        assert result.noncompulsory_bytes == optimum


@pytest.mark.parametrize("fraction", [0.2, 0.3])
def test_exact_search_agrees_with_the_full_window_ilp(fraction: float) -> None:
    """Small DARTS network (streamed ops included): the ILP over every order never beats the exact optimum.

    Its bound stays below it, and when the ILP proves optimality too, both give the same bytes.
    """
    workload = nas_cell_network(cells=2, channels=4, size=8)
    peak = MappingProblem(workload, 1 << 40).peak_working_set
    exact = map_workload(workload, int(peak * fraction), time_limit=120)  # about 30k states: 1 s unloaded
    ilp = map_workload(workload, int(peak * fraction), time_limit=6, exact_ops=0, max_binaries=100_000)
    assert exact.status is Status.OPTIMAL and exact.solver["exact_search"]["proven"]
    assert "exact_search" not in ilp.solver and ilp.solver["order_radius"] == "any"
    assert ilp.solver["lower_bound_noncompulsory"] <= exact.noncompulsory_bytes <= ilp.noncompulsory_bytes
    if ilp.status is Status.OPTIMAL:
        assert exact.noncompulsory_bytes == ilp.noncompulsory_bytes


def test_exact_search_bound_when_time_runs_out() -> None:
    """Stopped early, the search reports a lower bound no greater than the optimum, and no proof."""
    workload = nas_cell_network(cells=2, channels=4, size=8)
    problem = MappingProblem(workload, MappingProblem(workload, 1 << 40).peak_working_set // 3)
    stopped = exact_search(problem, None, time_limit=0.0)
    finished = exact_search(problem, None, time_limit=60)
    assert not stopped.proven and stopped.plan is None
    assert finished.proven and finished.objective is not None
    assert 0 <= stopped.bound <= finished.objective
    assert stopped.states < finished.states
