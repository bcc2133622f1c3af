"""SocSchedule-v0: HEFT-imitating then PPO-fine-tuned policy vs HEFT, PEFT, earliest-finish greedy and random.

Prints (and writes as JSON) three tables, medians over seeds with the spread (min..max):
1. schedule length ratio (makespan / critical-path bound) on random HEFT-style DAGs per size
   class on a 5-core heterogeneous SoC, clean and with +-20 % execution-time noise;
2. a stream of zoo requests (ResNet-18 / MobileNetV2 / BERT-base layers priced on the
   system-soc5 preset): mean job latency (over the job's critical-path bound) and deadline misses;
3. env steps/s, batched evaluation tasks/s, the seconds of imitation (demonstrations + fit) and
   of PPO fine-tuning, and the learning curves.
Per seed, one policy copies HEFT (``imitation_episodes`` demonstrations on 20-task graphs with
noise), is evaluated (``bc``), then fine-tuned by maskable PPO on the same distribution for
``dag_steps`` env steps and evaluated again (``ppo``).
The larger size classes test how the policies carry over. ``--imitation-episodes 0`` is PPO
from scratch.

    for s in 0 1 2; do python benchmarks/bench_soc.py --part dag --seeds 1 --first-seed $s \
        --json dag$s.json & done; wait
    python benchmarks/bench_soc.py --part zoo --seeds 2 --json zoo.json
    python benchmarks/bench_soc.py --merge dag0.json dag1.json dag2.json --merge-zoo zoo.json \
        --json envs/soc/measured.json    # the stored results notebook 10 draws
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from envs.soc.agent import evaluate_baseline, evaluate_model, keep_training, steps_per_second, train_maskable_ppo

BASELINES = ("heft", "peft", "greedy", "random")
LEARNED = ("bc", "ppo")
"""Policies per seed: imitation only, imitation then PPO fine-tuning."""


@dataclass
class Args:
    """Benchmark size."""

    seeds: int = 3
    """Training seeds (baselines: the same evaluation episodes)."""
    first_seed: int = 0
    """First seed (run seeds in separate processes, then ``--merge`` their JSON files)."""
    instances: int = 100
    """Evaluation DAGs per size class and condition (the issue's 100)."""
    sizes: str = "20,50,100"
    """Task counts of the size classes."""
    train_sizes: str = ""
    """Task counts the policies train on (drawn per episode); empty: the first size class."""
    noise: float = 0.2
    """Execution-time noise of the noisy condition (and of training)."""
    imitation_episodes: int = 200
    """HEFT demonstrations (episodes) before PPO; 0: PPO from scratch."""
    imitation_expert: str = "heft"
    """Expert copied on random DAGs: heft or greedy."""
    zoo_expert: str = "heft"
    """Expert copied on the zoo stream: heft or greedy."""
    dag_steps: int = 4000
    """PPO fine-tuning env steps per seed on random DAGs."""
    zoo_imitation_episodes: int = 20
    """Demonstrations (episodes) on the zoo stream."""
    zoo_steps: int = 2000
    """PPO fine-tuning env steps per seed on the zoo stream."""
    learning_rate: float = 3e-4
    """PPO learning rate when fine-tuning."""
    ent_coef: float = 0.003
    """PPO entropy bonus when fine-tuning."""
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


def policies(
    args: Args,
    kwargs: dict[str, Any],
    seed: int,
    imitation: int,
    expert: str,
    steps: int,
    evaluate: Callable[[Any], Any],
) -> dict[str, Any]:
    """Per seed: ``evaluate`` of the imitation-only policy (``bc``) and of the fine-tuned one (``ppo``),
    the seconds of each stage and the PPO training SLR per episode."""
    params: dict[str, Any] = {"policy": args.policy, "imitation_episodes": imitation, "imitation_expert": expert}
    if imitation > 0:
        params.update(learning_rate=args.learning_rate, ent_coef=args.ent_coef)
    out: dict[str, Any] = {}
    history: list[tuple[float, float]] = []
    began = time.perf_counter()
    model = train_maskable_ppo(kwargs, 0, seed, params)
    out["bc_seconds"] = time.perf_counter() - began
    if imitation > 0:
        out["bc_fit"] = model.imitation
        out["bc"] = evaluate(model)
    began = time.perf_counter()
    keep_training(model, steps, lambda s: history.append((time.perf_counter() - began, s["slr"])) or True)
    out["ppo_seconds"] = time.perf_counter() - began
    out["history"] = history
    out["ppo"] = evaluate(model)
    return out


def curve(history: list[tuple[float, float]], window: int) -> list[float]:
    """Median training SLR per block of ``window`` episodes (the learning curve)."""
    slrs = [s for _, s in history]
    return [float(np.median(slrs[k : k + window])) for k in range(0, len(slrs), window)]


def dag_figures(args: Args) -> dict[str, Any]:
    """Table 1 and the DAG rows of table 3."""
    sizes = [int(s) for s in args.sizes.split(",")]
    train_sizes = [int(s) for s in args.train_sizes.split(",")] if args.train_sizes else sizes[:1]
    train_kwargs = {"source": "random", "tasks": train_sizes, "noise": args.noise}
    eval_seeds = list(range(10_000, 10_000 + args.instances))
    conditions = {f"{size} tasks, noise {noise:.0%}": (size, noise) for size in sizes for noise in (0.0, args.noise)}
    heft_level = float(np.median([r["slr"] for r in evaluate_baseline("heft", train_kwargs, range(500, 700))]))
    timing = {"seconds": 0.0, "tasks": 0}

    def evaluate(model: Any) -> dict[str, np.ndarray]:
        out = {}
        for key, (size, noise) in conditions.items():
            began = time.perf_counter()
            runs = evaluate_model(model, {"source": "random", "tasks": [size], "noise": noise}, eval_seeds)
            timing["seconds"] += time.perf_counter() - began
            timing["tasks"] += size * len(eval_seeds)
            out[key] = np.array([r["slr"] for r in runs])
        return out

    trained = []
    for seed in range(args.first_seed, args.first_seed + args.seeds):
        run = policies(
            args, train_kwargs, seed, args.imitation_episodes, args.imitation_expert, args.dag_steps, evaluate
        )
        trained.append(run)
        print(
            f"dag seed {seed}: imitation {run['bc_seconds']:.0f} s {run.get('bc_fit')}, "
            f"PPO {run['ppo_seconds']:.0f} s, {len(run['history'])} PPO episodes",
            flush=True,
        )
    learned = [name for name in LEARNED if name in trained[0]]
    table: dict[str, Any] = {}
    for key, (size, noise) in conditions.items():
        kwargs = {"source": "random", "tasks": [size], "noise": noise}
        row: dict[str, Any] = {}
        runs = {name: evaluate_baseline(name, kwargs, eval_seeds) for name in BASELINES}
        for name in BASELINES:
            row[name] = spread([r["slr"] for r in runs[name]])
        heft = np.array([r["slr"] for r in runs["heft"]])
        for name in learned:
            slr = [t[name][key] for t in trained]
            row[f"{name}_per_seed"] = [float(np.median(p)) for p in slr]
            row[f"{name}_over_heft_per_seed"] = [float(np.mean(p / heft)) for p in slr]
            row[f"{name}_beats_heft_per_seed"] = [float(np.mean(p < heft - 1e-9)) for p in slr]
            row[f"{name}_loses_to_heft_per_seed"] = [float(np.mean(p > heft + 1e-9)) for p in slr]
            for suffix in ("", "_over_heft", "_beats_heft", "_loses_to_heft"):
                row[f"{name}{suffix}"] = spread(row[f"{name}{suffix}_per_seed"])
        table[key] = row
        print(key, {k: round(v["median"], 4) for k, v in row.items() if "per_seed" not in k}, flush=True)
    return {
        "slr": table,
        "train_seconds_per_seed": [t["ppo_seconds"] for t in trained],
        "train_seconds": spread([t["ppo_seconds"] for t in trained]),
        "imitation_seconds_per_seed": [t["bc_seconds"] for t in trained],
        "imitation_fit_per_seed": [t.get("bc_fit") for t in trained],
        "heft_training_level": heft_level,
        "seconds_to_heft": [seconds_to_level(t["history"], heft_level) for t in trained],
        "curves": [curve(t["history"], 50) for t in trained],
        "steps_per_s": steps_per_second(train_kwargs),
        "batched_eval_tasks_per_s": timing["tasks"] / timing["seconds"],
    }


def zoo_figures(args: Args) -> dict[str, Any]:
    """Table 2 and the zoo rows of table 3: policies per seed trained on the noisy stream, evaluated on both."""
    base = {"source": "zoo", "jobs": args.zoo_jobs, "spacing": args.zoo_spacing, "slack": args.zoo_slack}
    train_kwargs = {**base, "noise": args.noise}
    seeds = list(range(20_000, 20_000 + args.zoo_instances))
    noises = (0.0, args.noise)

    def evaluate(model: Any) -> dict[float, list[dict[str, float]]]:
        return {noise: evaluate_model(model, {**base, "noise": noise}, seeds) for noise in noises}

    trained = []
    for seed in range(args.first_seed, args.first_seed + args.seeds):
        run = policies(args, train_kwargs, seed, args.zoo_imitation_episodes, args.zoo_expert, args.zoo_steps, evaluate)
        trained.append(run)
        print(
            f"zoo seed {seed}: imitation {run['bc_seconds']:.0f} s {run.get('bc_fit')}, "
            f"PPO {run['ppo_seconds']:.0f} s, {len(run['history'])} PPO episodes",
            flush=True,
        )
    learned = [name for name in LEARNED if name in trained[0]]
    out: dict[str, Any] = {
        "train_seconds": spread([t["ppo_seconds"] for t in trained]),
        "imitation_seconds_per_seed": [t["bc_seconds"] for t in trained],
        "expert": args.zoo_expert,
    }
    for noise in noises:
        kwargs = {**base, "noise": noise}
        row: dict[str, Any] = {}
        for name in BASELINES:
            runs = evaluate_baseline(name, kwargs, seeds)
            row[name] = {
                "latency": spread([r["mean_normalised_latency"] for r in runs]),
                "misses": spread([r["deadline_misses"] / r["jobs"] for r in runs]),
            }
        for name in learned:
            per_seed = [t[name][noise] for t in trained]
            row[name] = {
                "latency": spread([float(np.median([r["mean_normalised_latency"] for r in rs])) for rs in per_seed]),
                "misses": spread([float(np.median([r["deadline_misses"] / r["jobs"] for r in rs])) for rs in per_seed]),
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
        for name in [k.removesuffix("_per_seed") for k in row if k.endswith("_per_seed")]:
            row[f"{name}_per_seed"] = [v for part in parts for v in part["slr"][key][f"{name}_per_seed"]]
            row[name] = spread(row[f"{name}_per_seed"])
    for name in ("train_seconds", "imitation_seconds", "imitation_fit"):
        merged[f"{name}_per_seed"] = [v for part in parts for v in part[f"{name}_per_seed"]]
    merged["train_seconds"] = spread(merged["train_seconds_per_seed"])
    merged["seconds_to_heft"] = [v for part in parts for v in part["seconds_to_heft"]]
    merged["curves"] = [v for part in parts for v in part["curves"]]
    merged["steps_per_s"] = spread([part["steps_per_s"] for part in parts])["median"]
    return merged


def main() -> None:
    """Run both parts, print tables, optionally write JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--part", choices=("dag", "zoo", "both"), default="both")
    parser.add_argument("--merge", nargs="+", help="print the DAG tables of these single-seed JSON files as one")
    parser.add_argument("--merge-zoo", default="", help="with --merge: also take the zoo tables of this JSON file")
    for name, default in asdict(Args()).items():
        parser.add_argument(f"--{name.replace('_', '-')}", type=type(default), default=default)
    ns = vars(parser.parse_args())
    part = ns.pop("part")
    merge = ns.pop("merge")
    merge_zoo = ns.pop("merge_zoo")
    args = Args(**ns)
    result: dict[str, Any] = {"args": asdict(args)}
    if merge:
        result["dag"] = merge_dag(merge)
        part = "dag"
        if merge_zoo:
            result["zoo"] = json.loads(Path(merge_zoo).read_text())["zoo"]
    elif part in ("dag", "both"):
        result["dag"] = dag_figures(args)
    if part in ("dag", "both"):
        print("\nSLR on random DAGs, 5-core heterogeneous SoC (median over seeds, min..max)")
        for key, row in result["dag"]["slr"].items():
            print(f"{key:<24}" + "  ".join(f"{k} {cell(v)}" for k, v in row.items() if "per_seed" not in k))
        print(f"env steps/s {result['dag']['steps_per_s']:.0f}; training s {cell(result['dag']['train_seconds'], 0)}")
        dag = result["dag"]
        print(f"seconds to HEFT's training SLR {dag['heft_training_level']:.3f}: {dag['seconds_to_heft']}")
        print(f"imitation seconds per seed: {dag['imitation_seconds_per_seed']}")
    if "zoo" not in result and part in ("zoo", "both"):
        result["zoo"] = zoo_figures(args)
    if "zoo" in result:
        for key, block in result["zoo"].items():
            if not key.startswith("noise"):
                continue
            print(f"\nzoo stream, {key}: mean latency / bound, deadline-miss share")
            for name, row in block["table"].items():
                print(f"{name:<8} latency {cell(row['latency'])}  misses {cell(row['misses'])}")
        zoo = result["zoo"]
        print(f"zoo env steps/s {zoo['steps_per_s']:.0f}; training s {cell(zoo['train_seconds'], 0)}")
        print(f"imitation seconds per seed: {zoo['imitation_seconds_per_seed']}")
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
