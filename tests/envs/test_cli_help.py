"""``archsim search --help`` names every value the search accepts (objectives, accuracy evaluators, families)."""

from __future__ import annotations

import argparse

import pytest

from archsim.cli import build_parser
from envs import llm
from envs.cosearch import terms
from envs.cosearch.env import accuracy_evaluator
from envs.rewards import OBJECTIVES
from envs.soc.env import DEFAULT_WEIGHTS
from workloads.registry import families

REGISTERING = (llm, terms)
"""Modules whose import adds objectives (LLM serving, accuracy) to :data:`envs.rewards.OBJECTIVES`."""


def search_help(option: str) -> str:
    """The help text of one ``archsim search`` option, unwrapped."""
    parser = build_parser()
    commands = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    action = next(a for a in commands.choices["search"]._actions if option in a.option_strings)
    return str(action.help)


def test_objective_help_names_every_reward_term_and_soc_weight() -> None:
    text = search_help("--objective")
    missing = [name for name in [*OBJECTIVES, *DEFAULT_WEIGHTS] if name not in text]
    assert not missing, f"--objective help omits {missing}: {text}"


@pytest.mark.parametrize("name", ["proxy", "llm-perplexity"])
def test_accuracy_help_names_each_built_in_evaluator_and_it_is_accepted(name: str) -> None:
    assert f"'{name}'" in search_help("--accuracy")
    assert callable(accuracy_evaluator(name, "llm" if name == "llm-perplexity" else "ofa_mbv2").evaluate)


def test_workload_help_names_every_cosearch_family() -> None:
    text = search_help("--workload")
    assert all(family in text for family in families()), text
