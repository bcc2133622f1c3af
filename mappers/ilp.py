"""The ILP: order, residency, spills/reloads and byte offsets of one segment of a schedule.

The only module of archsim that imports PuLP. The formulation (docs/mapper.md
states it in full) is time-indexed over *windows*: op ``o`` may take a step in
``[lo_o, hi_o]`` (its ASAP/ALAP range, optionally narrowed around a base order),
and tensor ``τ`` may be resident only at steps between its first and last
possible use. Byte offsets are per tensor and step, kept constant while a
tensor stays resident, with big-M non-overlap only for pairs of tensors whose
windows share a step. Stores and live-out penalties are continuous: they are
integral at any optimum because residency and order are binary. Loads are too in
the model without offsets; with offsets they are binary, because a load also
frees the tensor's offset (the big-M keep constraints), and a fractional load
would let a tensor drift by a fraction of the capacity for a fraction of its bytes.
"""

from __future__ import annotations

import functools
import os
import sys
import time
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

import pulp

from mappers.orders import position_windows
from mappers.placement import Run
from mappers.problem import MappingProblem
from mappers.schedule import Plan

try:
    import highspy
except ImportError:  # pragma: no cover - highspy is in the test extra
    highspy = None

SOLVERS: tuple[str, ...] = ("highs", "cbc")
"""Solver names accepted by :func:`solve_segment`."""

DEFAULT_SOLVER = "highs" if highspy is not None else "cbc"
"""HiGHS when ``highspy`` is importable (same answers as CBC here, faster, and it reports a dual bound), else CBC."""


@dataclass(frozen=True)
class Segment:
    """A contiguous chunk of a base order to optimise, with its boundary state."""

    order: tuple[int, ...]
    """Op indices of the chunk in a feasible (base) order."""
    radius: int | None
    """How far an op may move from its base position (None: anywhere its dependences allow)."""
    initial: dict[str, int]
    """Tensors resident before the first step, with their offsets."""
    stored: frozenset[str]
    """Produced tensors already written to DRAM before the chunk."""
    live_out: frozenset[str]
    """Tensors that later chunks read from the scratchpad: ending without them costs a reload."""


@dataclass(frozen=True)
class IlpOutcome:
    """What one solve returned."""

    plan: Plan | None
    """The solution as a plan of the segment's steps (None when the solver found none)."""
    proven: bool
    """True when the solver proved the solution optimal for this model."""
    objective: float | None
    bound: float | None
    """The solver's best lower bound on the objective, when it reports one."""
    seconds: float
    variables: int
    constraints: int
    solver: str


@dataclass(frozen=True)
class _Item:
    """Something that occupies a contiguous range: a tensor, or a streamed op's window."""

    key: str
    nbytes: int
    first: int
    last: int


@functools.cache
def _swallow_highs_banner() -> None:
    """Create HiGHS once with the process's standard output pointed at the null device.

    highspy prints its banner to file descriptor 1 on a process's first ``Highs()``, whatever the
    options say, so without this ``archsim map --format json`` would write it ahead of the JSON.
    """
    sys.stdout.flush()
    saved = os.dup(1)
    try:
        with open(os.devnull, "wb") as null:
            os.dup2(null.fileno(), 1)
            highspy.Highs()
    finally:
        os.dup2(saved, 1)
        os.close(saved)


class _WarmHighs(pulp.HiGHS):  # type: ignore[misc,name-defined]
    """PuLP's HiGHS interface plus a MIP start (the variables' initial values) and the dual bound."""

    def __init__(self, warm: bool, **kwargs: Any) -> None:
        _swallow_highs_banner()
        super().__init__(**kwargs)
        self.warm = warm
        self.dual_bound: float | None = None

    def callSolver(self, lp: pulp.LpProblem) -> None:  # noqa: N802 (PuLP's name)
        if self.warm:
            solution = highspy.HighsSolution()
            solution.col_value = [float(v.varValue or 0.0) for v in lp.variables()]
            solution.value_valid = True
            lp.solverModel.setSolution(solution)
        lp.solverModel.run()
        self.dual_bound = float(lp.solverModel.getInfo().mip_dual_bound)


class _Model:
    """Builds the PuLP model of a segment and reads a plan back from a solution."""

    def __init__(self, problem: MappingProblem, segment: Segment, addresses: bool = True) -> None:
        self.problem = problem
        self.addresses = addresses
        self.segment = segment
        self.order = list(segment.order)
        self.m = len(self.order)
        self.cap = problem.scratchpad_bytes
        self.local = {op: k for k, op in enumerate(self.order)}
        self.win = position_windows(problem, self.order, segment.radius)
        self.lp = pulp.LpProblem("cosma_segment", pulp.LpMinimize)
        self.x: dict[tuple[int, int], Any] = {}
        self.r: dict[tuple[str, int], Any] = {}
        self.a: dict[tuple[str, int], Any] = {}
        self.ld: dict[tuple[str, int], Any] = {}
        self.st: dict[str, Any] = {}
        self.out: dict[str, Any] = {}
        self.z: dict[tuple[str, str, int], Any] = {}
        self.items = self._items()
        self.tid = {item.key: k for k, item in enumerate(self.items)}

    # -- structure ---------------------------------------------------------
    def _items(self) -> list[_Item]:
        problem, seg = self.problem, self.segment
        users: dict[str, list[int]] = defaultdict(list)
        items: list[_Item] = []
        for op in self.order:
            info = problem.ops[op]
            if info.streamed:
                lo, hi = self.win[op]
                items.append(_Item(f"@{op}", info.window_bytes, lo, hi))
                continue
            for t in (*info.inputs, *info.outputs):
                users[t].append(op)
        candidates = dict.fromkeys([*seg.initial, *users])
        for op in self.order:
            if problem.ops[op].streamed:
                candidates.update(dict.fromkeys(t for t in problem.ops[op].outputs if t in seg.live_out))
        for t in candidates:
            prod = problem.producer.get(t)
            if t in seg.initial:
                first = 0
            elif prod in self.local:
                first = self.win[prod][0] + (1 if problem.ops[prod].streamed else 0)
            else:
                first = min(self.win[u][0] for u in users[t])
            last = max((self.win[u][1] for u in users[t]), default=-1)
            if t in seg.live_out:
                last = self.m - 1
            if first <= last:
                items.append(_Item(t, problem.tensor_bytes[t], first, last))
        return items

    def xv(self, op: int, t: int) -> Any:
        """Op ``op`` runs at local step ``t``: a binary variable, or 0/1 when the window fixes it."""
        lo, hi = self.win[op]
        if t < lo or t > hi:
            return 0
        if lo == hi:
            return 1
        return self.x[(op, t)]

    def done_by(self, op: int, t: int) -> Any:
        """Op ``op`` has run at some step <= ``t``."""
        lo, hi = self.win[op]
        if t >= hi:
            return 1
        return pulp.lpSum(self.xv(op, s) for s in range(lo, t + 1))

    def rv(self, key: str, t: int) -> Any:
        """Residency of an item at step ``t`` (0 outside its window, the op's x for windows)."""
        if key.startswith("@"):
            return self.xv(int(key[1:]), t)
        if t == -1 and key in self.segment.initial:
            return 1
        return self.r.get((key, t), 0)

    def offset(self, key: str, t: int) -> Any:
        """Offset variable of an item at step ``t``."""
        return self.a[(key, t)]

    # -- model -------------------------------------------------------------
    def build(self) -> None:
        """Variables, named constraints and the objective."""
        problem, seg, lp, cap = self.problem, self.segment, self.lp, self.cap
        for op in self.order:
            lo, hi = self.win[op]
            if lo < hi:
                for t in range(lo, hi + 1):
                    self.x[(op, t)] = self.lp.add_variable(f"x_{op}_{t}", cat="Binary")
                lp += pulp.lpSum(self.x[(op, t)] for t in range(lo, hi + 1)) == 1, f"once_{op}"
        for t in range(self.m):
            free = [self.x[(op, t)] for op in self.order if (op, t) in self.x]
            if free:
                fixed = sum(1 for op in self.order if self.win[op] == (t, t))
                lp += pulp.lpSum(free) == 1 - fixed, f"slot_{t}"
        for c in self.order:
            for p in problem.predecessors[c]:
                if p not in self.local:
                    continue
                lo_c, hi_c = self.win[c]
                for t in range(lo_c, min(hi_c, self.win[p][1]) + 1):
                    _add(lp, self.done_by(c, t) - self.done_by(p, t - 1), f"prec_{p}_{c}_{t}")
        for item in self.items:
            k = self.tid[item.key]
            for t in range(item.first, item.last + 1):
                if self.addresses:
                    self.a[(item.key, t)] = self.lp.add_variable(f"a_{k}_{t}", 0, cap - item.nbytes)
                if not item.key.startswith("@"):
                    self.r[(item.key, t)] = self.lp.add_variable(f"r_{k}_{t}", cat="Binary")
        cost = [self._tensor_constraints(item) for item in self.items if not item.key.startswith("@")]
        self._capacity_and_overlap()
        lp += pulp.lpSum(cost), "offchip_bytes"
        for item in self.items if self.addresses else ():
            if item.key in seg.initial and item.first == 0:
                k = self.tid[item.key]
                r0, a0, init = self.r[(item.key, 0)], self.a[(item.key, 0)], seg.initial[item.key]
                l0 = self.ld[(item.key, 0)]
                lp += a0 - init <= cap * (1 - r0 + l0), f"keep_init_hi_{k}"
                lp += init - a0 <= cap * (1 - r0 + l0), f"keep_init_lo_{k}"

    def _tensor_constraints(self, item: _Item) -> Any:
        """Use, birth, load, spill, continuity and live-out constraints of one tensor; returns its cost."""
        problem, seg, lp, cap = self.problem, self.segment, self.lp, self.cap
        t_name, k, nbytes = item.key, self.tid[item.key], item.nbytes
        prod = problem.producer.get(t_name)
        prod_here = prod in self.local
        forced = prod_here and problem.ops[prod].streamed
        forced = forced or t_name in problem.graph_outputs
        forced = forced or any(problem.ops[c].streamed for c in problem.consumers.get(t_name, ()) if c in self.local)
        if prod is not None and t_name not in seg.stored and not forced:
            self.st[t_name] = self.lp.add_variable(f"st_{k}", 0, 1)
        cost = [nbytes * self.st[t_name]] if t_name in self.st else []
        for op in self.order:
            info = problem.ops[op]
            if info.streamed or (t_name not in info.inputs and t_name not in info.outputs):
                continue
            lo, hi = self.win[op]
            for t in range(lo, hi + 1):
                lp += self.r[(t_name, t)] >= self.xv(op, t), f"use_{k}_{op}_{t}"
        for t in range(item.first, item.last + 1):
            r_t = self.r[(t_name, t)]
            made = 0
            if prod_here:
                streamed_prod = problem.ops[prod].streamed
                if t <= self.win[prod][1]:
                    born = self.done_by(prod, t - 1 if streamed_prod else t)
                    _add(lp, r_t - born, f"born_{k}_{t}")
                if not streamed_prod:
                    made = self.xv(prod, t)
            load = self.lp.add_variable(f"l_{k}_{t}", 0, 1, cat="Binary" if self.addresses else "Continuous")
            self.ld[(t_name, t)] = load
            lp += load >= r_t - self.rv(t_name, t - 1) - made, f"load_{k}_{t}"
            cost.append(nbytes * load)
            if t_name in self.st:
                lp += self.st[t_name] >= load, f"spill_{k}_{t}"
            if t > item.first and self.addresses:
                r_p = self.r[(t_name, t - 1)]
                a_t, a_p = self.a[(t_name, t)], self.a[(t_name, t - 1)]
                lp += a_t - a_p <= cap * (2 - r_t - r_p + load), f"keep_hi_{k}_{t}"
                lp += a_p - a_t <= cap * (2 - r_t - r_p + load), f"keep_lo_{k}_{t}"
        if t_name in seg.live_out:
            miss = self.lp.add_variable(f"out_{k}", 0, 1)
            self.out[t_name] = miss
            lp += miss >= 1 - self.r[(t_name, self.m - 1)], f"liveout_{k}"
            if t_name in self.st:
                lp += self.st[t_name] >= miss, f"liveout_spill_{k}"
            cost.append(nbytes * miss)
        return pulp.lpSum(cost)

    def _capacity_and_overlap(self) -> None:
        lp, cap = self.lp, self.cap
        by_step: dict[int, list[_Item]] = defaultdict(list)
        for item in self.items:
            for t in range(item.first, item.last + 1):
                by_step[t].append(item)
        for t in range(self.m):
            here = by_step[t]
            lp += pulp.lpSum(i.nbytes * self.rv(i.key, t) for i in here) <= cap, f"cap_{t}"
            for u in range(len(here) if self.addresses else 0):
                for v in range(u + 1, len(here)):
                    p, q = here[u], here[v]
                    kp, kq = self.tid[p.key], self.tid[q.key]
                    z = self.lp.add_variable(f"z_{kp}_{kq}_{t}", cat="Binary")
                    self.z[(p.key, q.key, t)] = z
                    both = 2 - self.rv(p.key, t) - self.rv(q.key, t)
                    a_p, a_q = self.offset(p.key, t), self.offset(q.key, t)
                    lp += a_p + p.nbytes <= a_q + cap * (1 - z) + cap * both, f"below_{kp}_{kq}_{t}"
                    lp += a_q + q.nbytes <= a_p + cap * z + cap * both, f"above_{kp}_{kq}_{t}"

    # -- warm start --------------------------------------------------------
    def warm_start(self, plan: Plan) -> None:
        """Initial values of every variable from a plan of this segment's steps."""
        position = {op: t for t, op in enumerate(plan.order)}
        for (op, t), var in self.x.items():
            var.setInitialValue(1 if position[op] == t else 0)
        for (key, t), var in self.a.items():
            if key.startswith("@"):
                window = plan.windows[t]
                on = position[int(key[1:])] == t and window is not None
                var.setInitialValue(window if on else 0)
            else:
                var.setInitialValue(plan.resident[t].get(key, 0))
        for (key, t), var in self.r.items():
            var.setInitialValue(1 if key in plan.resident[t] else 0)
        for (key, t), var in self.ld.items():
            var.setInitialValue(1 if key in plan.loads[t] else 0)
        for key, var in self.out.items():
            var.setInitialValue(0 if key in plan.resident[-1] else 1)
        for key, var in self.st.items():
            reloaded = any(key in loads for loads in plan.loads)
            dropped = key in self.out and key not in plan.resident[-1]
            var.setInitialValue(1 if reloaded or dropped else 0)
        for (p, q, t), var in self.z.items():
            a_p, a_q = self._plan_offset(plan, p, t), self._plan_offset(plan, q, t)
            var.setInitialValue(1 if a_p is not None and a_q is not None and a_p < a_q else 0)

    @staticmethod
    def _plan_offset(plan: Plan, key: str, t: int) -> int | None:
        if key.startswith("@"):
            return plan.windows[t] if plan.order[t] == int(key[1:]) else None
        return plan.resident[t].get(key)

    # -- reading a solution --------------------------------------------------
    def extract(self) -> Plan:
        """The plan of a solved model, with integer offsets rebuilt from the relative positions."""
        order = [0] * self.m
        for op in self.order:
            lo, hi = self.win[op]
            order[max(range(lo, hi + 1), key=lambda t: _value(self.xv(op, t)))] = op
        on = {(i.key, t) for i in self.items for t in range(i.first, i.last + 1) if _value(self.rv(i.key, t)) > 0.5}
        reloaded = {kt for kt, var in self.ld.items() if kt in on and _value(var) > 0.5}
        offsets = self._integer_offsets(on, reloaded) if self.addresses else dict.fromkeys(on, 0)
        resident: list[dict[str, int]] = [{} for _ in range(self.m)]
        windows: list[int | None] = [None] * self.m
        loads: list[list[str]] = [[] for _ in range(self.m)]
        for (key, t), value in offsets.items():
            if key.startswith("@"):
                windows[t] = value
            else:
                resident[t][key] = value
        for t, op in enumerate(order):
            made = set(self.problem.ops[op].outputs)
            before = resident[t - 1] if t > 0 else self.segment.initial
            fresh = {k for k in resident[t] if k not in before or (k, t) in reloaded}
            loads[t] = sorted(fresh - made)
        return Plan(order=order, resident=resident, loads=loads, windows=windows)

    def _integer_offsets(self, on: set[tuple[str, int]], reloaded: set[tuple[str, int]]) -> dict[tuple[str, int], int]:
        """Smallest integer offsets that keep every solved below/above relation (a longest path).

        A tensor keeps one offset over each run of steps it stays resident without a reload.
        """
        run: dict[tuple[str, int], tuple[str, int]] = {}
        for key, t in sorted(on, key=lambda kt: (kt[0], kt[1])):
            continuing = (key, t - 1) in on and (key, t) not in reloaded and not key.startswith("@")
            run[(key, t)] = run[(key, t - 1)] if continuing else (key, t)
        size = {item.key: item.nbytes for item in self.items}
        above: dict[tuple[str, int], set[tuple[str, int]]] = defaultdict(set)
        indegree: dict[tuple[str, int], int] = dict.fromkeys(set(run.values()), 0)
        for (p, q, t), z in self.z.items():
            if (p, t) not in on or (q, t) not in on:
                continue
            low, high = (run[(p, t)], run[(q, t)]) if _value(z) > 0.5 else (run[(q, t)], run[(p, t)])
            if high not in above[low]:
                above[low].add(high)
                indegree[high] += 1
        fixed = {(k, 0): off for k, off in self.segment.initial.items() if (k, 0) in on and (k, 0) not in reloaded}
        start = {node: 0 for node in indegree}
        ready = sorted(node for node, d in indegree.items() if d == 0)
        value: dict[tuple[str, int], int] = {}
        while ready:
            node = ready.pop()
            value[node] = fixed.get(node, start[node])
            for high in above[node]:
                start[high] = max(start[high], value[node] + size[node[0]])
                indegree[high] -= 1
                if indegree[high] == 0:
                    ready.append(high)
        return {kt: value[run[kt]] for kt in on}


def _add(lp: pulp.LpProblem, expr: Any, name: str) -> None:
    """Add the named constraint ``expr <= 0`` unless the window logic already makes it constant."""
    if isinstance(expr, pulp.LpAffineExpression) and expr.isNumericalConstant():
        expr = expr.constant
    if isinstance(expr, int | float):
        if expr > 0:
            raise AssertionError(f"constraint {name} is violated by construction")
        return
    lp += expr <= 0, name


def _value(expr: Any) -> float:
    """Numeric value of a variable or constant after a solve."""
    if isinstance(expr, int | float):
        return float(expr)
    return float(pulp.value(expr) or 0.0)


def model_size(problem: MappingProblem, segment: Segment, addresses: bool = True) -> int:
    """Binary variables the model would have, without building it.

    With addresses the pair-step overlap binaries dominate (and each tensor's
    loads are binary); without, the residency and order binaries are all there is.
    """
    model = _Model(problem, segment, addresses)
    per_step = [0] * model.m
    tensor_steps = 0
    for item in model.items:
        for t in range(item.first, item.last + 1):
            per_step[t] += 1
        if not item.key.startswith("@"):
            tensor_steps += item.last - item.first + 1
    order_vars = sum(hi - lo + 1 for lo, hi in model.win.values() if hi > lo)
    pairs = sum(k * (k - 1) // 2 for k in per_step) if addresses else 0
    loads = tensor_steps if addresses else 0
    return order_vars + sum(per_step) + pairs + loads


def _engine(solver: str, time_limit: float, warm: bool) -> Any:
    if solver not in SOLVERS:
        raise ValueError(f"solver: unknown {solver!r}; allowed: {', '.join(SOLVERS)}")
    limit = max(1.0, float(time_limit))
    if solver == "highs":
        return _WarmHighs(warm, msg=False, timeLimit=limit, threads=1)
    return pulp.PULP_CBC_CMD(msg=False, timeLimit=limit, warmStart=warm, threads=1)


def capacity_bound(problem: MappingProblem, segment: Segment, time_limit: float, solver: str = DEFAULT_SOLVER) -> float:
    """A lower bound on the segment's objective: the model without offsets (capacity only).

    Dropping the address constraints only enlarges the feasible set, so its
    optimum (or the solver's dual bound when time runs out, or the LP relaxation
    when the solver reports no bound) bounds every schedule within the same
    order windows from below.
    """
    model = _Model(problem, segment, addresses=False)
    model.build()
    engine = _engine(solver, time_limit, warm=False)
    model.lp.solve(engine)
    if model.lp.sol_status == pulp.LpSolutionOptimal:
        return float(pulp.value(model.lp.objective))
    bound = getattr(engine, "dual_bound", None)
    if bound is not None and bound > -1e30:
        return float(bound)
    relaxed = _Model(problem, segment, addresses=False)
    relaxed.build()
    relaxed.lp.solve(pulp.PULP_CBC_CMD(msg=False, mip=False))
    return float(pulp.value(relaxed.lp.objective))


def place_with_ilp(
    runs: list[Run], capacity: int, time_limit: float, solver: str = DEFAULT_SOLVER
) -> dict[Run, int] | None:
    """Offsets for fixed residency runs by a small feasibility MILP (big-M non-overlap per overlapping pair)."""
    lp = pulp.LpProblem("placement", pulp.LpMinimize)
    offset: dict[Run, Any] = {
        run: run.fixed if run.fixed is not None else lp.add_variable(f"a_{k}", 0, capacity - run.nbytes)
        for k, run in enumerate(runs)
    }
    top = lp.add_variable("top", 0, capacity)
    lp += top, "highest_byte"
    for k, run in enumerate(runs):
        lp += offset[run] + run.nbytes <= top, f"top_{k}"
    for u in range(len(runs)):
        for v in range(u + 1, len(runs)):
            p, q = runs[u], runs[v]
            if p.last < q.first or q.last < p.first or (p.fixed is not None and q.fixed is not None):
                continue
            z = lp.add_variable(f"z_{u}_{v}", cat="Binary")
            lp += offset[p] + p.nbytes <= offset[q] + capacity * (1 - z), f"below_{u}_{v}"
            lp += offset[q] + q.nbytes <= offset[p] + capacity * z, f"above_{u}_{v}"
    lp.solve(_engine(solver, time_limit, warm=False))
    if lp.sol_status not in (pulp.LpSolutionOptimal, pulp.LpSolutionIntegerFeasible):
        return None
    placed = {run: round(_value(offset[run])) for run in runs}
    for (p, a_p), (q, a_q) in ((x, y) for x in placed.items() for y in placed.items()):
        overlap_in_time = p is not q and p.first <= q.last and q.first <= p.last
        if overlap_in_time and a_p < a_q + q.nbytes and a_q < a_p + p.nbytes:
            return None
    return placed


def solve_segment(
    problem: MappingProblem,
    segment: Segment,
    warm: Plan | None,
    time_limit: float,
    solver: str = DEFAULT_SOLVER,
    addresses: bool = True,
    write_lp: str | None = None,
) -> IlpOutcome:
    """Build and solve the segment's ILP; ``warm`` (a plan of the same steps) seeds the solver.

    With ``addresses=False`` the model keeps only the capacity constraint per
    step (a relaxation); the returned plan's offsets are then placeholders to be
    filled by :mod:`mappers.placement` or :func:`place_with_ilp`.
    """
    started = time.perf_counter()
    model = _Model(problem, segment, addresses)
    model.build()
    if warm is not None:
        model.warm_start(warm)
    if write_lp:
        model.lp.writeLP(write_lp)
    engine = _engine(solver, time_limit, warm is not None)
    model.lp.solve(engine)
    seconds = time.perf_counter() - started
    found = model.lp.sol_status in (pulp.LpSolutionOptimal, pulp.LpSolutionIntegerFeasible)
    proven = model.lp.sol_status == pulp.LpSolutionOptimal
    objective = pulp.value(model.lp.objective) if found else None
    bound = getattr(engine, "dual_bound", None)
    if proven and objective is not None:
        bound = objective
    return IlpOutcome(
        plan=model.extract() if found else None,
        proven=proven,
        objective=objective,
        bound=bound,
        seconds=seconds,
        variables=len(model.lp.variables()),
        constraints=model.lp.numConstraints(),
        solver=solver,
    )
