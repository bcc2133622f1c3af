"""SocSchedule-v0: maskable PPO vs HEFT, PEFT, earliest-finish greedy and random, clean and noisy.

Prints (and writes as JSON) three tables, medians over seeds with the spread (min..max):
1. schedule length ratio (makespan / critical-path bound) on random HEFT-style DAGs per size
   class on a 5-core heterogeneous SoC, clean and with +-20 % execution-time noise;
2. a stream of zoo requests (ResNet-18 / MobileNetV2 / BERT-base layers priced on the
   system-soc5 preset): mean job latency (over the job's critical-path bound) and deadline misses;
3. env steps/s and the training seconds until PPO's training SLR (rolling median of 100
   episodes) first reaches HEFT's median on the training distribution.
One PPO policy per seed is trained on 20-task graphs with noise (and one per seed on the zoo
stream); the larger size classes test how the policy carries over.

    for s in 0 1 2 3 4; do python benchmarks/bench_soc.py --part dag --seeds 1 --first-seed $s \
        --instances 20 --dag-steps 15000 --json dag$s.json & done; wait
    python benchmarks/bench_soc.py --merge dag0.json dag1.json dag2.json dag3.json dag4.json
    python benchmarks/bench_soc.py --part zoo --seeds 5 --zoo-steps 8000 --zoo-instances 8
"""

from __future__ import annotations

import argparse
import json
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from envs.soc.agent import evaluate_baseline, evaluate_model, steps_per_second, train_maskable_ppo

BASELINES = ("heft", "peft", "greedy", "random")


@dataclass
class Args:
    """Benchmark size."""

    seeds: int = 5
    """Training seeds of PPO (baselines: the same evaluation episodes)."""
    first_seed: int = 0
    """First PPO seed (run seeds in separate processes, then ``--merge`` their JSON files)."""
    instances: int = 20
    """Evaluation DAGs per size class and condition."""
    sizes: str = "20,50,100"
    """Task counts of the size classes."""
    noise: float = 0.2
    """Execution-time noise of the noisy condition (and of training)."""
    dag_steps: int = 15000
    """PPO env steps per seed on random DAGs."""
    zoo_steps: int = 10000
    """PPO env steps per seed on the zoo stream."""
    zoo_jobs: int = 4
    """Requests per zoo episode."""
    zoo_instances: int = 10
    """Zoo evaluation episodes."""
    zoo_spacing: float = 0.25
    """Mean gap between requests, in units of the mean request's critical-path bound."""
    zoo_slack: float = 2.0
    """Deadline: arrival + slack x the request's critical-path bound."""
    policy: str = "pairs"
    """PPO actor: pairs (shared pair scorer) or mlp (SB3's MlpPolicy)."""
    json: str = ""
    """Write the results here too."""


def spread(values: list[float]) -> dict[str, float]:
    """Median, min and max."""
    return {"median": float(np.median(values)), "min": float(np.min(values)), "max": float(np.max(values))}


def cell(s: dict[str, float], digits: int = 3) -> str:
    """``median (min..max)``."""
    return f"{s['median']:.{digits}f} ({s['min']:.{digits}f}..{s['max']:.{digits}f})"


def seconds_to_level(history: list[tuple[float, float]], level: float, window: int = 100) -> float | None:
    """Training seconds when the rolling median SLR of ``window`` episodes first reaches ``level``."""
    slrs = [s for _, s in history]
    for k in range(window, len(slrs) + 1):
        if np.median(slrs[k - window : k]) <= level:
            return history[k - 1][0]
    return None


def train(
    kwargs: dict[str, Any], steps: int, seed: int, policy: str = "pairs"
) -> tuple[Any, list[tuple[float, float]], float]:
    """A policy, its (seconds, SLR) per training episode, and the training seconds."""
    history: list[tuple[float, float]] = []
    began = time.perf_counter()
    model = train_maskable_ppo(
        kwargs,
        steps,
        seed,
        {"policy": policy},
        on_episode=lambda s: history.append((time.perf_counter() - began, s["slr"])) or True,
    )
    return model, history, time.perf_counter() - began


def dag_figures(args: Args) -> dict[str, Any]:
    """Table 1 and the DAG rows of table 3."""
    sizes = [int(s) for s in args.sizes.split(",")]
    train_kwargs = {"source": "random", "tasks": [sizes[0]], "noise": args.noise}
    eval_seeds = list(range(10_000, 10_000 + args.instances))
    heft_level = float(np.median([r["slr"] for r in evaluate_baseline("heft", train_kwargs, range(500, 700))]))
    models, reach, train_s = [], [], []
    for seed in range(args.first_seed, args.first_seed + args.seeds):
        model, history, seconds = train(train_kwargs, args.dag_steps, seed, args.policy)
        models.append(model)
        reach.append(seconds_to_level(history, heft_level))
        train_s.append(seconds)
        print(
            f"dag seed {seed}: trained {seconds:.0f} s, {len(history)} episodes, reached HEFT at {reach[-1]}",
            flush=True,
        )
    table: dict[str, Any] = {}
    for size in sizes:
        for noise in (0.0, args.noise):
            kwargs = {"source": "random", "tasks": [size], "noise": noise}
            row: dict[str, Any] = {}
            for name in BASELINES:
                row[name] = spread([r["slr"] for r in evaluate_baseline(name, kwargs, eval_seeds)])
            heft = np.array([r["slr"] for r in evaluate_baseline("heft", kwargs, eval_seeds)])
            ppo = [np.array([r["slr"] for r in evaluate_model(m, kwargs, eval_seeds)]) for m in models]
            row["ppo_per_seed"] = [float(np.median(p)) for p in ppo]
            row["ppo_over_heft_per_seed"] = [float(np.median(p / heft)) for p in ppo]
            row["ppo"] = spread(row["ppo_per_seed"])
            row["ppo_over_heft"] = spread(row["ppo_over_heft_per_seed"])
            table[f"{size} tasks, noise {noise:.0%}"] = row
            print(size, noise, {k: round(v["median"], 3) for k, v in row.items() if "per_seed" not in k}, flush=True)
    return {
        "slr": table,
        "train_seconds_per_seed": train_s,
        "train_seconds": spread(train_s),
        "heft_training_level": heft_level,
        "seconds_to_heft": [r for r in reach],
        "steps_per_s": steps_per_second(train_kwargs),
    }


def zoo_figures(args: Args) -> dict[str, Any]:
    """Table 2 and the zoo rows of table 3: one policy per seed trained on the noisy stream, evaluated on both."""
    base = {"source": "zoo", "jobs": args.zoo_jobs, "spacing": args.zoo_spacing, "slack": args.zoo_slack}
    train_kwargs = {**base, "noise": args.noise}
    seeds = list(range(20_000, 20_000 + args.zoo_instances))
    heft_level = float(np.median([r["slr"] for r in evaluate_baseline("heft", train_kwargs, range(600, 640))]))
    models, reach, secs = [], [], []
    for seed in range(args.first_seed, args.first_seed + args.seeds):
        model, history, seconds = train(train_kwargs, args.zoo_steps, seed, args.policy)
        models.append(model)
        reach.append(seconds_to_level(history, heft_level, window=10))
        secs.append(seconds)
        print(
            f"zoo seed {seed}: trained {seconds:.0f} s, {len(history)} episodes, reached HEFT at {reach[-1]}",
            flush=True,
        )
    out: dict[str, Any] = {"train_seconds": spread(secs), "heft_training_slr": heft_level, "seconds_to_heft": reach}
    for noise in (0.0, args.noise):
        kwargs = {**base, "noise": noise}
        row: dict[str, Any] = {}
        for name in BASELINES:
            runs = evaluate_baseline(name, kwargs, seeds)
            row[name] = {
                "latency": spread([r["mean_normalised_latency"] for r in runs]),
                "misses": spread([r["deadline_misses"] / r["jobs"] for r in runs]),
            }
        per_seed = [evaluate_model(m, kwargs, seeds) for m in models]
        row["ppo"] = {
            "latency": spread([float(np.median([r["mean_normalised_latency"] for r in runs])) for runs in per_seed]),
            "misses": spread([float(np.median([r["deadline_misses"] / r["jobs"] for r in runs])) for runs in per_seed]),
        }
        out[f"noise {noise:.0%}"] = {"table": row}
        print("zoo", noise, {k: round(v["latency"]["median"], 3) for k, v in row.items()}, flush=True)
    out["steps_per_s"] = steps_per_second(base)
    return out


def merge_dag(paths: list[str]) -> dict[str, Any]:
    """The DAG results of several single-seed runs as one (spreads over all their seeds)."""
    parts = [json.loads(Path(p).read_text())["dag"] for p in paths]
    merged = parts[0]
    for key, row in merged["slr"].items():
        for name in ("ppo", "ppo_over_heft"):
            row[f"{name}_per_seed"] = [v for part in parts for v in part["slr"][key][f"{name}_per_seed"]]
            row[name] = spread(row[f"{name}_per_seed"])
    merged["train_seconds_per_seed"] = [v for part in parts for v in part["train_seconds_per_seed"]]
    merged["train_seconds"] = spread(merged["train_seconds_per_seed"])
    merged["seconds_to_heft"] = [v for part in parts for v in part["seconds_to_heft"]]
    merged["steps_per_s"] = spread([part["steps_per_s"] for part in parts])["median"]
    return merged


def main() -> None:
    """Run both parts, print tables, optionally write JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--part", choices=("dag", "zoo", "both"), default="both")
    parser.add_argument("--merge", nargs="+", help="print the DAG tables of these single-seed JSON files as one")
    for name, default in asdict(Args()).items():
        parser.add_argument(f"--{name.replace('_', '-')}", type=type(default), default=default)
    ns = vars(parser.parse_args())
    part = ns.pop("part")
    merge = ns.pop("merge")
    args = Args(**ns)
    result: dict[str, Any] = {"args": asdict(args)}
    if merge:
        result["dag"] = merge_dag(merge)
        part = "dag"
    elif part in ("dag", "both"):
        result["dag"] = dag_figures(args)
    if part in ("dag", "both"):
        print("\nSLR on random DAGs, 5-core heterogeneous SoC (median over seeds, min..max)")
        for key, row in result["dag"]["slr"].items():
            print(f"{key:<24}" + "  ".join(f"{k} {cell(v)}" for k, v in row.items() if "per_seed" not in k))
        print(f"env steps/s {result['dag']['steps_per_s']:.0f}; training s {cell(result['dag']['train_seconds'], 0)}")
        dag = result["dag"]
        print(f"seconds to HEFT's training SLR {dag['heft_training_level']:.3f}: {dag['seconds_to_heft']}")
    if part in ("zoo", "both"):
        result["zoo"] = zoo_figures(args)
        for key, block in result["zoo"].items():
            if not key.startswith("noise"):
                continue
            print(f"\nzoo stream, {key}: mean latency / bound, deadline-miss share")
            for name, row in block["table"].items():
                print(f"{name:<8} latency {cell(row['latency'])}  misses {cell(row['misses'])}")
        zoo = result["zoo"]
        print(f"zoo env steps/s {zoo['steps_per_s']:.0f}; training s {cell(zoo['train_seconds'], 0)}")
        print(f"seconds to HEFT's training SLR {zoo['heft_training_slr']:.3f}: {zoo['seconds_to_heft']}")
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
