"""Command-line arguments of ``archsim search --env archsim/SocSchedule-v0`` turned into a :class:`SocRun`."""

from __future__ import annotations

import argparse
from typing import Any

from archsim.commands.pairs import parse_pairs, parse_scalar
from archsim.errors import InputError
from envs.soc.run import ENV_ID, SocResult, SocRun, run_soc
from envs.storage import DEFAULT_STORAGE

LIST_ARGS = ("tasks", "networks")
"""Scenario arguments that take a list (comma-separated on the command line)."""


def split_networks(text: str) -> list[str]:
    """Comma-separated workloads, where an LLM or family spec keeps its own commas: a piece with ``=`` and no
    ``:`` (``prompt=128``) continues the spec before it (``qwen2.5-0.5b:phase=prefill,prompt=128``)."""
    networks: list[str] = []
    for piece in (p.strip() for p in text.split(",")):
        if not piece:
            continue
        if networks and "=" in piece and ":" not in piece and ":" in networks[-1]:
            networks[-1] += f",{piece}"
        else:
            networks.append(piece)
    return networks


def env_kwargs_of(args: argparse.Namespace) -> dict[str, Any]:
    """Env arguments from ``--env-arg``, ``--workload`` (zoo networks) and ``--objective`` (reward weights)."""
    kwargs: dict[str, Any] = {}
    for item in args.env_arg:
        name, _, raw = item.partition("=")
        if name.strip() == "networks":
            kwargs["networks"] = split_networks(raw)
        elif name.strip() in LIST_ARGS:
            kwargs[name.strip()] = [parse_scalar(v) for v in raw.split(",") if v.strip()]
        else:
            kwargs.update(parse_pairs([item], "--env-arg"))
    if args.workload:
        kwargs.setdefault("source", "zoo")
        kwargs["networks"] = split_networks(args.workload)
    if args.objective:
        given = parse_pairs(args.objective, "--objective", numeric=True)
        kwargs["weights"] = {"makespan": 0.0, "latency": 0.0, "deadline": 0.0, **given}
    for option in ("space", "constraint", "ray_address", "eval_timeout"):
        if getattr(args, option):
            raise InputError(f"--{option.replace('_', '-')}: not used by {ENV_ID} (scenario arguments go in --env-arg)")
    if args.workers != 1:
        raise InputError(f"--workers: {ENV_ID} runs its episodes in one process (got {args.workers})")
    return kwargs


def run_from_args(args: argparse.Namespace) -> SocResult:
    """Run or resume the study the command line describes."""
    if args.budget is None:
        raise InputError(f"--budget: required for {ENV_ID} (episodes)")
    run = SocRun(
        agent=args.agent,
        budget=args.budget,
        seed=args.seed,
        env_kwargs=env_kwargs_of(args),
        agent_kwargs=parse_pairs(args.param, "--param"),
        storage=args.storage or DEFAULT_STORAGE,
        study=args.study,
    )
    return run_soc(run)


__all__ = ["env_kwargs_of", "run_from_args", "split_networks"]
