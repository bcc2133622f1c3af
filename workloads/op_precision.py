"""The precision each op of a workload computes at: what a datapath must support to run it."""

from __future__ import annotations

from workloads.graph import TensorKind, Workload
from workloads.precision import Precision


def op_precisions(workload: Workload) -> dict[str, Precision]:
    """Op name -> precision of its operands (its weights', else its output's, else the workload's).

    A mixed-precision network (e.g. a co-search family's int4 stages beside an int8
    stem) tags its tensors; ops whose tensors carry no precision take the workload's.
    """
    out: dict[str, Precision] = {}
    for node in workload:
        tensors = [workload.tensor(name) for name in (*node.inputs, *node.outputs)]
        weights = [t for t in tensors if t.kind is TensorKind.WEIGHT and t.precision is not None]
        chosen = weights or [t for t in tensors if t.precision is not None]
        out[node.name] = chosen[0].precision if chosen else workload.precision  # type: ignore[assignment]
    return out
