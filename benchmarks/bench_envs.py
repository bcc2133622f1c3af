"""Env throughput: steps per second of every DSE env on one core (random actions).

Run: ``python benchmarks/bench_envs.py [--steps 20000] [--workload resnet18] [--json FILE]``.

Reported per env: the time to build it, steps/s through ``gymnasium.make`` (with
Gymnasium's checker and order wrappers) when the space is precomputed (vectorised
simulator, the fast path), and steps/s from a cold evaluator (every new design
simulated on demand, repeats served from the cache). The target is >= 2,000 steps/s
for ``archsim/SystolicDSE-v0`` on ResNet-18.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import gymnasium as gym

import envs
from envs.catalog import get_space
from envs.evaluate import SimulatorEvaluator
from envs.spaces import HardwareSpace
from workloads.registry import load_workload

PRECOMPUTED_SPACES = {"systolic": "systolic-bench", "fpga": "fpga", "npu": "npu"}
"""Space each family is precomputed on (the default systolic space, 140k designs, takes ~30 s to tabulate)."""


@dataclass
class Args:
    """Command-line options."""

    steps: int = 20_000
    """Env steps per precomputed measurement."""
    cold_steps: int = 300
    """Env steps per cold measurement (each new design is simulated)."""
    workload: str = "resnet18"
    """Workload of every env."""
    json: Path | None = None
    """Also write the rows as JSON here."""


@dataclass
class Row:
    """One measurement."""

    env: str
    space: str
    mode: str
    build_s: float
    steps: int
    steps_per_s: float


def run_steps(env: gym.Env[Any, Any], steps: int, seed: int = 0) -> float:
    """Seconds for ``steps`` random steps (actions drawn beforehand)."""
    env.reset(seed=seed)
    env.action_space.seed(seed)
    actions = [env.action_space.sample() for _ in range(steps)]
    start = time.perf_counter()
    for action in actions:
        _, _, terminated, truncated, _ = env.step(action)
        if terminated or truncated:
            env.reset()
    return time.perf_counter() - start


def measure(env_id: str, space: str, args: Args, precompute: bool) -> Row:
    """Build the env (fresh evaluator, so nothing is cached from another row) and time its steps."""
    start = time.perf_counter()
    kwargs: dict[str, Any] = {"space": space, "workload": args.workload}
    spec = get_space(space)
    assert isinstance(spec, HardwareSpace)
    kwargs["evaluator"] = SimulatorEvaluator(spec, load_workload(args.workload))
    env = gym.make(env_id, precompute=precompute, **kwargs)
    build = time.perf_counter() - start
    steps = args.steps if precompute else args.cold_steps
    seconds = run_steps(env, steps)
    mode = "precomputed" if precompute else "cold"
    return Row(env_id, space, mode, round(build, 3), steps, round(steps / seconds, 1))


def main() -> None:
    """Measure every registered env, print a table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    for name, default in asdict(Args()).items():
        kind = Path if name == "json" else type(default)
        parser.add_argument(f"--{name.replace('_', '-')}", type=kind, default=default)
    args = Args(**vars(parser.parse_args()))
    rows: list[Row] = []
    for env_id in envs.env_ids():
        family = str(gym.spec(env_id).kwargs["space"])
        rows.append(measure(env_id, PRECOMPUTED_SPACES[family], args, precompute=True))
        rows.append(measure(env_id, family, args, precompute=False))
    print(f"workload {args.workload}, pid {os.getpid()}, one process")
    print(f"{'env':<28}{'space':<16}{'mode':<13}{'build_s':>9}{'steps':>8}{'steps/s':>11}")
    for r in rows:
        print(f"{r.env:<28}{r.space:<16}{r.mode:<13}{r.build_s:>9.2f}{r.steps:>8}{r.steps_per_s:>11.0f}")
    if args.json:
        args.json.write_text(json.dumps([asdict(r) for r in rows], indent=2))


if __name__ == "__main__":
    main()
