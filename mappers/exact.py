"""Exact search of the capacity model over every operator order: A* over (done ops, resident set, stored set).

The capacity model is phase 1 of :mod:`mappers.twophase` (residency under the
scratchpad size, no offsets) over *every* topological order. Its optimum
bounds the full problem from below, so a placeable optimum is optimal for the
full problem. The search is exact because it only drops schedules that are
provably no better than one it keeps (docs/mapper.md, "Exact search"):

- **Canonical residency.** A tensor is loaded only at a step that uses it and
  evicted only right after a step that uses (or produces) it: moving a load
  later or an eviction earlier never raises the cost and only frees space.
  So a state is the set of done ops, the tensors kept on chip until their next
  use, and which of those already have a DRAM copy.
- **Streamed ops run as soon as their window fits.** A streamed op reads and
  writes DRAM only; running it earlier changes no traffic and only makes its
  outputs available sooner.
- **An op whose inputs are resident and which frees an input at least as large
  as its output runs now** (the cost condition is in :meth:`_Search._free_op`):
  any schedule that runs it later can hold its output wherever it held that
  input, for no more traffic.

The heuristic (every residency-live tensor not on chip needs a load) is
admissible, so the first goal popped is optimal and the smallest open
``g + h`` is a lower bound when time runs out.
"""

from __future__ import annotations

import heapq
import time
from dataclasses import dataclass

from mappers.problem import MappingProblem
from mappers.schedule import Plan

_State = tuple[int, int, int]
"""(done ops, resident tensors, tensors with a DRAM copy), as bit masks."""


@dataclass(frozen=True)
class ExactOutcome:
    """What the exact search returned."""

    plan: Plan | None
    """An optimal plan of the capacity model (offsets are placeholders), or None if time ran out."""
    proven: bool
    objective: int | None
    """Loads plus optional stores of ``plan`` (the ILP objective's units)."""
    bound: int
    """A lower bound on that objective over every order (the optimum when proven)."""
    states: int
    """States expanded."""
    seconds: float


class _Search:
    """Bit-mask tables of one problem and the A* loop over them."""

    def __init__(self, problem: MappingProblem) -> None:
        self.problem = problem
        acts = list(problem.activations)
        self.acts = acts
        self.index = index = {t: k for k, t in enumerate(acts)}
        self.nbytes = [problem.tensor_bytes[t] for t in acts]
        self.n = len(problem.ops)
        self.full = (1 << self.n) - 1
        self.pred = [sum(1 << q for q in problem.predecessors[i]) for i in range(self.n)]
        self.ins = [sum(1 << index[t] for t in op.inputs) for op in problem.ops]
        self.outs = [sum(1 << index[t] for t in op.outputs) for op in problem.ops]
        self.readers = [0] * len(acts)
        """Per tensor, the non-streamed ops that read it (they need it on chip)."""
        forced = 0
        for i, op in enumerate(problem.ops):
            if op.streamed:
                forced |= self.ins[i] | self.outs[i]
            else:
                for t in op.inputs:
                    self.readers[index[t]] |= 1 << i
        for t in (*problem.graph_outputs, *problem.graph_inputs):
            forced |= 1 << index[t]
        self.forced = forced
        """Tensors in DRAM whatever the schedule: graph inputs, graph outputs, streamed ops' operands."""
        self.maker = [problem.producer.get(t, -1) for t in acts]
        self._bytes: dict[int, int] = {}
        self._live: dict[int, int] = {}
        self._ready: dict[int, list[int]] = {}

    # -- cached set functions ------------------------------------------------
    def bytes_of(self, mask: int) -> int:
        """Total bytes of the tensors in ``mask``."""
        found = self._bytes.get(mask)
        if found is None:
            found, rest = 0, mask
            while rest:
                low = rest & -rest
                found += self.nbytes[low.bit_length() - 1]
                rest ^= low
            self._bytes[mask] = found
        return found

    def members(self, mask: int) -> list[int]:
        """Tensor indices in ``mask``."""
        found = []
        while mask:
            low = mask & -mask
            found.append(low.bit_length() - 1)
            mask ^= low
        return found

    def live(self, done: int) -> int:
        """Tensors that exist and that some op not yet done must read on chip."""
        found = self._live.get(done)
        if found is None:
            found = 0
            for k, readers in enumerate(self.readers):
                made = self.maker[k]
                if readers & ~done and (made < 0 or done >> made & 1):
                    found |= 1 << k
            self._live[done] = found
        return found

    def ready(self, done: int) -> list[int]:
        """Ops not done whose predecessors are all done."""
        found = self._ready.get(done)
        if found is None:
            found = [o for o in range(self.n) if not done >> o & 1 and self.pred[o] & done == self.pred[o]]
            self._ready[done] = found
        return found

    # -- dominance -------------------------------------------------------------
    def _forced_op(self, done: int, resident: int, stored: int, ready: list[int]) -> int | None:
        """A ready op that some optimal continuation runs first (see the module docstring), or None."""
        cap = self.problem.scratchpad_bytes
        held = self.bytes_of(resident)
        for o in ready:
            op = self.problem.ops[o]
            if op.streamed:
                if held + op.window_bytes <= cap:
                    return o
            elif self._free_op(o, done, resident, stored):
                return o
        return None

    def _free_op(self, o: int, done: int, resident: int, stored: int) -> bool:
        """Op ``o`` has every input resident, fits, and its last use frees an input ``τ`` worth more than its output.

        A schedule running ``o`` later holds its output where it held ``τ``
        (no more bytes: ``out <= τ``) and spills it where it spilled ``τ``:
        each spill of ``τ`` cost a load of ``τ`` (plus its store if it had no
        DRAM copy); the output's costs a load (plus a store unless it is forced
        to DRAM anyway). So the move never costs more when also
        ``out * (1 + out unstored) <= τ * (1 + τ unstored)``.
        """
        ins, outs = self.ins[o], self.outs[o]
        if ins & resident != ins or self.bytes_of(resident | outs) > self.problem.scratchpad_bytes:
            return False
        after = done | (1 << o)
        out_bytes = self.bytes_of(outs)
        out_factor = 1 if outs & self.forced == outs else 2
        rest = ins
        while rest:
            low = rest & -rest
            rest ^= low
            k = low.bit_length() - 1
            if self.readers[k] & ~after:
                continue
            in_factor = 1 if (stored | self.forced) >> k & 1 else 2
            if out_bytes <= self.nbytes[k] and out_bytes * out_factor <= self.nbytes[k] * in_factor:
                return True
        return False

    # -- transitions -----------------------------------------------------------
    def successors(self, state: _State) -> list[tuple[int, _State, int]]:
        """(op, next state, step cost) for every canonical step from ``state``."""
        done, resident, stored = state
        ready = self.ready(done)
        forced = self._forced_op(done, resident, stored, ready)
        cap = self.problem.scratchpad_bytes
        found: list[tuple[int, _State, int]] = []
        for o in ready if forced is None else [forced]:
            op = self.problem.ops[o]
            after = done | (1 << o)
            if op.streamed:
                if self.bytes_of(resident) + op.window_bytes <= cap:
                    found.append((o, (after, resident, stored), 0))
                continue
            need = self.ins[o] | self.outs[o]
            if self.bytes_of(resident | need) > cap:
                continue
            load_cost = self.bytes_of(self.ins[o] & ~resident)
            base = resident & ~need
            choices = [k for k in self.members(need) if self.readers[k] & ~after]
            for bits in range(1 << len(choices)):
                kept, now_stored, cost = base, stored | (self.ins[o] & ~resident), load_cost
                for j, k in enumerate(choices):
                    if bits >> j & 1:
                        kept |= 1 << k
                    elif not (now_stored | self.forced) >> k & 1:
                        now_stored |= 1 << k
                        cost += self.nbytes[k]
                found.append((o, (after, kept, now_stored & kept & ~self.forced), cost))
        return found

    def heuristic(self, state: _State) -> int:
        """Bytes of residency-live tensors not on chip: each needs at least one more load."""
        done, resident, _ = state
        return self.bytes_of(self.live(done) & ~resident)

    def run(self, upper: int | None, time_limit: float) -> ExactOutcome:
        """A* from nothing done to every op done; prunes ``g + h > upper``."""
        started = time.perf_counter()
        start: _State = (0, 0, 0)
        best: dict[_State, int] = {start: 0}
        parent: dict[_State, tuple[_State, int]] = {}
        heap: list[tuple[int, int, _State]] = [(self.heuristic(start), 0, start)]
        # Ties on f go to the deepest state (largest g first), so a goal surfaces early.
        expanded = 0
        limit = float("inf") if upper is None else upper
        while heap:
            f, neg_g, state = heapq.heappop(heap)
            g = -neg_g
            if best.get(state) != g:
                continue
            if state[0] == self.full:
                plan = self._plan(state, parent)
                return ExactOutcome(plan, True, g, g, expanded, time.perf_counter() - started)
            expanded += 1
            if expanded % 2048 == 0 and time.perf_counter() - started > time_limit:
                return ExactOutcome(None, False, None, f, expanded, time.perf_counter() - started)
            for op, nxt, cost in self.successors(state):
                g2 = g + cost
                if g2 >= best.get(nxt, limit + 1):
                    continue
                f2 = g2 + self.heuristic(nxt)
                if f2 >= limit:
                    continue
                best[nxt] = g2
                parent[nxt] = (state, op)
                heapq.heappush(heap, (f2, -g2, nxt))
        # Nothing beats ``upper``: the schedule it came from is optimal.
        return ExactOutcome(None, True, None, upper or 0, expanded, time.perf_counter() - started)

    def _plan(self, goal: _State, parent: dict[_State, tuple[_State, int]]) -> Plan:
        """The steps leading to ``goal``: order, tensors on chip at each step (offsets 0) and loads."""
        path: list[tuple[_State, int]] = []
        state = goal
        while state in parent:
            before, op = parent[state]
            path.append((before, op))
            state = before
        path.reverse()
        plan = Plan(order=[], resident=[], loads=[], windows=[])
        for (_, resident, _), op in path:
            info = self.problem.ops[op]
            here = resident if info.streamed else resident | self.ins[op] | self.outs[op]
            plan.order.append(op)
            plan.resident.append({t: 0 for k, t in enumerate(self.acts) if here >> k & 1})
            plan.loads.append(
                [] if info.streamed else [t for t in info.inputs if not resident >> self.acts.index(t) & 1]
            )
            plan.windows.append(0 if info.streamed else None)
        return plan


def exact_search(problem: MappingProblem, upper: int | None, time_limit: float) -> ExactOutcome:
    """Optimal residency and order of the capacity model, or a lower bound when ``time_limit`` runs out.

    ``upper`` is the objective (loads plus optional stores) of a known schedule;
    states that cannot beat it are pruned.
    """
    return _Search(problem).run(upper, time_limit)
