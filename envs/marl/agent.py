"""``marl-ppo``: independent PPO learners, one per sub-system, searching through the study runner.

Same storage, budget and resume semantics as the single-agent ``ppo``: every joint design
is one trial of the study, the run stops the moment the budget is spent, and a resumed
run replays the (deterministic) training from the start, reading stored trials instead
of evaluating them again.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import gymnasium as gym

from archsim.errors import InputError
from envs.agents.base import Agent
from envs.agents.rl import PPO_DEFAULTS, PPO_RANGES

if TYPE_CHECKING:
    from envs.runner import Study


def parse_split(text: str) -> dict[str, list[str]]:
    """``core=rows+cols+dataflow,memory=dram_bw`` as ``{agent: [knob, ...]}`` (InputError naming the format)."""
    out: dict[str, list[str]] = {}
    for part in filter(None, (p.strip() for p in text.split(","))):
        agent, sep, knobs = part.partition("=")
        if not sep or not agent.strip() or not knobs.strip():
            raise InputError.option(
                "agent marl-ppo", "--param split", f"expected AGENT=KNOB+KNOB,AGENT=KNOB..., got {text!r}"
            )
        out[agent.strip()] = [k.strip() for k in knobs.split("+") if k.strip()]
    return out


class MarlPpoAgent(Agent):
    """Independent PPO over the multi-agent form of the study's one-design env (one learner per agent).

    Parameters: the ``ppo`` agent's (each learner's PPO hyperparameters) and ``split``: who owns which
    knobs, ``{agent: [knob, ...]}`` or ``AGENT=KNOB+KNOB,...`` (default: the space's known split or the
    ``core<i>_``/``network``/``memory`` convention, :mod:`envs.marl.split`).
    """

    name = "marl-ppo"
    defaults = {**PPO_DEFAULTS, "split": None}  # noqa: RUF012
    ranges = PPO_RANGES

    def search(self, study: Study, env_id: str, env_kwargs: Mapping[str, Any]) -> None:
        """Train the learners in the study's env until its budget is spent (holding the study alone)."""
        try:
            from envs.marl.env import DesignParallelEnv
            from envs.marl.ippo import IndependentPpo
        except ImportError as exc:
            raise InputError(
                f"agent marl-ppo: needs pettingzoo ({exc.name} is missing); pip install 'archsim[marl]'"
            ) from None
        from envs.dse import DesignEnv

        params = dict(self.params)
        split = params.pop("split")
        if isinstance(split, str):
            split = parse_split(split)
        study.own_alone(self.name)
        env = gym.make(env_id, **{**env_kwargs, "evaluator": study.as_evaluator()}).unwrapped
        if not isinstance(env, DesignEnv):
            detail = f"needs a one-design env (a ...DSE-v0 id or CoSearch-v0), not {env_id}"
            raise InputError.option("agent marl-ppo", "--agent marl-ppo", detail)
        trainer = IndependentPpo(DesignParallelEnv(env, split), self.seed, params)
        trainer.learn(study.remaining, should_stop=lambda: study.done)
        env.close()


__all__ = ["MarlPpoAgent", "parse_split"]
