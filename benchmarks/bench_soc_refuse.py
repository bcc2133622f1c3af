"""SocSchedule-v0's baselines when cores cannot run every task (DS3-style PE capabilities).

Random 20-task HEFT-literature DAGs on 5 heterogeneous cores, 100 graphs per row, one job
per episode, no noise; each core refuses a task with probability ``refuse`` (each task keeps
one core). Prints the mean schedule length ratio (makespan / critical-path bound over each
task's fastest allowed core) of HEFT, PEFT, earliest-finish greedy and random per ``refuse``.

    python benchmarks/bench_soc_refuse.py
"""

from __future__ import annotations

import argparse

import numpy as np

from mappers.soc import Dispatcher, Job, critical_path_bound, make_baseline, random_task_graph, run_policy

BASELINES = ("heft", "peft", "greedy", "random")
REFUSE = (0.0, 0.3, 0.6)


def mean_slr(refuse: float, graphs: int = 100, tasks: int = 20, cores: int = 5, seed: int = 0) -> dict[str, float]:
    """Per baseline, the mean schedule length ratio over ``graphs`` random graphs (seeded)."""
    rng = np.random.default_rng(seed)
    problems = [random_task_graph(rng, tasks, cores, refuse=refuse) for _ in range(graphs)]
    out = {}
    for name in BASELINES:
        ratios = [
            run_policy(Dispatcher([Job("g", p)]), make_baseline(name, seed)).makespan / critical_path_bound(p)
            for p in problems
        ]
        out[name] = float(np.mean(ratios))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--graphs", type=int, default=100, help="random graphs per row (default 100)")
    parser.add_argument("--tasks", type=int, default=20, help="tasks per graph (default 20)")
    args = parser.parse_args()
    print("| refuse | " + " | ".join(BASELINES) + " |")
    print("|---:|" + "---:|" * len(BASELINES))
    for refuse in REFUSE:
        row = mean_slr(refuse, graphs=args.graphs, tasks=args.tasks)
        print(f"| {refuse:.1f} | " + " | ".join(f"{row[name]:.3f}" for name in BASELINES) + " |")


if __name__ == "__main__":
    main()
