"""What a SocSchedule episode schedules: where its jobs come from, how they arrive, how noisy they run."""

from __future__ import annotations

import math
from dataclasses import dataclass, field, fields
from typing import Any

import numpy as np

from mappers.soc.jobs import Job, critical_path_bound, random_task_graph, zoo_task_graph

SOURCES = ("random", "zoo")
DEFAULT_NETWORKS = ("resnet18", "mobilenet_v2", "bert_base")
DEFAULT_SYSTEM = "system-soc5"


@dataclass(frozen=True)
class SocScenario:
    """The distribution episodes are drawn from.

    Attributes:
        source: ``random`` (HEFT-literature task graphs) or ``zoo`` (networks split into layers,
            priced on each core of ``system`` by the family simulators).
        tasks: Random graphs: sizes drawn from (uniformly, per job).
        cores: Random graphs: number of heterogeneous cores.
        ccr: Random graphs: communication-to-computation ratio.
        alpha: Random graphs: shape (larger: wider and shallower, more parallelism).
        beta: Random graphs: heterogeneity of costs across cores, in [0, 2).
        refuse: Random graphs: chance that a core cannot run a task, in [0, 1) (each task keeps one core).
        system: Zoo: multi-core system preset whose cores run the layers.
        networks: Zoo: networks a request is drawn from (uniformly).
        jobs: Jobs per episode.
        spacing: Mean time between arrivals (exponential), in units of the mean job's critical-path
            bound; 0: every job arrives at time 0.
        slack: A job's deadline is its arrival plus ``slack`` times its critical-path bound.
        noise: Actual durations are expected ones times a factor uniform in [1 - noise, 1 + noise].
    """

    source: str = "random"
    tasks: tuple[int, ...] = (20,)
    cores: int = 5
    ccr: float = 1.0
    alpha: float = 1.0
    beta: float = 1.0
    refuse: float = 0.0
    system: str = DEFAULT_SYSTEM
    networks: tuple[str, ...] = field(default=DEFAULT_NETWORKS)
    jobs: int = 1
    spacing: float = 1.0
    slack: float = 2.0
    noise: float = 0.0

    def __post_init__(self) -> None:
        if self.source not in SOURCES:
            raise ValueError(f"source must be one of {', '.join(SOURCES)}, got {self.source!r}")
        tasks = (self.tasks,) if isinstance(self.tasks, int) else tuple(self.tasks)
        if not tasks or any(not isinstance(t, int) or t < 1 for t in tasks):
            raise ValueError(f"tasks must be positive integers, got {self.tasks!r}")
        object.__setattr__(self, "tasks", tasks)
        networks = (self.networks,) if isinstance(self.networks, str) else tuple(self.networks)
        if not networks:
            raise ValueError("networks must name at least one zoo network")
        object.__setattr__(self, "networks", networks)
        for name, low in (("cores", 1), ("jobs", 1)):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value < low:
                raise ValueError(f"{name} must be an integer >= {low}, got {value!r}")
        checks = {
            "ccr": self.ccr >= 0,
            "alpha": self.alpha > 0,
            "beta": 0 <= self.beta < 2,
            "refuse": 0 <= self.refuse < 1,
            "spacing": self.spacing >= 0,
            "slack": self.slack >= 1,
            "noise": 0 <= self.noise < 1,
        }
        allowed = {
            "ccr": ">= 0",
            "alpha": "> 0",
            "beta": "in [0, 2)",
            "refuse": "in [0, 1)",
            "spacing": ">= 0",
            "slack": ">= 1",
            "noise": "in [0, 1)",
        }
        for name, ok in checks.items():
            if not ok:
                raise ValueError(f"{name} must be {allowed[name]}, got {getattr(self, name)!r}")

    @classmethod
    def field_names(cls) -> tuple[str, ...]:
        """Names a scenario is built from (the env's keyword arguments)."""
        return tuple(f.name for f in fields(cls))

    @property
    def n_cores(self) -> int:
        """Cores of the SoC (the system preset's for zoo jobs)."""
        if self.source == "zoo":
            return zoo_task_graph(self.networks[0], self.system).cores
        return self.cores

    def core_names(self) -> list[str]:
        """Display names of the cores."""
        if self.source == "zoo":
            from archsim.config.loader import load_arch

            return list(load_arch(self.system).core_names)
        return [f"pe{k}" for k in range(self.cores)]

    def sample(self, rng: np.random.Generator) -> list[Job]:
        """One episode's jobs, arrivals and deadlines."""
        graphs = []
        for _ in range(self.jobs):
            if self.source == "zoo":
                name = self.networks[int(rng.integers(len(self.networks)))]
                graphs.append((name, zoo_task_graph(name, self.system)))
            else:
                size = self.tasks[int(rng.integers(len(self.tasks)))]
                graph = random_task_graph(rng, size, self.cores, self.ccr, self.alpha, self.beta, refuse=self.refuse)
                graphs.append((f"dag{size}", graph))
        bounds = [critical_path_bound(g) for _, g in graphs]
        gap = self.spacing * float(np.mean(bounds))
        arrivals = (
            np.concatenate([[0.0], np.cumsum(rng.exponential(gap, self.jobs - 1))]) if gap > 0 else np.zeros(self.jobs)
        )
        return [
            Job(name, graph, float(t), float(t) + self.slack * bound if math.isfinite(bound) else math.inf)
            for (name, graph), t, bound in zip(graphs, arrivals, bounds, strict=True)
        ]

    def to_dict(self) -> dict[str, Any]:
        """Plain data (stored with a study)."""
        return {f.name: (list(v) if isinstance(v := getattr(self, f.name), tuple) else v) for f in fields(self)}


__all__ = ["DEFAULT_NETWORKS", "DEFAULT_SYSTEM", "SOURCES", "SocScenario"]
