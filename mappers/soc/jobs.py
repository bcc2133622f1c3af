"""Jobs for the SoC scheduler: task graphs with a cost per (task, core), an arrival time and a deadline.

Two sources of task graphs, both as :class:`~mappers.multicore.problem.SchedulingProblem`
(tasks in topological order, ``duration[task][core]``, ``comm[task]`` paid when a
consumer runs on another core):

- zoo networks split into layers, priced by the family simulators on each core of a
  system preset (the same model the multi-core mapper schedules);
- random graphs with a heterogeneous cost matrix as in the HEFT literature
  (Topcuoglu, Hariri and Wu, IEEE TPDS 13(3), 2002, section 5.1; parameters quoted
  from that paper: size ``v``, shape ``alpha`` (height ``sqrt(v)/alpha``, mean width
  ``sqrt(v)*alpha``), communication-to-computation ratio ``ccr``, heterogeneity ``beta``
  (``w[i][j]`` uniform in ``w_i * (1 -+ beta/2)``)).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from mappers.multicore.problem import SchedulingProblem

MEAN_COST = 1000
"""Mean computation cost of a random task graph (cycles); costs and communication scale with it."""


@dataclass(frozen=True)
class Job:
    """One request: its task graph, when it arrives and when it should be done (cycles)."""

    name: str
    problem: SchedulingProblem
    arrival: float = 0.0
    deadline: float = math.inf

    def __post_init__(self) -> None:
        if not self.arrival >= 0:
            raise ValueError(f"job {self.name}: arrival must be >= 0, got {self.arrival!r}")
        if not self.deadline > self.arrival:
            raise ValueError(f"job {self.name}: deadline must be after arrival {self.arrival}, got {self.deadline!r}")
        if self.problem.n == 0:
            raise ValueError(f"job {self.name}: the task graph has no tasks")


def expected_durations(problem: SchedulingProblem) -> np.ndarray:
    """``duration[task][core]`` as floats, infinite where the core cannot run the task (``problem.allowed``)."""
    duration = np.asarray(problem.duration, dtype=float)
    if problem.allowed is not None:
        duration = np.where(np.asarray(problem.allowed, dtype=bool), duration, np.inf)
    return duration


def critical_path_bound(problem: SchedulingProblem) -> float:
    """Longest path of each task's fastest duration (on the cores that can run it), communication free: no
    schedule can be shorter.

    It is the denominator of the schedule length ratio (SLR) of Topcuoglu et al. 2002.
    """
    fastest = expected_durations(problem).min(axis=1).tolist()
    longest = [0.0] * problem.n
    for v in range(problem.n):  # tasks are in topological order
        longest[v] = fastest[v] + max((longest[u] for u in problem.preds[v]), default=0.0)
    return max(longest)


def random_task_graph(
    rng: np.random.Generator,
    tasks: int,
    cores: int,
    ccr: float = 1.0,
    alpha: float = 1.0,
    beta: float = 1.0,
    max_in_degree: int = 3,
    refuse: float = 0.0,
) -> SchedulingProblem:
    """A layered random DAG with a heterogeneous cost matrix (Topcuoglu et al.'s generator, our reading).

    Tasks sit on ``round(sqrt(tasks) / alpha)`` levels of random widths; each task after
    the first level reads 1..``max_in_degree`` tasks, at least one from the level just
    above. Task ``i``'s mean cost ``w_i`` is uniform in [1, 2 * MEAN_COST], its cost on
    each core uniform in ``w_i * [1 - beta/2, 1 + beta/2]``; its output costs a transfer
    uniform in [0, 2 * ccr * MEAN_COST] to another core. With ``refuse`` > 0 each core
    cannot run a task with that probability (as DS3's PEs each support some task types
    only), drawn after the rest so the graph and costs are those of ``refuse = 0``; one
    core drawn per task always can.
    """
    if tasks < 1 or cores < 1:
        raise ValueError(f"tasks and cores must be >= 1, got tasks={tasks}, cores={cores}")
    if not (alpha > 0 and ccr >= 0 and 0 <= beta < 2 and 0 <= refuse < 1):
        raise ValueError(
            f"need alpha > 0, ccr >= 0, 0 <= beta < 2, 0 <= refuse < 1; "
            f"got alpha={alpha}, ccr={ccr}, beta={beta}, refuse={refuse}"
        )
    levels = max(1, min(tasks, round(math.sqrt(tasks) / alpha)))
    widths = 1 + rng.multinomial(tasks - levels, np.full(levels, 1.0 / levels))
    first = np.concatenate([[0], np.cumsum(widths)])
    preds: list[tuple[int, ...]] = []
    for level in range(levels):
        for _ in range(int(widths[level])):
            if level == 0:
                preds.append(())
                continue
            above = range(int(first[level - 1]), int(first[level]))
            earlier = int(first[level])
            chosen = {int(rng.choice(above))}
            for _ in range(int(rng.integers(0, max_in_degree))):
                chosen.add(int(rng.integers(0, earlier)))
            preds.append(tuple(sorted(chosen)))
    mean = rng.uniform(1, 2 * MEAN_COST, tasks)
    spread = rng.uniform(1 - beta / 2, 1 + beta / 2, (tasks, cores))
    duration = np.maximum(1, np.rint(mean[:, None] * spread)).astype(int)
    comm = np.rint(rng.uniform(0, 2 * ccr * MEAN_COST, tasks)).astype(int)
    allowed = None
    if refuse > 0:
        runs = rng.random((tasks, cores)) >= refuse
        runs[np.arange(tasks), rng.integers(0, cores, tasks)] = True
        duration = np.where(runs, duration, 0)
        allowed = tuple(tuple(bool(a) for a in row) for row in runs)
    return SchedulingProblem(
        tuple(tuple(int(d) for d in row) for row in duration),
        tuple(int(c) for c in comm),
        tuple(preds),
        homogeneous=False,
        allowed=allowed,
    )


@lru_cache(maxsize=64)
def zoo_task_graph(network: str, system: str) -> SchedulingProblem:
    """``network`` layer by layer on system preset ``system``: each layer's cycles on each core, from the
    family simulators (the multi-core mapper's model, no fusion); a core that cannot run a layer (an int8-only
    NPU given fp16) is marked in ``allowed``."""
    from archsim.config.loader import load_arch
    from mappers.multicore.estimate import Estimator
    from mappers.multicore.fusion import no_fusion
    from mappers.multicore.problem import scheduling_problem
    from mappers.multicore.tasks import stack_graph
    from workloads.registry import load_workload

    config = load_arch(system)
    if getattr(config, "family", None) != "system":
        raise ValueError(f"system: {system!r} is not a multi-core system preset (family 'system')")
    workload = load_workload(network)
    estimator = Estimator(config, workload)
    graph = stack_graph(no_fusion(workload, config, estimator).stacks)
    return scheduling_problem(graph, config, estimator)


__all__ = ["MEAN_COST", "Job", "critical_path_bound", "expected_durations", "random_task_graph", "zoo_task_graph"]
