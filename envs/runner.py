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
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import gymnasium as gym

import envs
from archsim.errors import InputError, did_you_mean
from envs.agents import check_agent_name, make_agent
from envs.evaluate import DesignMetrics, Evaluator, SharedEvaluatorFactory
from envs.executors import EvaluatorFactory, Executor, make_executor
from envs.results import SearchResult, summarise
from envs.spaces import Point
from envs.storage import (
    DEFAULT_RETRY_SECONDS,
    DEFAULT_STORAGE,
    Storage,
    Trial,
    owner_is_dead,
    storage_error,
    this_owner,
)
from envs.task import Task, TaskSpec

CLAIM_LEASE_SECONDS = 30.0
"""A claim whose owner's heartbeat has not moved for this long is taken over (a dead pid on this host: at once)."""

CHUNK_SECONDS = 0.5
"""Agents that ignore results propose chunks sized to take about this long (bulk commits, vectorised batches)."""

MAX_CHUNK = 4096


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
        eval_timeout: Seconds one design may take; a design over it is a failed trial (None: no limit).
        storage_retry_seconds: How long a database that went away is retried before the run stops.
        claim_lease_seconds: Silence after which another process's claim on a trial is taken over.
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
    eval_timeout: float | None = None
    storage_retry_seconds: float = DEFAULT_RETRY_SECONDS
    claim_lease_seconds: float = CLAIM_LEASE_SECONDS

    def check(self) -> None:
        """Raise InputError on bad values (before anything is built)."""
        if self.env_id not in envs.env_ids():
            allowed = ", ".join(envs.env_ids())
            hint = did_you_mean(self.env_id, envs.env_ids())
            raise InputError.option("env_id", "--env", f"unknown env id {self.env_id!r}{hint}; allowed: {allowed}")
        check_agent_name(self.agent)
        if self.budget is None:
            if self.agent != "exhaustive":
                detail = f"required for agent {self.agent!r} (only exhaustive defaults it to the space size)"
                raise InputError.option("budget", "--budget", detail)
        elif isinstance(self.budget, bool) or not isinstance(self.budget, int) or self.budget <= 0:
            raise InputError.option("budget", "--budget", f"must be a positive integer, got {self.budget!r}")
        if isinstance(self.workers, bool) or not isinstance(self.workers, int) or self.workers <= 0:
            raise InputError.option("workers", "--workers", f"must be a positive integer, got {self.workers!r}")
        if self.eval_timeout is not None and not self.eval_timeout > 0:
            detail = f"must be a positive number of seconds, got {self.eval_timeout!r}"
            raise InputError.option("eval_timeout", "--eval-timeout", detail)


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
    """One search in progress: assigns trial ids, replays stored trials, claims, evaluates and stores the rest.

    Several processes may run the same study (same storage and name): each claims a
    trial id before evaluating it, and a trial claimed by another process is read from
    the storage once stored (or taken over if its owner died).
    """

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
        self.taken_over = 0
        self.owner = this_owner()
        self.exclusive = False
        self.deferred: dict[int, Point] = {}
        self.watch: dict[int, tuple[str, float, float]] = {}
        self.chunk = max(1, config.workers)
        self.heartbeat = Heartbeat(storage, name, self.owner, config.claim_lease_seconds / 4)
        self.bar = _progress_bar(config.budget, 0, name, progress)
        self._tick(sum(1 for i in self.stored if i < config.budget))

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

    def batch_size(self, learns: bool) -> int:
        """Designs to propose next: ``workers`` for agents that learn from each batch; for the others a chunk
        grown until it takes about :data:`CHUNK_SECONDS` (their proposals do not depend on the batch size)."""
        return min(self.config.workers if learns else self.chunk, self.remaining)

    def evaluate(self, points: Sequence[Sequence[int]], wait: bool = True) -> list[Trial]:
        """Trials of the proposed designs, in proposal order (at most ``remaining`` of them).

        With ``wait=False`` (agents that ignore results) trials claimed by another
        process are not waited for here but in :meth:`finish`, and left out of the result.
        """
        if len(points) > self.remaining:
            raise RuntimeError(f"agent proposed {len(points)} designs with {self.remaining} left in the budget")
        if not points:
            return []
        start = time.perf_counter()
        batch = [self.task.space.check_point(p) for p in points]
        ids = list(range(self.next_id, self.next_id + len(batch)))
        self.next_id += len(batch)
        proposed = dict(zip(ids, batch, strict=True))
        if any(i not in self.stored for i in ids):
            self._read_stored(ids)
        out = {i: self._replayed(i, p) for i, p in proposed.items() if i in self.stored}
        todo = {i: p for i, p in proposed.items() if i not in out}
        if todo:
            claims = self.storage.claim(self.name, todo, self.owner)
            mine = {i: p for i, p in todo.items() if claims[i][0] == self.owner}
            theirs = {i: p for i, p in todo.items() if i not in mine}
            out.update(self._run(mine))
            if wait:
                out.update(self._await(theirs))
            else:
                self.deferred.update(theirs)
        if not wait and len(batch) == self.chunk:
            per_design = (time.perf_counter() - start) / len(batch)
            if per_design * self.chunk < CHUNK_SECONDS / 2:
                self.chunk = min(2 * self.chunk, MAX_CHUNK)
        return [out[i] for i in ids if i in out]

    def finish(self) -> None:
        """Wait for the trials other processes claimed (taking over those whose owner died)."""
        self._await(self.deferred)
        self.deferred = {}
        self.heartbeat.stop()

    def _replayed(self, trial_id: int, point: Point) -> Trial:
        replay = self.stored[trial_id]
        if replay.point != point:
            raise storage_error(
                self.storage.url,
                f"trial {trial_id} of study {self.name!r} holds {replay.design} but the agent now proposes "
                f"{self.task.design(point)}; a study resumes only with the same agent, seed and workers",
            )
        return replay

    def _read_stored(self, ids: Sequence[int]) -> None:
        """Read the trials of ``ids`` that were stored since we last looked (by this or another process)."""
        new = self.storage.stored_ids(self.name, min(ids), max(ids)) - self.stored.keys()
        for trial in self.storage.load_ids(self.name, new):
            self.stored[trial.trial_id] = trial
            self.known.setdefault(trial.point, trial.metrics)
        self._tick(sum(1 for i in new if i < self.budget))

    def _run(self, jobs: Mapping[int, Point]) -> dict[int, Trial]:
        """Evaluate claimed trials (a design seen before is a cached trial) and store them as they finish."""
        if not jobs:
            return {}
        self.heartbeat.start()
        out: dict[int, Trial] = {}
        pending: list[Trial] = []
        by_point: dict[Point, list[int]] = {}
        for trial_id, point in jobs.items():
            if point in self.known:
                pending.append(self._trial(trial_id, point, self.known[point], 0.0, cached=True))
            else:
                by_point.setdefault(point, []).append(trial_id)
        unique = list(by_point)
        flushed = time.monotonic()
        for k, metrics, seconds in self.executor.run(unique):
            point = unique[k]
            self.known[point] = metrics
            self.simulated += 1
            first, *repeats = by_point[point]
            pending.append(self._trial(first, point, metrics, seconds, cached=False))
            pending.extend(self._trial(i, point, metrics, 0.0, cached=True) for i in repeats)
            if time.monotonic() - flushed > FLUSH_SECONDS:
                out.update(self._store(pending))
                pending, flushed = [], time.monotonic()
        out.update(self._store(pending))
        return out

    def _trial(self, trial_id: int, point: Point, metrics: DesignMetrics, seconds: float, cached: bool) -> Trial:
        reward, terms = self.task.score(metrics)
        return Trial(trial_id, point, self.task.design(point), metrics, reward, terms, seconds, cached)

    def _store(self, trials: list[Trial]) -> dict[int, Trial]:
        self.storage.add_many(self.name, trials)
        for trial in trials:
            self.stored[trial.trial_id] = trial
        self._tick(len(trials))
        return {t.trial_id: t for t in trials}

    def _await(self, theirs: Mapping[int, Point]) -> dict[int, Trial]:
        """Trials other processes claimed: read once stored; a claim whose owner died is taken over and run here."""
        waiting = dict(theirs)
        out: dict[int, Trial] = {}
        delay = 0.02
        while waiting:
            for trial_id in [i for i in waiting if i in self.stored]:
                out[trial_id] = self._replayed(trial_id, waiting.pop(trial_id))
            if not waiting:
                break
            self._read_stored(list(waiting))
            for trial_id in [i for i in waiting if i in self.stored]:
                out[trial_id] = self._replayed(trial_id, waiting.pop(trial_id))
            if not waiting:
                break
            orphans = self._orphans(waiting)
            if orphans:
                self.taken_over += len(orphans)
                out.update(self._run(orphans))
                for trial_id in orphans:
                    waiting.pop(trial_id)
                delay = 0.02
            else:
                time.sleep(delay)
                delay = min(2 * delay, 0.5)
        return out

    def _orphans(self, waiting: Mapping[int, Point]) -> dict[int, Point]:
        """Waited-for trials whose owner is gone, now claimed by this process."""
        now = time.monotonic()
        mine: dict[int, Point] = {}
        holders = self.storage.claim_holders(self.name, min(waiting), max(waiting))
        unclaimed = [i for i in waiting if i not in holders]
        if unclaimed:
            holders.update(self.storage.claim(self.name, unclaimed, self.owner))
        dead: dict[str, bool] = {}
        for trial_id in waiting:
            owner, beat = holders[trial_id]
            if owner == self.owner:
                mine[trial_id] = waiting[trial_id]
                continue
            seen = self.watch.get(trial_id)
            if seen is None or seen[:2] != (owner, beat):
                self.watch[trial_id] = (owner, beat, now)
                silent = False
            else:
                silent = now - seen[2] > self.config.claim_lease_seconds
            if owner not in dead:
                dead[owner] = owner_is_dead(owner)
            if (silent or dead[owner]) and self.storage.take_over(self.name, trial_id, owner, self.owner):
                mine[trial_id] = waiting[trial_id]
        return mine

    def _tick(self, n: int) -> None:
        if self.bar is not None and n:
            self.bar.update(n)

    def as_evaluator(self) -> Evaluator:
        """An evaluator whose every call is one trial of this study (for agents that learn in an env)."""
        return StudyEvaluator(self)

    def own_alone(self, agent: str) -> None:
        """Hold the study for this process alone (agents that cannot share one); InputError if a live process has it."""
        claims = self.storage.claim(self.name, [STUDY_LOCK], self.owner)
        owner, beat = claims[STUDY_LOCK]
        gone = owner_is_dead(owner) or time.time() - beat > self.config.claim_lease_seconds
        taken = owner == self.owner or (gone and self.storage.take_over(self.name, STUDY_LOCK, owner, self.owner))
        if not taken:
            detail = (
                f"agent {agent} learns from every result in order and cannot share a study; process {owner} runs it"
            )
            raise InputError(
                f"study {self.name}: {detail} (wait for it, or use another study name)",
                cli=f"--study {self.name}: {detail} (wait for it, or use another --study)",
            )
        self.exclusive = True
        self.heartbeat.start()

    def release(self) -> None:
        """Give up the exclusive hold, if any, and stop the heartbeat."""
        self.heartbeat.stop()
        if self.exclusive:
            self.storage.release(self.name, STUDY_LOCK, self.owner)


FLUSH_SECONDS = 0.5
"""Results of one batch are committed at least this often while it runs."""

STUDY_LOCK = -1
"""The claim id that agents which cannot share a study hold for as long as they run."""


class Heartbeat:
    """A daemon thread refreshing this process's claims, so that other processes see it is alive."""

    def __init__(self, storage: Storage, study: str, owner: str, interval: float) -> None:
        self.storage = storage
        self.study = study
        self.owner = owner
        self.interval = interval
        self.stopped = threading.Event()
        self.thread: threading.Thread | None = None

    def start(self) -> None:
        """Start beating (once)."""
        if self.thread is None:
            self.thread = threading.Thread(target=self._beat, name="archsim-heartbeat", daemon=True)
            self.thread.start()

    def _beat(self) -> None:
        while not self.stopped.wait(self.interval):
            try:
                self.storage.heartbeat(self.study, self.owner)
            except Exception:  # a missed beat only risks a takeover; never stop the search for it
                continue

    def stop(self) -> None:
        """Stop beating."""
        self.stopped.set()
        if self.thread is not None:
            self.thread.join(timeout=5)


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
    storage = Storage(config.storage, config.storage_retry_seconds)
    name = config.study or study_name(config, spec)
    stored = storage.open_study(name, study_identity(config, spec))
    resumed = len(stored)
    evaluator = evaluator_factory()
    task = Task(spec, evaluator)
    executor = make_executor(evaluator_factory, evaluator, config.workers, config.ray_address, config.eval_timeout)
    study = Study(config, task, storage, name, stored, executor, progress)
    start = time.perf_counter()
    try:
        agent.search(study, config.env_id, kwargs)
        study.finish()
    finally:
        study.release()
        executor.close()
        if study.bar is not None:
            study.bar.close()
    # Every trial of the study is in memory by now (stored, replayed, or read from other processes).
    trials = [study.stored[i] for i in sorted(study.stored)]
    storage.close()
    seconds = time.perf_counter() - start
    return summarise(config, name, trials, study.simulated, seconds, resumed, spec.budgets)
