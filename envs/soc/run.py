"""``archsim search --env archsim/SocSchedule-v0``: episodes of a scheduler, stored as they finish, resumable.

A *trial* of a scheduling study is one episode (episode ``i`` is drawn from seed
``seed * 1_000_003 + i``): for a baseline, its schedule of that episode; for ``ppo``,
a training episode of maskable PPO, so the stored trials are the learning curve.
Studies live in the search storage (any SQLAlchemy URL) under a name derived from
the env arguments, agent, its parameters and seed. A killed study resumes: a
baseline skips stored episodes; PPO retrains from the seed (deterministic) and checks
that every stored episode comes out the same before it stores new ones, as the
design-search runner replays its agents.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from archsim.errors import InputError
from envs.evaluate import DesignMetrics
from envs.soc.env import SocScheduleEnv
from envs.storage import DEFAULT_STORAGE, Storage, Trial
from mappers.soc.policies import BASELINES, make_baseline, run_policy

ENV_ID = "archsim/SocSchedule-v0"
AGENTS = ("ppo", *BASELINES)
SEED_STRIDE = 1_000_003
METRICS = (
    "slr",
    "makespan_cycles",
    "mean_latency_cycles",
    "mean_normalised_latency",
    "deadline_misses",
    "jobs",
    "tasks",
)


@dataclass(frozen=True)
class SocRun:
    """One scheduling study to run or resume.

    Attributes:
        agent: ``ppo`` (maskable PPO, trained over the episodes) or a baseline (heft, peft, exact, greedy, random).
        budget: Episodes.
        seed: Seed of the episodes (and of PPO).
        env_kwargs: Arguments of ``SocScheduleEnv`` (scenario fields, slots, weights).
        agent_kwargs: PPO hyperparameters (``envs.soc.agent.PPO_DEFAULTS``).
        storage: SQLAlchemy URL of the study storage.
        study: Study name (default: derived from everything above but the budget).
    """

    agent: str
    budget: int
    seed: int = 0
    env_kwargs: Mapping[str, Any] = field(default_factory=dict)
    agent_kwargs: Mapping[str, Any] = field(default_factory=dict)
    storage: str = DEFAULT_STORAGE
    study: str | None = None

    def __post_init__(self) -> None:
        if self.agent not in AGENTS:
            raise InputError.option(
                "agent", "--agent", f"unknown agent {self.agent!r} for {ENV_ID}; allowed: {', '.join(AGENTS)}"
            )
        if isinstance(self.budget, bool) or not isinstance(self.budget, int) or self.budget <= 0:
            raise InputError.option("budget", "--budget", f"must be a positive number of episodes, got {self.budget!r}")
        if self.agent != "ppo" and self.agent_kwargs:
            raise InputError.option(
                "agent_kwargs", "--param", f"agent {self.agent} takes no parameters, got {', '.join(self.agent_kwargs)}"
            )

    def identity(self) -> dict[str, Any]:
        """What the study is (stored with it)."""
        env = SocScheduleEnv(**self.env_kwargs)
        return {
            "env": ENV_ID,
            "scenario": env.scenario.to_dict(),
            "slots": env.slots,
            "weights": env.weights,
            "agent": self.agent,
            "agent_kwargs": dict(self.agent_kwargs),
            "seed": self.seed,
        }

    def name(self) -> str:
        """The study name."""
        if self.study:
            return self.study
        digest = hashlib.sha1(json.dumps(self.identity(), sort_keys=True).encode()).hexdigest()[:10]
        return f"SocSchedule-{self.agent}-s{self.seed}-{digest}"


@dataclass(frozen=True)
class SocResult:
    """Every episode of a study, with the schedule of one episode for the Gantt."""

    run: SocRun
    study: str
    trials: list[Trial]
    resumed: int
    schedule: dict[str, Any]
    arch: dict[str, Any]

    def to_json(self) -> dict[str, Any]:
        """``archsim search --format json`` output."""
        episodes = [
            {"episode": t.trial_id, "return": t.reward, **{k: t.metrics.get(k) for k in METRICS}} for t in self.trials
        ]
        best = max(self.trials, key=lambda t: (t.reward, -t.trial_id))
        tail = self.trials[-max(1, len(self.trials) // 10) :]
        return {
            "env": ENV_ID,
            "agent": self.run.agent,
            "seed": self.run.seed,
            "study": self.study,
            "storage": self.run.storage,
            "evaluations": len(self.trials),
            "resumed": self.resumed,
            "best": {"episode": best.trial_id, **{k: best.metrics.get(k) for k in METRICS}},
            "best_reward": best.reward,
            "last_tenth_median": {k: float(np.median([t.metrics.get(k) for t in tail])) for k in METRICS},
            "episodes": episodes,
            "arch": self.arch,
            "workload": self.schedule_workload(),
            "schedule": self.schedule,
        }

    def schedule_workload(self) -> str:
        """What the Gantt shows (its title)."""
        return f"{self.run.agent} on {ENV_ID} (episode {self.run.budget - 1})"

    def table(self) -> str:
        """Readable summary."""
        data = self.to_json()
        lines = [f"study {self.study}: {len(self.trials)} episodes of {ENV_ID} with {self.run.agent}"]
        for title, block in (("best episode", data["best"]), ("median of the last tenth", data["last_tenth_median"])):
            lines.append(f"{title}: " + ", ".join(f"{k} {v:.4g}" for k, v in block.items() if k != "episode"))
        return "\n".join(lines)


def episode_seed(seed: int, episode: int) -> int:
    """Seed of episode ``episode`` of a study seeded ``seed``."""
    return seed * SEED_STRIDE + episode


def _metrics(summary: Mapping[str, float]) -> DesignMetrics:
    """An episode as stored metrics: latency_s is the makespan at a 1 GHz system clock."""
    extra = {k: float(summary[k]) for k in METRICS}
    return DesignMetrics(latency_s=summary["makespan_cycles"] * 1e-9, energy_pj=0.0, area_mm2=0.0, extra=extra)


def run_soc(run: SocRun) -> SocResult:
    """Run (or resume) a scheduling study."""
    try:
        env = SocScheduleEnv(**run.env_kwargs)
    except TypeError as exc:
        raise InputError(f"{ENV_ID}: {exc}") from None
    name = run.name()
    storage = Storage(run.storage)
    try:
        stored = {t.trial_id: t for t in storage.open_study(name, run.identity())}
        resumed = len(stored)
        if run.agent == "ppo":
            _train(run, name, storage, stored)
        else:
            _baseline(run, env, name, storage, stored)
        trials = [t for t in storage.load(name) if t.trial_id < run.budget]
    finally:
        storage.close()
    schedule = _final_schedule(run, env)
    scenario = env.scenario
    arch = {"name": scenario.system if scenario.source == "zoo" else f"random {scenario.cores}-core SoC"}
    return SocResult(run, name, trials, resumed, schedule, arch)


def _baseline(run: SocRun, env: SocScheduleEnv, name: str, storage: Storage, stored: Mapping[int, Trial]) -> None:
    for episode in range(run.budget):
        if episode in stored:
            continue
        env.reset(seed=episode_seed(run.seed, episode))
        assert env.dispatcher is not None
        run_policy(env.dispatcher, make_baseline(run.agent, episode_seed(run.seed, episode)))
        summary = env.summary()
        storage.add(name, _trial(episode, summary, _return(env, summary)))


def _return(env: SocScheduleEnv, summary: Mapping[str, float]) -> float:
    """The episode's return under the env's weights (what PPO maximises), for a baseline's schedule."""
    jobs = summary["jobs"]
    terms = {
        "makespan": -summary["slr"],
        "latency": -summary["mean_normalised_latency"],
        "deadline": -summary["deadline_misses"] / jobs,
    }
    return float(sum(env.weights[k] * v for k, v in terms.items()))


def _trial(episode: int, summary: Mapping[str, float], reward: float) -> Trial:
    return Trial(episode, (episode,), {"episode": episode}, _metrics(summary), reward, {})


def _train(run: SocRun, name: str, storage: Storage, stored: Mapping[int, Trial]) -> None:
    """Train from the seed; stored episodes must replay identically; new ones are stored as they finish."""
    from envs.soc.agent import train_maskable_ppo

    if len(stored) >= run.budget:
        return
    episode = 0

    def on_episode(summary: dict[str, float]) -> bool:
        nonlocal episode
        trial = _trial(episode, summary, summary["return"])
        if episode in stored:
            before = stored[episode].metrics.get("slr")
            if not math.isclose(before, summary["slr"], rel_tol=1e-9):
                raise InputError.option(
                    f"storage {run.storage}",
                    f"--storage {run.storage}",
                    f"episode {episode} of study {name!r} had SLR {before:.6g}, the replay "
                    f"{summary['slr']:.6g}; a study resumes only with the same agent, parameters and seed",
                )
        else:
            storage.add(name, trial)
        episode += 1
        return episode < run.budget

    env = SocScheduleEnv(**run.env_kwargs)
    env.reset(seed=run.seed)
    longest = 2 * max(run.env_kwargs.get("jobs", 1), 1) * _max_tasks(env) + 2
    model = train_maskable_ppo(
        {**run.env_kwargs}, run.budget * longest, run.seed, run.agent_kwargs, on_episode=on_episode
    )
    _MODELS[run.name()] = model


_MODELS: dict[str, Any] = {}
"""Policies trained in this process, by study (the Gantt of a PPO study shows the trained policy's schedule)."""


def _max_tasks(env: SocScheduleEnv) -> int:
    assert env.dispatcher is not None
    scenario = env.scenario
    if scenario.source == "zoo":
        from mappers.soc.jobs import zoo_task_graph

        return max(zoo_task_graph(n, scenario.system).n for n in scenario.networks)
    return max(scenario.tasks)


def _final_schedule(run: SocRun, env: SocScheduleEnv) -> dict[str, Any]:
    """The schedule of the study's last episode: replayed by a baseline, or played by the trained policy."""
    seed = episode_seed(run.seed, run.budget - 1)
    obs, _ = env.reset(seed=seed)
    assert env.dispatcher is not None
    model = _MODELS.get(run.name())
    if run.agent != "ppo":
        run_policy(env.dispatcher, make_baseline(run.agent, seed))
    elif model is not None:
        done = False
        while not done:
            action, _ = model.predict(obs, action_masks=env.action_masks(), deterministic=True)
            obs, _, done, _, _ = env.step(action)
    else:  # a finished study resumed in a new process: no policy in memory, draw the episode's instance by HEFT
        run_policy(env.dispatcher, make_baseline("heft"))
        return env.schedule("heft (study already complete; no trained policy in this process)")
    return env.schedule(run.agent)


__all__ = ["AGENTS", "ENV_ID", "SocResult", "SocRun", "episode_seed", "run_soc"]
