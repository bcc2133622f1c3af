"""Schedules: a plan of residency decisions, and the replayable steps derived from it.

Every scheduler (baselines, ILP, divide-and-conquer) produces a :class:`Plan`:
the op order, which tensors sit where in the scratchpad at each step, which of
them were loaded just before the step, and where a streamed op's window lies.
:func:`finalize` adds the stores (each tensor that must exist in DRAM is
written once, right after the op that produces it) and counts the traffic.
"""

from __future__ import annotations

from dataclasses import dataclass

from mappers.problem import MappingProblem


@dataclass
class Plan:
    """Residency decisions of one schedule (one entry per step)."""

    order: list[int]
    """Op indices in execution order."""
    resident: list[dict[str, int]]
    """Per step: tensor -> byte offset of every tensor in the scratchpad while the op runs."""
    loads: list[list[str]]
    """Per step: tensors copied from DRAM into the scratchpad just before the op runs."""
    windows: list[int | None]
    """Per step: offset of a streamed op's window (None for ops that run from the scratchpad)."""


@dataclass(frozen=True)
class Step:
    """One replayable step: loads, then the op runs over ``resident``, then stores."""

    op: str
    streamed: bool
    resident: dict[str, int]
    loads: tuple[str, ...]
    stores: tuple[str, ...]
    window_offset: int | None = None
    window_bytes: int = 0


@dataclass(frozen=True)
class Traffic:
    """Off-chip bytes of a schedule, split as the problem defines them."""

    read_bytes: int
    """Activation bytes read from DRAM (loads and streamed reads)."""
    write_bytes: int
    """Activation bytes written to DRAM."""
    weight_bytes: int
    compulsory_bytes: int

    @property
    def offchip_bytes(self) -> int:
        """Every byte crossing the DRAM interface, weights included."""
        return self.read_bytes + self.write_bytes + self.weight_bytes

    @property
    def noncompulsory_bytes(self) -> int:
        """What the mapper minimises: off-chip bytes beyond the compulsory ones."""
        return self.offchip_bytes - self.compulsory_bytes


@dataclass(frozen=True)
class Schedule:
    """A finished schedule: its steps and its traffic."""

    steps: tuple[Step, ...]
    traffic: Traffic

    @property
    def order(self) -> list[str]:
        """Op names in execution order."""
        return [s.op for s in self.steps]

    @property
    def noncompulsory_bytes(self) -> int:
        """Shortcut to the objective."""
        return self.traffic.noncompulsory_bytes


def needs_dram_copy(problem: MappingProblem, plan: Plan) -> set[str]:
    """Produced tensors that must be written to DRAM under ``plan``.

    Graph outputs, outputs of streamed ops, inputs of streamed ops, and any tensor
    loaded at some step after it was produced.
    """
    needed = set(problem.graph_outputs)
    for op_index in plan.order:
        op = problem.ops[op_index]
        if op.streamed:
            needed.update(op.outputs)
            needed.update(op.inputs)
    for loads in plan.loads:
        needed.update(loads)
    return {t for t in needed if t in problem.producer}


def finalize(problem: MappingProblem, plan: Plan) -> Schedule:
    """Steps with stores at each tensor's production step, and the traffic they cause."""
    to_store = needs_dram_copy(problem, plan)
    steps: list[Step] = []
    reads = writes = 0
    for position, op_index in enumerate(plan.order):
        op = problem.ops[op_index]
        stores = tuple(t for t in op.outputs if t in to_store)
        loads = tuple(plan.loads[position])
        reads += sum(problem.tensor_bytes[t] for t in loads)
        if op.streamed:
            reads += sum(problem.tensor_bytes[t] for t in op.inputs)
        writes += sum(problem.tensor_bytes[t] for t in stores)
        steps.append(
            Step(
                op=op.name,
                streamed=op.streamed,
                resident=dict(plan.resident[position]),
                loads=loads,
                stores=stores,
                window_offset=plan.windows[position],
                window_bytes=op.window_bytes,
            )
        )
    weight_bytes = sum(problem.tensor_bytes[w] for w in problem.weights)
    traffic = Traffic(reads, writes, weight_bytes, problem.compulsory_bytes)
    return Schedule(tuple(steps), traffic)


def plan_of(problem: MappingProblem, schedule: Schedule) -> Plan:
    """The plan behind a finished schedule (to warm-start a solver from it)."""
    index = {op.name: i for i, op in enumerate(problem.ops)}
    return Plan(
        order=[index[s.op] for s in schedule.steps],
        resident=[dict(s.resident) for s in schedule.steps],
        loads=[list(s.loads) for s in schedule.steps],
        windows=[s.window_offset for s in schedule.steps],
    )
