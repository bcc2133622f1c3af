"""``archsim search``: run or resume a design-space search with one agent on a budget."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from archsim.commands.common import add_output_args

if TYPE_CHECKING:
    from envs.results import SearchResult

DEFAULT_ENV = "archsim/SystolicDSE-v0"
COSEARCH_ENV = "archsim/CoSearch-v0"
HETERO_ENV = "archsim/HeteroCoSearch-v0"
SOC_ENV = "archsim/SocSchedule-v0"


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``search`` command."""
    parser = sub.add_parser("search", help="search accelerator designs with an RL, Bayesian or other agent")
    parser.add_argument("--env", default=DEFAULT_ENV, help=f"registered env id (default: {DEFAULT_ENV})")
    parser.add_argument(
        "--agent",
        default="random",
        help="random, exhaustive, ga, bo, gp, nsga2, ppo, a2c, dqn, marl-ppo (one PPO per sub-system); "
        f"{SOC_ENV}: ppo, heft, peft, exact, greedy, random",
    )
    parser.add_argument(
        "--budget",
        type=int,
        help=f"designs to evaluate (required, except for --agent exhaustive: the whole space); {SOC_ENV}: episodes",
    )
    parser.add_argument("--seed", type=int, default=0, help="agent seed (default: 0)")
    parser.add_argument(
        "--workload",
        "-w",
        help=f"zoo name or file (default: the env's, resnet18); {COSEARCH_ENV}: the network family (ofa_mbv2, "
        f"tiny_transformer, llm); {SOC_ENV}: zoo networks NET,NET",
    )
    parser.add_argument("--space", help="design space name (default: the env's)")
    parser.add_argument(
        "--objective",
        action="append",
        default=[],
        metavar="NAME=WEIGHT",
        help="latency, energy, edp, area, power, resources, energy_per_token, tokens_per_s, accuracy (co-search); "
        f"{SOC_ENV}: makespan, latency, deadline",
    )
    parser.add_argument(
        "--constraint",
        action="append",
        default=[],
        metavar="NAME<=VALUE[UNIT]",
        help="a spec in your units: fps>=30, latency<=5ms, power<=2W, energy<=1mJ, area<=4mm2, dsp<=0.5 (or 50%%), "
        "bram/lut/ff likewise, sram<=512KB; or METRIC=BOUND (latency_s, energy_pj, area_mm2, power_w...)",
    )
    parser.add_argument("--param", action="append", default=[], metavar="NAME=VALUE", help="agent hyperparameter")
    parser.add_argument("--storage", help="SQLAlchemy URL of the study storage (default: sqlite:///archsim-search.db)")
    parser.add_argument("--study", help="study name (default: derived from env, task, agent, seed, workers)")
    parser.add_argument("--workers", type=int, default=1, help="designs evaluated in parallel (default: 1)")
    parser.add_argument(
        "--eval-timeout", type=float, metavar="SECONDS", help="time limit per design; over it: a failed trial"
    )
    parser.add_argument(
        "--storage-retry",
        type=float,
        default=60.0,
        metavar="SECONDS",
        help="how long to retry a database that went away before stopping (default: 60)",
    )
    parser.add_argument(
        "--ray-address",
        nargs="?",
        const="local",
        help="evaluate on Ray: no value or 'local' starts a local instance, else a cluster address",
    )
    parser.add_argument(
        "--accuracy",
        help=f"{COSEARCH_ENV} and {HETERO_ENV} only: 'proxy' (the default: train on digits, cached in the study "
        "storage), 'llm-perplexity' (published perplexity by weight bits, space cosearch-llm-bits) or a CSV table "
        "(knob columns + accuracy)",
    )
    parser.add_argument(
        "--env-arg",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help=f"{SOC_ENV} only: a scenario argument (source, tasks, cores, ccr, alpha, beta, refuse, system, "
        "networks, jobs, spacing, slack, noise, slots); lists comma-separated",
    )
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")
    add_output_args(parser, formats=("table", "json"))
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Search, then print the best design, the Pareto front and the count of evaluations."""
    import json

    from archsim.commands.common import emit
    from envs.storage import DEFAULT_STORAGE

    _check_options(args)
    if args.env == SOC_ENV:
        from envs.soc.cli import run_from_args

        result = run_from_args(args)
    elif args.env in (COSEARCH_ENV, HETERO_ENV):
        result = _run_cosearch(args)
    else:
        result = _run_design_search(args)
    text = json.dumps(result.to_json(), indent=2) if args.format == "json" else result.table()
    emit(text, args.output)
    if args.storage is None:
        _note_default_storage(DEFAULT_STORAGE)
    return 0


def _check_options(args: argparse.Namespace) -> None:
    """Refuse options the chosen env does not read (they would be ignored silently) and empty or negative values."""
    from workloads.errors import InputError

    if args.seed < 0:
        raise InputError(f"--seed: must be an integer >= 0, got {args.seed}")
    if args.storage is not None and not args.storage.strip():
        raise InputError("--storage: empty; give a SQLAlchemy URL such as sqlite:///study.db (or omit it)")
    if args.accuracy is not None and args.env not in (COSEARCH_ENV, HETERO_ENV):
        raise InputError(f"--accuracy: not used by {args.env} (only {COSEARCH_ENV} and {HETERO_ENV} train networks)")
    if args.env_arg and args.env != SOC_ENV:
        raise InputError(f"--env-arg: not used by {args.env} (only {SOC_ENV} takes scenario arguments)")


def _run_design_search(args: argparse.Namespace) -> SearchResult:
    """Any registered design-space env through ``run_search`` (storage, workers, resume)."""
    from archsim.commands.pairs import parse_pairs
    from envs.constraints import parse_constraints
    from envs.runner import SearchConfig, run_search
    from envs.storage import DEFAULT_STORAGE

    env_kwargs = {}
    if args.space:
        env_kwargs["space"] = args.space
    if args.objective:
        env_kwargs["objectives"] = parse_pairs(args.objective, "--objective", numeric=True)
    if args.constraint:
        env_kwargs["budgets"] = parse_constraints(args.constraint)
    config = SearchConfig(
        env_id=args.env,
        agent=args.agent,
        budget=args.budget,
        seed=args.seed,
        workload=args.workload,
        env_kwargs=env_kwargs,
        agent_kwargs=parse_pairs(args.param, "--param"),
        workers=args.workers,
        ray_address=args.ray_address,
        storage=args.storage or DEFAULT_STORAGE,
        study=args.study,
        eval_timeout=args.eval_timeout,
        storage_retry_seconds=args.storage_retry,
    )
    return run_search(config, progress=not args.no_progress)


def _note_default_storage(url: str) -> None:
    """Say where a search without ``--storage`` keeps its trials (a database file in the current folder)."""
    import sys
    from pathlib import Path

    where = url.removeprefix("sqlite:///")
    print(
        f"archsim: note: trials are stored in {Path(where).resolve()} ({url}); "
        "rerunning the same command resumes that study; choose another place with --storage URL",
        file=sys.stderr,
    )


def _run_cosearch(args: argparse.Namespace) -> SearchResult:
    """Co-search through ``run_cosearch``, so the accuracy cache lives in the study storage."""
    from archsim.commands.pairs import parse_pairs
    from envs.constraints import parse_constraints
    from envs.cosearch.run import CoSearchRun, run_cosearch
    from envs.storage import DEFAULT_STORAGE
    from workloads.errors import InputError

    if args.ray_address:
        raise InputError(f"--ray-address: {args.env} evaluates on local worker processes; use --workers")
    options = {
        "agent": args.agent,
        "budget": args.budget,
        "seed": args.seed,
        "accuracy": args.accuracy or "proxy",
        "storage": args.storage or DEFAULT_STORAGE,
        "workers": args.workers,
        "agent_kwargs": parse_pairs(args.param, "--param"),
        "study": args.study,
    }
    if args.env == HETERO_ENV:
        from envs.hetero.run import run_options

        options.update(run_options())
    if args.space:
        options["space"] = args.space
    if args.workload:
        options["family"] = args.workload
    if args.objective:
        options["objectives"] = parse_pairs(args.objective, "--objective", numeric=True)
    if args.constraint:
        options["budgets"] = parse_constraints(args.constraint)
    return run_cosearch(CoSearchRun(**options), progress=not args.no_progress)
