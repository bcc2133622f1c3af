"""The mapper's answer: the chosen schedule, the baselines, and the JSON shape of ``archsim map``."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from archsim.traffic import LayerTraffic, TrafficPlan
from mappers.problem import MappingProblem
from mappers.schedule import Schedule


class Status(StrEnum):
    """How good the returned schedule is known to be."""

    OPTIMAL = "optimal"
    """The solver proved it optimal over every topological order (or it has zero non-compulsory bytes)."""
    FEASIBLE = "feasible"
    """The ILP's best incumbent, without a proof over every order (time limit or narrowed order windows)."""
    HEURISTIC = "heuristic"
    """The best baseline: the ILP found nothing better in time."""
    DIVIDE_AND_CONQUER = "divide_and_conquer"
    """Chunks of the order solved one after the other and stitched (graphs too large for one ILP)."""


@dataclass(frozen=True)
class MappingResult:
    """A checked schedule of a workload on a scratchpad, with what it was compared against."""

    problem: MappingProblem
    status: Status
    schedule: Schedule
    baselines: dict[str, Schedule]
    solve_seconds: float
    solver: dict[str, Any] = field(default_factory=dict)
    """How the ILP ran: solver, order radius, size, bound, chunks (empty when it did not run)."""

    @property
    def offchip_bytes(self) -> int:
        """Every byte crossing the DRAM interface, weights included."""
        return self.schedule.traffic.offchip_bytes

    @property
    def noncompulsory_bytes(self) -> int:
        """The objective: off-chip bytes beyond the compulsory ones."""
        return self.schedule.traffic.noncompulsory_bytes

    def traffic_plan(self) -> TrafficPlan:
        """Per op, the activation bytes it reads from and writes to DRAM under this schedule."""
        plan: dict[str, LayerTraffic] = {}
        sizes = self.problem.tensor_bytes
        ops = {op.name: op for op in self.problem.ops}
        for step in self.schedule.steps:
            reads = sum(sizes[t] for t in step.loads)
            if step.streamed:
                reads += sum(sizes[t] for t in ops[step.op].inputs)
            plan[step.op] = LayerTraffic(reads, sum(sizes[t] for t in step.stores))
        return plan

    def to_payload(self) -> dict[str, Any]:
        """The ``archsim map --format json`` document: enough to replay the schedule without archsim."""
        problem = self.problem
        sizes = problem.tensor_bytes
        steps = []
        for step in self.schedule.steps:
            resident = [
                {"tensor": t, "offset": off, "bytes": sizes[t]}
                for t, off in sorted(step.resident.items(), key=lambda kv: (kv[1], kv[0]))
            ]
            window = {"offset": step.window_offset, "bytes": step.window_bytes} if step.streamed else None
            steps.append(
                {
                    "op": step.op,
                    "streamed": step.streamed,
                    "resident": resident,
                    "loads": list(step.loads),
                    "stores": list(step.stores),
                    "window": window,
                }
            )
        return {
            "workload": problem.workload.name,
            "precision": problem.precision.value,
            "scratchpad_bytes": problem.scratchpad_bytes,
            "status": self.status.value,
            "offchip_bytes": self.offchip_bytes,
            "compulsory_bytes": self.schedule.traffic.compulsory_bytes,
            "noncompulsory_bytes": self.noncompulsory_bytes,
            "baselines": {name: s.traffic.offchip_bytes for name, s in self.baselines.items()},
            "schedule": self.schedule.order,
            "steps": steps,
            "solve_seconds": round(self.solve_seconds, 4),
            "solver": self.solver,
            "tensors": {
                t.name: {"bytes": sizes[t.name], "role": problem.workload.tensor_role(t.name)}
                for t in problem.workload.tensors
            },
            "ops": {
                op.name: {"inputs": list(op.inputs), "outputs": list(op.outputs), "weights": list(op.weights)}
                for op in problem.ops
            },
        }
