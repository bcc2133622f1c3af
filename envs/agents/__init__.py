"""Search agents behind one interface, registered by name (heavy libraries load only when used)."""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from typing import Any

from archsim.errors import InputError, did_you_mean
from envs.agents.base import Agent, AskTellAgent

AGENTS: dict[str, str] = {
    "random": "envs.agents.simple:RandomAgent",
    "exhaustive": "envs.agents.simple:ExhaustiveAgent",
    "ga": "envs.agents.genetic:GeneticAgent",
    "bo": "envs.agents.bayes:TpeAgent",
    "gp": "envs.agents.bayes:GpAgent",
    "nsga2": "envs.agents.bayes:Nsga2Agent",
    "ppo": "envs.agents.rl:PpoAgent",
    "a2c": "envs.agents.rl:A2cAgent",
    "dqn": "envs.agents.rl:DqnAgent",
    "marl-ppo": "envs.marl.agent:MarlPpoAgent",
}
"""Agent name -> import path of its class."""


def check_agent_name(name: str) -> None:
    """Raise ``InputError`` (one line, with a did-you-mean hint) unless ``name`` is a registered agent."""
    if name not in AGENTS:
        hint = did_you_mean(name, AGENTS)
        raise InputError.option("agent", "--agent", f"unknown agent {name!r}{hint}; allowed: {', '.join(AGENTS)}")


def agent_class(name: str) -> type[Agent]:
    """The class of agent ``name``."""
    check_agent_name(name)
    module, _, attr = AGENTS[name].partition(":")
    return getattr(importlib.import_module(module), attr)


def make_agent(name: str, seed: int, params: Mapping[str, Any] | None = None) -> Agent:
    """A ready agent with its hyperparameters (unknown ones raise InputError)."""
    return agent_class(name)(seed, params or {})


__all__ = ["AGENTS", "Agent", "AskTellAgent", "agent_class", "make_agent"]
