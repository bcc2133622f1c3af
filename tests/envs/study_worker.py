"""One search process of a shared study, for the multi-process and fault tests.

``python study_worker.py STORAGE AGENT BUDGET [--workers K] [--study NAME] [--evaluator NAME] [--ray-address A]``
prints the run's result as one JSON line: study, evaluations and the designs this process simulated.
"""

from __future__ import annotations

import argparse
import json

import toy

from envs.runner import SearchConfig, run_search


def main() -> None:
    """Run the search the arguments describe on the toy space."""
    parser = argparse.ArgumentParser()
    parser.add_argument("storage")
    parser.add_argument("agent")
    parser.add_argument("budget", type=int)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--study", default="shared")
    parser.add_argument("--evaluator", default="slow_toy_evaluator")
    parser.add_argument("--seed", type=int, default=3)
    parser.add_argument("--ray-address")
    args = parser.parse_args()
    nodes = 0
    if args.ray_address:
        import ray

        ray.init(address=args.ray_address, log_to_driver=False)
        nodes = sum(1 for node in ray.nodes() if node["Alive"])
    config = SearchConfig(
        "archsim/SystolicDSE-v0",
        args.agent,
        args.budget,
        seed=args.seed,
        env_kwargs={"space": toy.TOY_SPACE},
        workers=args.workers,
        storage=args.storage,
        study=args.study,
        storage_retry_seconds=30.0,
        ray_address=args.ray_address,
    )
    result = run_search(config, getattr(toy, args.evaluator), progress=False)
    summary = {"study": result.study, "evaluations": result.evaluations, "simulated": result.simulated}
    print(json.dumps({**summary, "ray_nodes_at_start": nodes}))


if __name__ == "__main__":
    main()
