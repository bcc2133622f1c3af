"""``archsim plot KIND RESULTS... -o FILE``: draw a figure from saved results (PNG, SVG or PDF).

RESULTS are ``archsim simulate`` / ``map`` / ``search`` JSON files or, for the search
figures, a study storage URL (``sqlite:///archsim-search.db``).
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from workloads.errors import InputError

SUFFIXES = (".png", ".svg", ".pdf")


def _network_results(sources: list[str]) -> list[Any]:
    from archsim.metrics import NetworkMetrics

    results = []
    for path in map(Path, sources):
        data = _read_json(path)
        if not isinstance(data, dict) or not {"arch", "layers", "total", "workload"} <= set(data):
            raise InputError(
                f"{path}: not an `archsim simulate --format json` result (needs arch, layers, total, workload)"
            )
        try:
            results.append(NetworkMetrics.from_json(data))
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise InputError(
                f"{path}: not an `archsim simulate --format json` result ({exc!r} in its fields)"
            ) from None
    return results


def _read_json(path: Path) -> Any:
    if not path.is_file():
        raise InputError(f"{path}: no such file")
    try:
        return json.loads(path.read_text())
    except json.JSONDecodeError as exc:
        raise InputError(f"{path}: not valid JSON ({exc.msg} at line {exc.lineno})") from None


def _layers(sources: list[str], args: argparse.Namespace) -> Any:
    from archsim.plots import cycle_breakdown

    if len(sources) != 1:
        raise InputError("plot layers: give exactly one simulate result")
    return cycle_breakdown(_network_results(sources)[0])


def _utilization(sources: list[str], args: argparse.Namespace) -> Any:
    from archsim.plots import utilization_comparison

    return utilization_comparison(_network_results(sources))


def _energy(sources: list[str], args: argparse.Namespace) -> Any:
    from archsim.plots import energy_breakdown

    return energy_breakdown(_network_results(sources))


def _roofline(sources: list[str], args: argparse.Namespace) -> Any:
    from archsim.plots import roofline

    return roofline(_network_results(sources))


def _map_results(sources: list[str]) -> dict[str, Any]:
    """File stem -> ``archsim map --format json`` document."""
    payloads = {}
    for path in map(Path, sources):
        data = _read_json(path)
        if not isinstance(data, dict) or not {"steps", "scratchpad_bytes", "tensors"} <= set(data):
            raise InputError(f"{path}: not an `archsim map --format json` result (needs steps, scratchpad_bytes)")
        payloads[path.stem] = data
    return payloads


def _timeline(sources: list[str], args: argparse.Namespace) -> Any:
    from archsim.plots import scratchpad_timeline, timeline_comparison

    payloads = _map_results(sources)
    if len(payloads) != len(sources):
        raise InputError("plot timeline: give map results with distinct file names (they label the panels)")
    if len(payloads) == 1:
        return scratchpad_timeline(next(iter(payloads.values())))
    return timeline_comparison(payloads)


def _offchip(sources: list[str], args: argparse.Namespace) -> Any:
    from archsim.plots import offchip_vs_scratchpad

    return offchip_vs_scratchpad(list(_map_results(sources).values()))


def _pareto(sources: list[str], args: argparse.Namespace) -> Any:
    from archsim.commands.plot_sources import is_storage_url, load_studies, single_task, trials_from_search_json
    from archsim.plots import studies_scatter, study_scatter

    studies: dict[str, list[Any]] = {}
    for source in sources:
        if is_storage_url(source):
            stored = load_studies(source, args.study)
            single_task(stored, source)
            for study in stored:
                studies.setdefault(study.name, []).extend(study.trials)
        else:
            data = _read_json(Path(source))
            name = str(data.get("study") or Path(source).stem) if isinstance(data, dict) else Path(source).stem
            studies.setdefault(name, []).extend(trials_from_search_json(Path(source), data))
    if len(studies) == 1:
        return study_scatter(next(iter(studies.values())), args.x, args.y)
    return studies_scatter(studies, args.x, args.y)


def _regret(sources: list[str], args: argparse.Namespace) -> Any:
    from archsim.commands.plot_sources import is_storage_url, load_studies, regret_table, single_task
    from archsim.plots import learning_curves, median_curves

    if len(sources) != 1:
        raise InputError("plot regret: give one study storage URL (sqlite:///archsim-search.db) or one regret.csv")
    if not is_storage_url(sources[0]):
        label = "EDP regret\n(best feasible EDP so far / optimum − 1)"
        return median_curves(regret_table(Path(sources[0])), label, log_y=args.log, regret_axis=True)
    studies = load_studies(sources[0], args.study)
    single_task(studies, sources[0])
    runs: dict[str, list[Any]] = {}
    for study in studies:
        runs.setdefault(study.agent, []).append(study.trials)
    return learning_curves(runs, optimum=args.optimum, log_y=args.log)


def _schedule(sources: list[str], args: argparse.Namespace) -> Any:
    from archsim.plots.schedule import schedule_gantt

    data = _read_json(Path(sources[0]))
    if not isinstance(data, dict) or "schedule" not in data:
        raise InputError(
            f"{sources[0]}: needs a schedule: a multi-core `archsim simulate --format json` result or an "
            "`archsim search --env archsim/SocSchedule-v0 --format json` result"
        )
    return schedule_gantt(data["schedule"], f"{data.get('workload', '?')} on {data['arch'].get('name', '?')}")


def _episodes(sources: list[str], args: argparse.Namespace) -> Any:
    from archsim.plots.episodes import episode_curves

    metric = args.y if args.y != "energy_pj" else "slr"
    runs: dict[str, list[float]] = {}
    for source in sources:
        data = _read_json(Path(source))
        if not isinstance(data, dict) or not isinstance(data.get("episodes"), list) or not data["episodes"]:
            raise InputError(f"{source}: not an `archsim search --env archsim/SocSchedule-v0 --format json` result")
        if metric not in data["episodes"][0]:
            allowed = ", ".join(k for k in data["episodes"][0] if k != "episode")
            raise InputError(f"--y {metric}: not an episode metric of {source}; allowed: {allowed}")
        runs[f"{data.get('agent', '?')} (seed {data.get('seed', '?')})"] = [e[metric] for e in data["episodes"]]
    return episode_curves(runs, metric)


def _loopnest(sources: list[str], args: argparse.Namespace) -> Any:
    from archsim.plots.loopnest import mapping_picture

    if len(sources) != 1:
        raise InputError("plot loopnest: give exactly one simulate result of a loop-nest config")
    try:
        return mapping_picture(_network_results(sources)[0], args.layer)
    except ValueError as exc:
        raise InputError(f"{sources[0]}: {exc}") from None


def _llm(sources: list[str], args: argparse.Namespace) -> Any:
    import csv

    from archsim.plots.llm import per_token_curves

    path = Path(sources[0])
    if len(sources) != 1 or path.suffix not in (".csv", ".parquet") or not path.is_file():
        raise InputError("plot llm: give one CSV or Parquet file of `archsim sweep --workload LLM-SPEC --vary ...`")
    if path.suffix == ".parquet":
        from envs.sweep import require_pyarrow

        rows = require_pyarrow().parquet.read_table(path).to_pylist()
    else:
        with path.open() as handle:
            rows = list(csv.DictReader(handle))
    return per_token_curves(rows, args.x if args.x != "latency_s" else "context")


KINDS: dict[str, Callable[[list[str], argparse.Namespace], Any]] = {
    "layers": _layers,
    "utilization": _utilization,
    "energy": _energy,
    "roofline": _roofline,
    "timeline": _timeline,
    "offchip": _offchip,
    "pareto": _pareto,
    "regret": _regret,
    "schedule": _schedule,
    "episodes": _episodes,
    "loopnest": _loopnest,
    "llm": _llm,
}
"""Plot kind -> function from result files to a Figure."""


MIN_DPI, MAX_DPI = 10, 2400
"""PNG resolutions accepted (a figure at 100,000 dpi needs more memory than any machine has)."""


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``plot`` command."""
    parser = sub.add_parser("plot", help="draw a figure from saved results (simulate/map/search JSON)")
    parser.add_argument("kind", choices=sorted(KINDS), help="which figure")
    parser.add_argument(
        "results",
        nargs="+",
        help="result files (JSON written with --format json -o); for pareto/regret a study storage URL; "
        "for regret also a benchmark regret.csv",
    )
    parser.add_argument("-o", "--output", type=Path, required=True, help="image file: .png, .svg or .pdf")
    parser.add_argument("--dpi", type=int, default=150, help="resolution of PNG output")
    parser.add_argument("--study", action="append", default=[], help="pareto/regret: only this study (repeatable)")
    parser.add_argument(
        "--x", default="latency_s", help="pareto: metric on x (default latency_s); llm: the swept key (default context)"
    )
    parser.add_argument(
        "--y", default="energy_pj", help="pareto: metric on y (default energy_pj); episodes: the metric (default slr)"
    )
    parser.add_argument("--optimum", type=float, help="regret: the optimum reward (else best-so-far reward is shown)")
    parser.add_argument("--log", action="store_true", help="regret: logarithmic y axis")
    parser.add_argument("--layer", help="loopnest: the layer to draw (default: the one with the most energy)")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Draw and save."""
    if not MIN_DPI <= args.dpi <= MAX_DPI:
        raise InputError(f"--dpi {args.dpi}: allowed {MIN_DPI} to {MAX_DPI}")
    if args.output.suffix.lower() not in SUFFIXES:
        raise InputError(f"-o {args.output}: unknown image type {args.output.suffix!r}; allowed: {', '.join(SUFFIXES)}")
    figure = KINDS[args.kind](args.results, args)
    figure.savefig(args.output, dpi=args.dpi)
    print(f"wrote {args.output}")
    return 0
