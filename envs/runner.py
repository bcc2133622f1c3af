"""The search runner: a budget of evaluations, stored as they finish, resumable after a kill.

Agents are deterministic given their seed and the results they are told. A resumed
run therefore replays the agent from the start: each proposal whose trial id is
already stored gets its stored result (no simulation), the rest are evaluated and
committed one by one. A run killed at any moment ends, once resumed, with exactly
``budget`` distinct trials and no design evaluated twice.
"""

from __future__ import annotations

import dataclasses
import hashlib
import inspect
import json
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import gymnasium as gym

import envs
from archsim.errors import InputError
from envs.agents import AGENTS, make_agent
from envs.evaluate import DesignMetrics, Evaluator, SharedEvaluatorFactory
from envs.executors import EvaluatorFactory, Executor, make_executor
from envs.results import SearchResult, summarise
from envs.spaces import Point
from envs.storage import DEFAULT_STORAGE, Storage, Trial
from envs.task import Task, TaskSpec


@dataclass(frozen=True)
class SearchConfig:
    """What to search, with which agent, for how long.

    Attributes:
        env_id: A registered ``archsim/...`` env id; sets the design space and the env agents learn in.
        agent: Agent name (see ``envs.agents.AGENTS``).
        budget: Number of designs to evaluate (trials); None (exhaustive agent only): every design of the space.
        seed: Seed of the agent (and of the env it learns in).
        workload: Workload of the task (the env's default when None).
        env_kwargs: Other env constructor arguments (space, objectives, budgets...).
        agent_kwargs: Agent hyperparameters.
        workers: Designs evaluated in parallel.
        ray_address: Evaluate on Ray: ``local`` for a local instance, else a cluster address.
        storage: SQLAlchemy URL of the study storage.
        study: Study name; by default derived from everything above but the budget.
    """

    env_id: str
    agent: str
    budget: int | None
    seed: int = 0
    workload: str | None = None
    env_kwargs: Mapping[str, Any] = field(default_factory=dict)
    agent_kwargs: Mapping[str, Any] = field(default_factory=dict)
    workers: int = 1
    ray_address: str | None = None
    storage: str = DEFAULT_STORAGE
    study: str | None = None

    def check(self) -> None:
        """Raise InputError on bad values (before anything is built)."""
        if self.env_id not in envs.env_ids():
            allowed = ", ".join(envs.env_ids())
            raise InputError.option("env_id", "--env", f"unknown env id {self.env_id!r}; allowed: {allowed}")
        if self.agent not in AGENTS:
            raise InputError.option("agent", "--agent", f"unknown agent {self.agent!r}; allowed: {', '.join(AGENTS)}")
        if self.budget is None:
            if self.agent != "exhaustive":
                detail = f"required for agent {self.agent!r} (only exhaustive defaults it to the space size)"
                raise InputError.option("budget", "--budget", detail)
        elif isinstance(self.budget, bool) or not isinstance(self.budget, int) or self.budget <= 0:
            raise InputError.option("budget", "--budget", f"must be a positive integer, got {self.budget!r}")
        if isinstance(self.workers, bool) or not isinstance(self.workers, int) or self.workers <= 0:
            raise InputError.option("workers", "--workers", f"must be a positive integer, got {self.workers!r}")


def env_arguments(config: SearchConfig) -> dict[str, Any]:
    """The registered env's default kwargs, overridden by the config's (unknown names raise InputError)."""
    spec = gym.spec(config.env_id)
    entry = spec.entry_point
    cls = gym.envs.registration.load_env_creator(entry) if isinstance(entry, str) else entry
    allowed = set(inspect.signature(cls).parameters) - {"evaluator", "render_mode"}
    unknown = sorted(set(config.env_kwargs) - allowed)
    if unknown:
        raise InputError(f"{config.env_id}: unknown argument {unknown[0]!r}; allowed: {', '.join(sorted(allowed))}")
    kwargs = dict(spec.kwargs)
    kwargs.update(config.env_kwargs)
    if config.workload is not None:
        kwargs["workload"] = config.workload
    kwargs.setdefault("workload", "resnet18")
    return kwargs


def task_spec(kwargs: Mapping[str, Any]) -> TaskSpec:
    """The task an env with these kwargs optimises."""
    return TaskSpec.create(
        kwargs.get("space", "systolic"),
        kwargs["workload"],
        kwargs.get("objectives"),
        kwargs.get("budgets"),
        kwargs.get("penalty_weight", 1.0),
        kwargs.get("invalid_penalty", 10.0),
    )


class Study:
    """One search in progress: assigns trial ids, replays stored trials, evaluates and stores the rest."""

    def __init__(
        self,
        config: SearchConfig,
        task: Task,
        storage: Storage,
        name: str,
        stored: list[Trial],
        executor: Executor,
        progress: bool,
    ) -> None:
        self.config = config
        self.task = task
        self.storage = storage
        self.name = name
        self.executor = executor
        self.stored: dict[int, Trial] = {t.trial_id: t for t in stored}
        self.known: dict[Point, DesignMetrics] = {t.point: t.metrics for t in stored}
        self.next_id = 0
        self.simulated = 0
        self.bar = _progress_bar(config.budget, len(self.stored), name, progress)

    @property
    def budget(self) -> int:
        """Trials to run in all."""
        assert self.config.budget is not None  # run_search resolves a default budget first
        return self.config.budget

    @property
    def remaining(self) -> int:
        """Proposals still to make."""
        return max(0, self.budget - self.next_id)

    @property
    def done(self) -> bool:
        """True once every trial of the budget has been proposed."""
        return self.next_id >= self.budget

    def evaluate(self, points: Sequence[Sequence[int]]) -> list[Trial]:
        """Trials of the proposed designs, in proposal order (at most ``remaining`` of them)."""
        if len(points) > self.remaining:
            raise RuntimeError(f"agent proposed {len(points)} designs with {self.remaining} left in the budget")
        batch = [self.task.space.check_point(p) for p in points]
        ids = list(range(self.next_id, self.next_id + len(batch)))
        self.next_id += len(batch)
        out: dict[int, Trial] = {}
        fresh: list[int] = []
        for j, (trial_id, point) in enumerate(zip(ids, batch, strict=True)):
            replay = self.stored.get(trial_id)
            if replay is not None:
                if replay.point != point:
                    raise InputError(
                        f"--storage {self.storage.url}: trial {trial_id} of study {self.name!r} holds "
                        f"{replay.design} but the agent now proposes {self.task.design(point)}; "
                        "a study resumes only with the same agent, seed and workers"
                    )
                out[j] = replay
                if self.bar is not None:
                    self.bar.update(1)
            elif point in self.known:
                out[j] = self._record(trial_id, point, self.known[point], 0.0, cached=True)
            else:
                fresh.append(j)
        unique = list(dict.fromkeys(batch[j] for j in fresh))
        finished: dict[Point, tuple[DesignMetrics, float]] = {}
        for k, metrics, seconds in self.executor.run(unique):
            point = unique[k]
            finished[point] = (metrics, seconds)
            self.known[point] = metrics
            self.simulated += 1
            first = next(j for j in fresh if batch[j] == point)
            out[first] = self._record(ids[first], point, metrics, seconds, cached=False)
        for j in fresh:
            if j not in out:
                out[j] = self._record(ids[j], batch[j], finished[batch[j]][0], 0.0, cached=True)
        return [out[j] for j in range(len(batch))]

    def _record(self, trial_id: int, point: Point, metrics: DesignMetrics, seconds: float, cached: bool) -> Trial:
        reward, terms = self.task.score(metrics)
        trial = Trial(trial_id, point, self.task.design(point), metrics, reward, terms, seconds, cached)
        self.storage.add(self.name, trial)
        self.stored[trial_id] = trial
        if self.bar is not None:
            self.bar.update(1)
        return trial

    def as_evaluator(self) -> Evaluator:
        """An evaluator whose every call is one trial of this study (for agents that learn in an env)."""
        return StudyEvaluator(self)


class StudyEvaluator(Evaluator):
    """Routes an env's evaluations through a study (storage, replay, budget)."""

    def __init__(self, study: Study) -> None:
        super().__init__(study.task.space)
        self.study = study

    def peek(self, point: Sequence[int]) -> DesignMetrics:
        """Outside the budget: straight from the task's evaluator."""
        return self.study.task.evaluator.evaluate(point)

    def evaluate_many(self, points: Sequence[Sequence[int]]) -> list[DesignMetrics]:
        """Each call is a new trial (no local cache: the study's counts must see every proposal)."""
        return [t.metrics for t in self.study.evaluate(points)]


def _progress_bar(total: int, initial: int, name: str, enabled: bool) -> Any:
    if not enabled or not sys.stderr.isatty():
        return None
    from tqdm import tqdm

    return tqdm(total=total, initial=0, desc=name[:40], unit="design", leave=False)


def study_name(config: SearchConfig, spec: TaskSpec) -> str:
    """A stable name from everything that changes the agent's proposals (the budget only extends a study)."""
    key = study_identity(config, spec)
    digest = hashlib.sha1(json.dumps(key, sort_keys=True).encode()).hexdigest()[:10]
    return f"{config.env_id.split('/')[-1]}-{config.agent}-s{config.seed}-{digest}"


def study_identity(config: SearchConfig, spec: TaskSpec) -> dict[str, Any]:
    """What a study is: the env, task, agent, hyperparameters, seed and batch size."""
    return {
        "env": config.env_id,
        "task": spec.to_dict(),
        "agent": config.agent,
        "agent_kwargs": dict(config.agent_kwargs),
        "seed": config.seed,
        "workers": config.workers,
    }


def run_search(
    config: SearchConfig,
    evaluator_factory: EvaluatorFactory | None = None,
    progress: bool = True,
) -> SearchResult:
    """Run (or resume) a search and summarise every trial of its study.

    ``evaluator_factory`` replaces the simulator (a picklable callable returning an
    :class:`~envs.evaluate.Evaluator`, for users' own cost models and for tests).
    """
    config.check()
    kwargs = env_arguments(config)
    spec = task_spec(kwargs)
    if config.budget is None:  # exhaustive: the whole space
        config = dataclasses.replace(config, budget=spec.space.size)
    if evaluator_factory is None:
        evaluator_factory = SharedEvaluatorFactory(spec.space, spec.workload)
    agent = make_agent(config.agent, config.seed, config.agent_kwargs)
    storage = Storage(config.storage)
    name = config.study or study_name(config, spec)
    stored = storage.open_study(name, study_identity(config, spec))
    resumed = len(stored)
    evaluator = evaluator_factory()
    task = Task(spec, evaluator)
    executor = make_executor(evaluator_factory, evaluator, config.workers, config.ray_address)
    study = Study(config, task, storage, name, stored, executor, progress)
    start = time.perf_counter()
    try:
        agent.search(study, config.env_id, kwargs)
    finally:
        executor.close()
        if study.bar is not None:
            study.bar.close()
    trials = storage.load(name)
    storage.close()
    seconds = time.perf_counter() - start
    return summarise(config, name, trials, study.simulated, seconds, resumed, spec.budgets)
