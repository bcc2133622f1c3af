"""Baselines: their traffic follows their definition, and every one passes the checker."""

from __future__ import annotations

from mappers.checker import check
from mappers.heuristics import Eviction, greedy, no_reuse
from mappers.mapper import baselines
from mappers.orders import candidate_orders, position_windows
from mappers.problem import MappingProblem
from mappers.result import MappingResult, Status
from mappers.schedule import Schedule, finalize
from workloads.builder import GraphBuilder
from workloads.graph import Workload


def _checked(problem: MappingProblem, schedule: Schedule) -> None:
    payload = MappingResult(problem, Status.HEURISTIC, schedule, {}, 0).to_payload()
    check(problem.workload, problem.scratchpad_bytes, payload)


def test_no_reuse_moves_every_operand(residual: Workload) -> None:
    problem = MappingProblem(residual, 1 << 20)
    schedule = finalize(problem, no_reuse(problem, list(range(len(problem)))))
    moved = sum(problem.tensor_bytes[t] for op in problem.ops for t in (*op.inputs, *op.outputs))
    assert schedule.traffic.read_bytes + schedule.traffic.write_bytes == moved
    _checked(problem, schedule)


def test_greedy_with_room_for_everything_is_compulsory_only(residual: Workload) -> None:
    problem = MappingProblem(residual, 1 << 20)
    for policy in Eviction:
        schedule = finalize(problem, greedy(problem, list(range(len(problem))), policy))
        assert schedule.noncompulsory_bytes == 0
        _checked(problem, schedule)


def test_belady_keeps_the_skip_tensor_lru_drops() -> None:
    """A skip edge read after two other tensors: LRU evicts it, Belady evicts what is dead sooner."""
    b = GraphBuilder("skip")
    x = b.conv(b.input((1, 1, 4, 4)), 2, 1, name="a")
    y = b.conv(x, 2, 1, name="b")
    y = b.conv(y, 2, 1, name="c")
    y = b.conv(y, 2, 1, name="d")
    b.add(x, y, name="e")
    problem = MappingProblem(b.build(), 96)
    order = list(range(len(problem)))
    lru = finalize(problem, greedy(problem, order, Eviction.LRU))
    belady = finalize(problem, greedy(problem, order, Eviction.BELADY))
    assert belady.noncompulsory_bytes <= lru.noncompulsory_bytes
    _checked(problem, lru)
    _checked(problem, belady)


def test_tight_scratchpad_with_a_large_output_gives_valid_plans() -> None:
    """A large output next to small live tensors and a streamed concat: both policies stay valid."""
    b = GraphBuilder("frag")
    x = b.input((1, 1, 4, 4))
    small = b.conv(x, 1, 1, name="s1")
    other = b.conv(x, 1, 1, name="s2")
    big = b.conv(small, 5, 1, name="big")
    b.concat([big, other], name="cat")
    problem = MappingProblem(b.build(), 112)
    for policy in Eviction:
        _checked(problem, finalize(problem, greedy(problem, list(range(len(problem))), policy)))


def test_all_baselines_pass_the_checker(residual: Workload) -> None:
    problem = MappingProblem(residual, 1100)
    found = baselines(problem)
    assert set(found) == {"no_reuse", "lru", "belady", "belady_order_search"}
    for schedule in found.values():
        _checked(problem, schedule)


def test_candidate_orders_are_topological(residual: Workload) -> None:
    problem = MappingProblem(residual, 1 << 20)
    for order in candidate_orders(problem).values():
        assert problem.is_topological(order)


def test_position_windows_bound_asap_alap() -> None:
    b = GraphBuilder("fork")
    x = b.conv(b.input((1, 1, 4, 4)), 1, 1, name="a")
    left = b.conv(x, 1, 1, name="b")
    right = b.conv(x, 1, 1, name="c")
    b.add(left, right, name="d")
    problem = MappingProblem(b.build(), 1 << 20)
    windows = position_windows(problem, [0, 1, 2, 3], None)
    assert windows == {0: (0, 0), 1: (1, 2), 2: (1, 2), 3: (3, 3)}
    assert position_windows(problem, [0, 1, 2, 3], 0)[1] == (1, 1)
