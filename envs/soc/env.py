"""``archsim/SocSchedule-v0``: dispatch the tasks of arriving jobs onto the cores of a heterogeneous SoC."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import gymnasium as gym
import numpy as np

from archsim.errors import InputError
from envs.soc.scenario import SocScenario
from mappers.soc.dispatch import Dispatcher
from mappers.soc.plans import heft_plan
from mappers.soc.policies import PlanFollower

DEFAULT_WEIGHTS: dict[str, float] = {"makespan": 1.0, "latency": 1.0, "deadline": 1.0}
"""Weights of the named reward terms (see the env docstring)."""

INVALID_PENALTY = 1.0
"""Reward lost by an action the mask forbids (it is replaced by the greedy choice)."""

OBS_CLIP = 30.0

GLOBAL_FEATURES = 4
"""After the per-core backlog: HEFT would wait, share of tasks left, hidden ready tasks, time to next arrival."""


def slot_width(cores: int) -> int:
    """Observation features per visible task: present, upward rank, HEFT's next, then per core expected
    finish, expected duration and HEFT's planned core."""
    return 3 + 3 * cores


class SocScheduleEnv(gym.Env[np.ndarray, np.int64]):
    """Schedule jobs (task graphs) arriving over time on the cores of a heterogeneous SoC.

    ## Description
    Each episode draws jobs from a :class:`~envs.soc.scenario.SocScenario`: zoo networks
    split into layers with per-core cycles from the family simulators (``source=zoo``),
    or random task graphs with heterogeneous cost matrices as in the HEFT literature
    (``source=random``). A task is ready once its job has arrived and its predecessors
    have finished. The simulator is :class:`mappers.soc.dispatch.Dispatcher`.

    ## Action Space
    ``Discrete(slots * cores + 1)``: action ``k * cores + c`` queues the ``k``-th visible ready
    task on core ``c``; the last action waits until the next task becomes ready. Visible
    are the first ``slots`` ready tasks: those HEFT's plan would queue now first, then the
    rest by upward rank, highest first.
    :meth:`action_masks` marks the valid ones (MaskablePPO reads it). A masked action
    costs ``INVALID_PENALTY`` and is replaced by the earliest-finish choice.

    ## Observation Space
    ``Box(0, 30)`` of ``log1p(time / scale)`` features, ``scale`` the episode's mean task
    duration: per slot, present flag, upward rank, whether HEFT's plan queues the task
    now, and per core the expected finish if queued there (after the earliest such
    finish of any visible task), the expected duration and whether HEFT's plan puts the
    task there; per core, the expected time until its queue drains; whether HEFT's plan
    waits now, the share of tasks left, of ready tasks not shown, and the time until the
    next job arrives. HEFT's plan is that of :class:`mappers.soc.policies.PlanFollower`
    (each job planned at its arrival, expected durations), kept as the agent's advisor:
    following it exactly replays the ``heft`` baseline; a decider may deviate from it.

    ## Rewards
    Named terms, weighted by ``weights`` and copied into ``info["reward_terms"]``:
    ``makespan`` = -(growth of the committed makespan) / (the episode's makespan lower
    bound), so an episode sums to minus its schedule length ratio; ``latency`` = -(job
    latency / its critical-path bound) / jobs when a job's last task is queued;
    ``deadline`` = -1 / jobs per job finishing after its deadline; ``invalid``.

    ## Starting State
    Jobs, arrivals and noise factors drawn from the reset seed; the clock at the first ready task.

    ## Episode End
    Terminates when every task is queued (all finish times are then known). Waits
    are bounded by the number of tasks, so episodes end within ``2 * tasks`` steps.

    ## Arguments
    The fields of :class:`SocScenario` (``source, tasks, cores, ccr, alpha, beta, refuse, system,
    networks, jobs, spacing, slack, noise``), ``slots`` (visible ready tasks, default 8)
    and ``weights`` (reward term weights).

    ## Version History
    v0: first version; the observation gained HEFT's plan as features (issue 15, imitation).
    """

    metadata: dict[str, Any] = {"render_modes": []}  # noqa: RUF012

    def __init__(
        self,
        slots: int = 8,
        weights: Mapping[str, float] | None = None,
        render_mode: str | None = None,
        **scenario: Any,
    ) -> None:
        unknown = sorted(set(scenario) - set(SocScenario.field_names()))
        if unknown:
            allowed = ", ".join([*SocScenario.field_names(), "slots", "weights"])
            raise InputError(f"archsim/SocSchedule-v0: unknown argument {unknown[0]!r}; allowed: {allowed}")
        try:
            self.scenario = SocScenario(**scenario)
        except (TypeError, ValueError) as exc:
            raise InputError(f"archsim/SocSchedule-v0: {exc}") from None
        if not isinstance(slots, int) or isinstance(slots, bool) or slots < 1:
            raise InputError(f"archsim/SocSchedule-v0: slots must be an integer >= 1, got {slots!r}")
        self.weights = dict(DEFAULT_WEIGHTS)
        for name, value in (weights or {}).items():
            if name not in DEFAULT_WEIGHTS or not float(value) >= 0:
                raise InputError(
                    f"archsim/SocSchedule-v0: weights: {name}={value!r}; "
                    f"allowed terms {', '.join(DEFAULT_WEIGHTS)}, each >= 0"
                )
            self.weights[name] = float(value)
        self.render_mode = render_mode
        self.slots = slots
        self.n_cores = self.scenario.n_cores
        self.action_space = gym.spaces.Discrete(slots * self.n_cores + 1)
        size = slots * slot_width(self.n_cores) + self.n_cores + GLOBAL_FEATURES
        self.observation_space = gym.spaces.Box(0.0, OBS_CLIP, (size,), dtype=np.float32)
        self.dispatcher: Dispatcher | None = None

    # ------------------------------------------------------------------ gym API
    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None) -> tuple[np.ndarray, dict]:
        """Draw the episode's jobs from the seed."""
        super().reset(seed=seed)
        episode_seed = int(self.np_random.integers(2**31))
        rng = np.random.default_rng(episode_seed)
        jobs = self.scenario.sample(rng)
        self.dispatcher = Dispatcher(jobs, self.scenario.noise, seed=int(rng.integers(2**31)))
        d = self.dispatcher
        self.scale = float(d.expected[np.isfinite(d.expected)].mean())
        self.makespan_bound = float(np.max(d.arrival + d.bound))
        self.counted_jobs: set[int] = set()
        self.last_makespan = 0.0
        self.steps = 0
        self.advisor = PlanFollower(heft_plan)
        self.advisor.reset(d)
        return self._observation(), {"tasks": d.n, "jobs": len(jobs), "episode_seed": episode_seed}

    def step(self, action: np.int64) -> tuple[np.ndarray, float, bool, bool, dict]:
        """Queue a ready task on a core, or wait."""
        d = self._live()
        terms = dict.fromkeys(self.weights, 0.0)
        mask = self.action_masks()
        action = int(action)
        if not (0 <= action < len(mask)) or not mask[action]:
            terms["invalid"] = -INVALID_PENALTY
            action = self._fallback()
        if action == self.slots * self.n_cores:
            d.wait()
        else:
            d.assign(self.visible[action // self.n_cores], action % self.n_cores)
        self.steps += 1
        terms.update(self._progress_terms(d))
        reward = sum(self.weights.get(k, 1.0) * v for k, v in terms.items())
        info: dict[str, Any] = {"reward_terms": terms}
        if d.done:
            info.update(self.summary())
        return self._observation(), float(reward), d.done, False, info

    def action_masks(self) -> np.ndarray:
        """Valid actions: a visible ready task on any core that can run it; waiting while a task will become
        ready later."""
        d = self._live()
        mask = np.zeros(self.slots * self.n_cores + 1, dtype=bool)
        for k, task in enumerate(self.visible):
            mask[k * self.n_cores : (k + 1) * self.n_cores] = np.isfinite(d.expected[task])
        mask[-1] = d.can_wait and not d.done
        if d.done:
            mask[-1] = True  # an ended episode has no decision left; keep one action valid for the checkers
        return mask

    def advised_action(self) -> int:
        """The action HEFT's plan takes now (the expert that imitation learning copies)."""
        advice = self.advisor.act(self._live())
        if advice is None:
            return self.slots * self.n_cores
        return self.visible.index(advice[0]) * self.n_cores + advice[1]

    def greedy_action(self) -> int:
        """The earliest-finish action among the visible tasks (the ``greedy`` baseline, on what is visible)."""
        return self._fallback()

    # ------------------------------------------------------------------ results
    def summary(self) -> dict[str, float]:
        """Makespan, schedule length ratio, mean job latency, deadline misses of the (finished) episode."""
        d = self._live()
        latency = d.job_latency()
        return {
            "makespan_cycles": d.makespan,
            "slr": d.makespan / self.makespan_bound,
            "mean_latency_cycles": float(np.nanmean(latency)),
            "mean_normalised_latency": float(np.nanmean(latency / d.bound)),
            "deadline_misses": float(d.deadline_misses()),
            "jobs": float(len(d.jobs)),
            "tasks": float(d.n),
        }

    def schedule(self, scheduler: str = "") -> dict[str, Any]:
        """The episode's schedule in the ``schedule`` form ``archsim plot schedule`` draws (cycles)."""
        d = self._live()
        names = self.scenario.core_names()
        cores: list[dict[str, Any]] = [{"core": name, "tasks": []} for name in names]
        for p in d.placements():
            cores[p.core]["tasks"].append(
                {
                    "name": f"{d.jobs[p.job].name}#{p.job}:{p.local}",
                    "job": p.job,
                    "ready": p.ready,
                    "start": p.start,
                    "compute_start": p.start,
                    "compute_end": p.finish,
                }
            )
        return {
            "cores": cores,
            "transfers": [],
            "makespan_cycles": d.makespan,
            "scheduler": scheduler,
            "fusion": "none",
        }

    # ------------------------------------------------------------------ internals
    def _live(self) -> Dispatcher:
        if self.dispatcher is None:
            raise RuntimeError("call reset() before step()")
        return self.dispatcher

    def _fallback(self) -> int:
        """The earliest-finish (task, core) among the visible ready tasks, as an action."""
        d = self._live()
        free = d.expected_free()
        best = min(
            (
                (float(d.expected_finish(t, free).min()), k, int(np.argmin(d.expected_finish(t, free))))
                for k, t in enumerate(self.visible)
            ),
        )
        return best[1] * self.n_cores + best[2]

    def _progress_terms(self, d: Dispatcher) -> dict[str, float]:
        grown = d.makespan - self.last_makespan
        self.last_makespan = d.makespan
        terms = {"makespan": -grown / self.makespan_bound, "latency": 0.0, "deadline": 0.0}
        jobs = len(d.jobs)
        for k in np.flatnonzero(~np.isnan(d.job_finish)):
            if int(k) in self.counted_jobs:
                continue
            self.counted_jobs.add(int(k))
            terms["latency"] -= float((d.job_finish[k] - d.arrival[k]) / d.bound[k]) / jobs
            terms["deadline"] -= float(d.job_finish[k] > d.deadline[k]) / jobs
        return terms

    def _observation(self) -> np.ndarray:
        d = self._live()
        obs = np.zeros(self.observation_space.shape, dtype=np.float64)
        width = slot_width(self.n_cores)
        self.visible: list[int] = []
        if not d.done:
            advice = self.advisor.act(d)
            core_of = self.advisor.core_of
            advised = [t for t in d.ready if self.advisor.next_on(d, core_of[t]) == t]
            self.visible = (advised + [t for t in d.ready if t not in advised])[: self.slots]
            free = d.expected_free()
            finish = np.array([d.expected_finish(task, free) for task in self.visible])
            p = self.n_cores
            for k, task in enumerate(self.visible):
                row = obs[k * width : (k + 1) * width]
                row[0] = 1.0
                row[1] = d.rank[task] / self.scale
                row[2] = float(task in advised)
                row[3 : 3 + p] = (finish[k] - finish.min()) / self.scale
                row[3 + p : 3 + 2 * p] = d.expected[task] / self.scale
                row[3 + 2 * p + core_of[task]] = 1.0
            tail = self.slots * width
            obs[tail : tail + p] = (free - d.now) / self.scale
            later = [a for a in d.arrival if a > d.now]
            obs[-4] = float(advice is None)
            obs[-3] = (d.n - d.assigned) / d.n
            obs[-2] = max(0, len(d.ready) - self.slots) / self.slots
            obs[-1] = (min(later) - d.now) / self.scale if later else 0.0
        return np.clip(np.log1p(np.maximum(obs, 0.0)), 0.0, OBS_CLIP).astype(np.float32)


__all__ = ["DEFAULT_WEIGHTS", "SocScheduleEnv", "slot_width"]
