"""Every agent spends exactly its budget, deterministically, on the stand-in space."""

from __future__ import annotations

from pathlib import Path

import pytest
from toy import TOY_SPACE, toy_evaluator

from archsim.errors import InputError
from envs.agents import AGENTS, make_agent
from envs.runner import SearchConfig, run_search
from envs.storage import Storage

BUDGETS = {"gp": 14}
"""The GP sampler costs about half a second per trial."""


def search(tmp_path: Path, agent: str, seed: int, budget: int, env_id: str = "archsim/SystolicDSE-v0", **kw: object):
    tmp_path.mkdir(parents=True, exist_ok=True)
    config = SearchConfig(
        env_id,
        agent,
        budget,
        seed=seed,
        env_kwargs={"space": TOY_SPACE},
        storage=f"sqlite:///{tmp_path / f'{agent}-{seed}.db'}",
        **kw,  # type: ignore[arg-type]
    )
    return run_search(config, toy_evaluator, progress=False)


@pytest.mark.parametrize("agent", sorted(AGENTS))
def test_agent_spends_budget_and_is_deterministic(tmp_path: Path, agent: str) -> None:
    budget = BUDGETS.get(agent, 40)
    first = search(tmp_path / "a", agent, 7, budget)
    second = search(tmp_path / "b", agent, 7, budget)
    assert first.evaluations == budget
    assert first.best is not None and first.best_reward is not None
    assert first.to_json()["best"] == second.to_json()["best"]
    assert [p["design"] for p in first.pareto] == [p["design"] for p in second.pareto]
    trials_a = Storage(f"sqlite:///{tmp_path / 'a' / f'{agent}-7.db'}").load(first.study)
    trials_b = Storage(f"sqlite:///{tmp_path / 'b' / f'{agent}-7.db'}").load(second.study)
    assert [t.point for t in trials_a] == [t.point for t in trials_b]
    assert [t.trial_id for t in trials_a] == list(range(budget))


@pytest.mark.parametrize("agent", ["ppo", "dqn", "ga"])
def test_agents_run_in_the_sequential_env(tmp_path: Path, agent: str) -> None:
    result = search(tmp_path, agent, 1, 15, env_id="archsim/SystolicDSESeq-v0")
    assert result.evaluations == 15


def test_exhaustive_finds_the_optimum_and_stops_at_the_space_size(tmp_path: Path) -> None:
    result = search(tmp_path, "exhaustive", 0, TOY_SPACE.size + 50)
    assert result.evaluations == TOY_SPACE.size
    evaluator = toy_evaluator()
    rewards = []
    for point in TOY_SPACE.points():
        metrics = evaluator.evaluate(point)
        if metrics.valid:
            rewards.append(-metrics.edp_js)
    assert result.best is not None
    assert result.best["metrics"]["edp_js"] == pytest.approx(-max(rewards))


def test_random_never_repeats_a_design(tmp_path: Path) -> None:
    search(tmp_path, "random", 2, 100)
    trials = Storage(f"sqlite:///{tmp_path / 'random-2.db'}").load(search(tmp_path, "random", 2, 100).study)
    assert len({t.point for t in trials}) == 100


def test_learning_agents_beat_random_on_average(tmp_path: Path) -> None:
    def mean_best(agent: str) -> float:
        return sum(search(tmp_path / agent, agent, s, 60).best_reward for s in range(3)) / 3  # type: ignore[misc]

    assert mean_best("bo") >= mean_best("random")


def test_nsga2_optimises_two_objectives(tmp_path: Path) -> None:
    config_kw = {"objectives": {"latency": 1.0, "area": 1.0}}
    config = SearchConfig(
        "archsim/SystolicDSE-v0",
        "nsga2",
        48,
        seed=0,
        env_kwargs={"space": TOY_SPACE, **config_kw},
        storage=f"sqlite:///{tmp_path / 'n.db'}",
    )
    result = run_search(config, toy_evaluator, progress=False)
    assert result.evaluations == 48 and len(result.pareto) >= 2


def test_unknown_agent_or_parameter_is_input_error() -> None:
    with pytest.raises(InputError, match="unknown agent 'sarsa'"):
        make_agent("sarsa", 0)
    with pytest.raises(InputError, match="unknown parameter 'popsize'; allowed: population"):
        make_agent("ga", 0, {"popsize": 3})


@pytest.mark.parametrize(
    ("agent", "params"),
    [("ga", {"population": 2, "mutation": 0, "crossover": 1}), ("nsga2", {"mutation_prob": None}),
     ("nsga2", {"mutation_prob": 1}), ("ppo", {"learning_rate": 1, "gamma": 0.0}), ("dqn", {"learning_starts": 0})],
)  # fmt: skip
def test_parameters_at_their_bounds_are_accepted(agent: str, params: dict[str, object]) -> None:
    assert make_agent(agent, 0, params).params == {**make_agent(agent, 0).params, **params}
