"""SoC scheduling where cores cannot run every task: baselines, plans, the bound and the env's masks respect it."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env
from support.restricted import restricted_problem

from archsim.errors import InputError
from envs.soc import SocScheduleEnv
from envs.soc.scenario import SocScenario
from mappers.multicore.heft import heft
from mappers.multicore.problem import SchedulingProblem
from mappers.soc import (
    BASELINES,
    Dispatcher,
    Job,
    critical_path_bound,
    make_baseline,
    random_task_graph,
    run_policy,
)
from mappers.soc.jobs import zoo_task_graph
from mappers.soc.plans import exact_plan, heft_plan, peft_plan

VGG_ON_SOC = {"source": "zoo", "system": "system-soc5", "networks": ["vgg16"], "jobs": 2}
"""VGG-16's first layers need more activation SRAM than the SoC's Ethos-U55 core has."""


def on_allowed_cores(d: Dispatcher) -> bool:
    return all(np.isfinite(d.expected[v, int(d.core_of[v])]) for v in range(d.n))


@pytest.mark.parametrize("name", sorted(BASELINES))
@pytest.mark.parametrize("seed", range(3))
def test_every_baseline_keeps_tasks_on_cores_that_can_run_them(name: str, seed: int) -> None:
    jobs = [Job("j", restricted_problem(seed, 14, 3))]
    if name != "exact":
        jobs += [Job(f"j{k}", restricted_problem(seed + 10 * k, 10, 3), arrival=60.0 * k) for k in (1, 2)]
    d = run_policy(Dispatcher(jobs, noise=0.0 if name == "exact" else 0.2, seed=seed), make_baseline(name, seed))
    assert d.done and on_allowed_cores(d)


@pytest.mark.parametrize("seed", range(4))
def test_plans_on_idle_cores_agree_with_the_multicore_schedulers(seed: int) -> None:
    problem = restricted_problem(seed, 14, 3)
    plan = heft_plan(problem, np.zeros(3))
    assert plan.core == heft(problem).core
    peft = peft_plan(problem, np.zeros(3))
    exact, _ = exact_plan(problem, time_limit=20)
    for allocation in (plan, peft, exact):
        assert all(problem.allowed[u][allocation.core[u]] for u in range(problem.n))
    d = run_policy(Dispatcher([Job("j", problem)]), make_baseline("heft"))
    assert d.makespan == plan.makespan  # a noiseless replay ends when the plan does


def test_the_bound_takes_each_tasks_fastest_core_that_can_run_it() -> None:
    problem = restricted_problem(0, 14, 3)
    fastest = [
        min(d for d, ok in zip(row, can, strict=True) if ok)
        for row, can in zip(problem.duration, problem.allowed, strict=True)
    ]
    longest = [0] * problem.n
    for v in range(problem.n):
        longest[v] = fastest[v] + max((longest[u] for u in problem.preds[v]), default=0)
    assert critical_path_bound(problem) == max(longest)
    assert critical_path_bound(problem) > max(min(row) for row in problem.duration)  # 0 on refused cores


def test_the_dispatcher_refuses_a_task_on_a_core_that_cannot_run_it() -> None:
    problem = SchedulingProblem(((5, 0), (4, 6)), (0, 0), ((), (0,)), False, ((True, False), (True, True)))
    d = Dispatcher([Job("j", problem)])
    assert d.cores_for(0) == [0] and d.cores_for(1) == [0, 1]
    with pytest.raises(ValueError, match="cannot run on core"):
        d.assign(0, 1)
    d.assign(0, 0)
    assert d.finish[0] == 5


def test_a_zoo_network_some_core_cannot_run_is_scheduled_on_the_others() -> None:
    problem = zoo_task_graph("vgg16", "system-soc5")
    assert problem.allowed is not None
    refused = {c for row in problem.allowed for c, ok in enumerate(row) if not ok}
    assert refused == {3}  # npu-u55, the fourth core of system-soc5
    for name in ("heft", "peft", "greedy", "random"):
        d = run_policy(Dispatcher([Job("vgg", problem)], noise=0.1), make_baseline(name))
        assert on_allowed_cores(d)


def test_the_env_masks_the_cores_a_task_cannot_run_on() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        check_env(SocScheduleEnv(**VGG_ON_SOC), skip_render_check=True)
    env = SocScheduleEnv(**VGG_ON_SOC)
    obs, _ = env.reset(seed=0)
    rng = np.random.default_rng(0)
    masked = 0
    done = False
    while not done:
        mask = env.action_masks()
        d = env.dispatcher
        for k, task in enumerate(env.visible):
            cores = mask[k * env.n_cores : (k + 1) * env.n_cores]
            assert list(np.flatnonzero(cores)) == d.cores_for(task)
            masked += int((~cores).sum())
        assert np.all(np.isfinite(obs)) and obs.max() <= 30.0
        obs, _, done, _, _ = env.step(np.int64(rng.choice(np.flatnonzero(mask))))
    assert masked > 0 and on_allowed_cores(env.dispatcher)
    env.reset(seed=1)
    while all(len(env.dispatcher.cores_for(t)) == env.n_cores for t in env.visible):
        env.step(np.int64(env.greedy_action()))
    slot = next(k for k, t in enumerate(env.visible) if len(env.dispatcher.cores_for(t)) < env.n_cores)
    refused = next(c for c in range(env.n_cores) if c not in env.dispatcher.cores_for(env.visible[slot]))
    _, _, _, _, info = env.step(np.int64(slot * env.n_cores + refused))
    assert info["reward_terms"]["invalid"] < 0 and on_allowed_cores_so_far(env.dispatcher)


def on_allowed_cores_so_far(d: Dispatcher) -> bool:
    return all(np.isfinite(d.expected[v, int(d.core_of[v])]) for v in range(d.n) if d.core_of[v] >= 0)


def test_random_graphs_with_refusals_keep_the_graph_and_costs_of_refuse_zero() -> None:
    plain = random_task_graph(np.random.default_rng(5), 40, 4)
    limited = random_task_graph(np.random.default_rng(5), 40, 4, refuse=0.4)
    assert plain.allowed is None and limited.allowed is not None
    assert limited.preds == plain.preds and limited.comm == plain.comm
    pairs = [(u, c) for u in range(40) for c in range(4)]
    assert all(limited.duration[u][c] == (plain.duration[u][c] if limited.allowed[u][c] else 0) for u, c in pairs)
    assert all(any(row) for row in limited.allowed)
    share = sum(not limited.allowed[u][c] for u, c in pairs) / len(pairs)
    assert 0.2 < share < 0.45  # 40% drawn, less the one core each task keeps


@pytest.mark.parametrize("name", ["heft", "peft", "greedy", "random"])
def test_a_refusing_random_scenario_runs_every_baseline_on_allowed_cores(name: str) -> None:
    scenario = SocScenario(tasks=(20, 30), jobs=3, refuse=0.3, noise=0.1)
    jobs = scenario.sample(np.random.default_rng(2))
    d = run_policy(Dispatcher(jobs, noise=0.1, seed=2), make_baseline(name, seed=2))
    assert d.done and on_allowed_cores(d)


def test_the_env_takes_refuse_and_rejects_a_bad_value() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        check_env(SocScheduleEnv(refuse=0.3, tasks=[15], jobs=2), skip_render_check=True)
    with pytest.raises(InputError, match=r"refuse must be in \[0, 1\)"):
        SocScheduleEnv(refuse=1.0)
