"""Baseline schedulers: no reuse, and greedy reuse with LRU or Belady eviction.

The greedy schedulers keep every tensor on chip until space runs out, place new
tensors first-fit, and evict by policy: least recently used (LRU) or furthest
next use (Belady). When fragmentation leaves no contiguous gap even after every
evictable tensor is gone, the op's own resident inputs are evicted as well and
all its operands are reloaded packed from offset 0 (they fit: the op is not
streamed, so its working set is at most the scratchpad).
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from enum import StrEnum

from mappers.allocator import first_fit, pack
from mappers.problem import MappingProblem
from mappers.schedule import Plan


class Eviction(StrEnum):
    """Which resident tensor a greedy scheduler evicts first."""

    LRU = "lru"
    BELADY = "belady"


def no_reuse(problem: MappingProblem, order: Sequence[int]) -> Plan:
    """Every op loads its inputs from DRAM and writes its outputs back; nothing stays between ops."""
    plan = Plan(order=list(order), resident=[], loads=[], windows=[])
    for op_index in order:
        op = problem.ops[op_index]
        if op.streamed:
            plan.resident.append({})
            plan.loads.append([])
            plan.windows.append(0)
            continue
        plan.resident.append(pack([*op.inputs, *op.outputs], problem.tensor_bytes))
        plan.loads.append(list(op.inputs))
        plan.windows.append(None)
    return plan


def residency_uses(problem: MappingProblem, order: Sequence[int]) -> dict[str, list[int]]:
    """Tensor -> sorted positions in ``order`` where an op run from the scratchpad reads or writes it."""
    uses: dict[str, list[int]] = {}
    for position, op_index in enumerate(order):
        op = problem.ops[op_index]
        if op.streamed:
            continue
        for t in (*op.inputs, *op.outputs):
            uses.setdefault(t, []).append(position)
    return uses


def next_use(uses: dict[str, list[int]], tensor: str, position: int) -> int | None:
    """First use of ``tensor`` at or after ``position`` (None when it is dead)."""
    positions = uses.get(tensor, [])
    k = bisect.bisect_left(positions, position)
    return positions[k] if k < len(positions) else None


class _Greedy:
    """State of one greedy run: what is resident where, and when each tensor was last used."""

    def __init__(self, problem: MappingProblem, order: Sequence[int], policy: Eviction) -> None:
        self.problem = problem
        self.policy = policy
        self.uses = residency_uses(problem, order)
        self.sizes = problem.tensor_bytes
        self.capacity = problem.scratchpad_bytes
        self.resident: dict[str, int] = {}
        self.last_used: dict[str, int] = {}

    def _victim(self, position: int, pinned: set[str]) -> str | None:
        candidates = [t for t in self.resident if t not in pinned]
        if not candidates:
            return None
        if self.policy is Eviction.LRU:
            return min(candidates, key=lambda t: (self.last_used.get(t, -1), -self.sizes[t], t))
        far = len(self.problem.ops) + 1
        return max(candidates, key=lambda t: (next_use(self.uses, t, position + 1) or far, self.sizes[t], t))

    def _place(self, nbytes: int, position: int, pinned: set[str]) -> int | None:
        while True:
            offset = first_fit(self.resident, self.sizes, nbytes, self.capacity)
            if offset is not None:
                return offset
            victim = self._victim(position, pinned)
            if victim is None:
                return None
            del self.resident[victim]

    def step(self, position: int, op_index: int) -> tuple[dict[str, int], list[str], int | None]:
        """Run one op: returns the resident snapshot, the loads and the window offset."""
        op = self.problem.ops[op_index]
        for t in [t for t in self.resident if next_use(self.uses, t, position) is None]:
            del self.resident[t]
        if op.streamed:
            window = self._place(op.window_bytes, position, set())
            if window is None:  # only resident tensors can block, and none is pinned
                raise AssertionError("streaming window does not fit an empty scratchpad")
            return dict(self.resident), [], window
        pinned = {*op.inputs, *op.outputs}
        loads = [t for t in op.inputs if t not in self.resident]
        incoming = sorted([*loads, *op.outputs], key=lambda t: (-self.sizes[t], t))
        for t in incoming:
            offset = self._place(self.sizes[t], position, pinned)
            if offset is None:
                self.resident = pack([*op.inputs, *op.outputs], self.sizes)
                loads = list(op.inputs)
                break
            self.resident[t] = offset
        for t in pinned:
            self.last_used[t] = position
        return dict(self.resident), loads, None


def greedy(
    problem: MappingProblem,
    order: Sequence[int],
    policy: Eviction,
    start: int = 0,
    stop: int | None = None,
    initial: dict[str, int] | None = None,
) -> Plan:
    """Greedy reuse over ``order[start:stop]``, starting from ``initial`` residency (tensor -> offset).

    Next uses look at the whole ``order``, so a chunk of a longer schedule keeps
    what later chunks need.
    """
    stop = len(order) if stop is None else stop
    state = _Greedy(problem, order, policy)
    state.resident = dict(initial or {})
    plan = Plan(order=list(order[start:stop]), resident=[], loads=[], windows=[])
    for position in range(start, stop):
        resident, loads, window = state.step(position, order[position])
        plan.resident.append(resident)
        plan.loads.append(loads)
        plan.windows.append(window)
    return plan
