"""Loop-nest family vs ZigZag 3.9.1 (``zigzag-dse``), side by side in one run.

For each network and objective, ZigZag's LOMA search (lpf_limit 6, its bundled tpu_like
hardware and mapping) and archsim's mapper run on the same ONNX file; the script prints,
per layer, archsim's best / ZigZag's best for the objective, the share of layers within
-5%..+2%, and both search times (CPU seconds of this process for archsim, of ZigZag's
process for ZigZag). ZigZag results are cached under ``~/.cache/archsim/bench_loopnest``
(``--refresh`` reruns them); archsim always runs.

    python benchmarks/bench_loopnest.py --networks resnet18,alexnet --objectives latency,energy --refresh
    python benchmarks/bench_loopnest.py --reference ../shared/reference/zigzag/ref_layers.csv \
        tests/archsim/loopnest/data/zigzag_mobilenetv2_tpu_like.csv \
        tests/archsim/loopnest/data/zigzag_resnet18_eyeriss_open.csv
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import sys
import time
from pathlib import Path

CACHE = Path.home() / ".cache" / "archsim" / "bench_loopnest"
NETWORKS = ("resnet18", "alexnet", "mobilenetv2", "bert")
BERT_SHAPES = (  # BERT-base encoder GEMMs at sequence length 128: (name, rows, in, out)
    ("q_proj", 128, 768, 768),
    ("k_proj", 128, 768, 768),
    ("v_proj", 128, 768, 768),
    ("out_proj", 128, 768, 768),
    ("ffn_up", 128, 768, 3072),
    ("ffn_down", 128, 3072, 768),
)


def zigzag_inputs() -> Path:
    """The wheel's ``zigzag/inputs`` folder."""
    import importlib.util

    spec = importlib.util.find_spec("zigzag")
    if spec is None or spec.origin is None:
        raise SystemExit("zigzag-dse is not installed: pip install 'archsim[peers]'")
    return Path(spec.origin).parent / "inputs"


def bert_onnx(path: Path) -> Path:
    """A chain of BERT-base GEMMs (constant weights) as an ONNX file both tools read."""
    import numpy as np
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    nodes, inits = [], []
    rows, width = BERT_SHAPES[0][1], BERT_SHAPES[0][2]
    current = "x"
    for name, _, n_in, n_out in BERT_SHAPES:
        if n_in != width:  # re-enter the chain at the right width
            inits.append(numpy_helper.from_array(np.zeros((width, n_in), np.float32), f"{name}_adapt_w"))
            nodes.append(helper.make_node("Gemm", [current, f"{name}_adapt_w"], [f"{name}_in"], name=f"{name}_adapt"))
            current = f"{name}_in"
        inits.append(numpy_helper.from_array(np.zeros((n_in, n_out), np.float32), f"{name}_w"))
        nodes.append(helper.make_node("Gemm", [current, f"{name}_w"], [f"{name}_out"], name=name))
        current, width = f"{name}_out", n_out
    graph = helper.make_graph(
        nodes,
        "bert_gemms",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [rows, BERT_SHAPES[0][2]])],
        [helper.make_tensor_value_info(current, TensorProto.FLOAT, [rows, width])],
        initializer=inits,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    model = onnx.shape_inference.infer_shapes(model)
    onnx.save(model, path)
    return path


def network_file(name: str) -> Path:
    """ONNX file of a benchmark network."""
    if name == "bert":
        CACHE.mkdir(parents=True, exist_ok=True)
        return bert_onnx(CACHE / "bert_gemms.onnx")
    return zigzag_inputs() / "workload" / f"{name}.onnx"


def _zigzag_worker(onnx_path: str, objective: str, dump: str, queue: multiprocessing.Queue) -> None:
    import logging
    import resource

    logging.disable(logging.CRITICAL)
    from zigzag.api import get_hardware_performance_zigzag

    inputs = zigzag_inputs()
    get_hardware_performance_zigzag(
        onnx_path,
        str(inputs / "hardware" / "tpu_like.yaml"),
        str(inputs / "mapping" / "tpu_like.yaml"),
        opt=objective,
        dump_folder=dump,
        lpf_limit=6,
        loma_show_progress_bar=False,
    )
    usage = resource.getrusage(resource.RUSAGE_SELF)
    layers = {}
    for f in Path(dump).glob("*_complete.json"):
        data = json.loads(f.read_text())
        name = data["inputs"]["layer"]["name"] if isinstance(data["inputs"]["layer"], dict) else f.stem
        out = data["outputs"]
        layers[name] = {
            "energy_pj": out["energy"]["energy_total"],
            "latency_cycles": out["latency"]["computation"]
            + out["latency"]["data_onloading"]
            + out["latency"]["data_offloading"],
        }
    queue.put({"cpu_s": usage.ru_utime + usage.ru_stime, "layers": layers})


def zigzag_results(network: str, objective: str, refresh: bool) -> dict:
    """ZigZag's per-layer best (cached) and its search CPU time."""
    cache = CACHE / f"zigzag_{network}_tpu_like_{objective}.json"
    if cache.exists() and not refresh:
        return json.loads(cache.read_text())
    dump = CACHE / f"dump_{network}_{objective}"
    dump.mkdir(parents=True, exist_ok=True)
    queue: multiprocessing.Queue = multiprocessing.get_context("spawn").Queue()
    process = multiprocessing.get_context("spawn").Process(
        target=_zigzag_worker, args=(str(network_file(network)), objective, str(dump), queue)
    )
    process.start()
    result = queue.get()
    process.join()
    cache.write_text(json.dumps(result))
    return result


def archsim_results(network: str, objective: str) -> dict:
    """archsim's per-layer best on the same file, and its CPU time."""
    import dataclasses

    from archsim.config.loader import load_arch
    from archsim.simulate import simulate
    from workloads.registry import load_workload

    inputs = zigzag_inputs()
    config = dataclasses.replace(
        load_arch(str(inputs / "hardware" / "tpu_like.yaml")),
        mapping_file=str(inputs / "mapping" / "tpu_like.yaml"),
        objective=objective,
    )
    workload = load_workload(str(network_file(network)), skip_unsupported=True)
    start = time.process_time()
    metrics = simulate(workload, config)
    cpu = time.process_time() - start
    layers = {
        row.layer: {"energy_pj": row.energy_pj, "latency_cycles": row.extras["zigzag_latency_cycles"]}
        for row in metrics.layers
        if row.macs
    }
    return {"cpu_s": cpu, "layers": layers}


def reference_table(csv_paths: list[Path]) -> None:
    """archsim's mapper vs ZigZag's best in reference CSVs (``ref_layers.csv``'s columns), both spatial searches.

    Rows whose mapping file fixes the spatial unrolling search only loop orders; where it leaves array
    dimensions open (``eyeriss_like``: its ``eyeriss_mapping.yaml`` is not in the wheel; ``open``: none
    given), ``wide`` is archsim's candidate set and ``zigzag`` the three ZigZag's generator makes."""
    import csv

    sys_path = str(Path(__file__).resolve().parents[1] / "tests")
    if sys_path not in sys.path:
        sys.path.insert(0, sys_path)
    from support.zigzag_reference import hardware, layer_of_row

    from archsim.config.loopnest_zigzag import entry_for, read_mapping_file
    from archsim.loopnest.mapper import Objective, best_mapping

    rows = []
    for path in csv_paths:
        with open(path, newline="") as fh:
            rows += [r for r in csv.DictReader(fh) if r["suite"] == "networks" and r["layer_name"] != "TOTAL"]
    print(f"{'run':48s} {'search':6s} {'layers':>6s} {'within':>7s} {'min':>8s} {'max':>8s} {'archsim_cpu_s':>13s}")
    totals: dict[str, list[int]] = {}
    for run in dict.fromkeys(r["run_id"] for r in rows):
        run_rows = [r for r in rows if r["run_id"] == run]
        for search in ("wide", "zigzag"):
            start, cache, ratios = time.process_time(), {}, []
            for row in run_rows:
                layer, config = layer_of_row(row), hardware(row["accelerator"])
                objective = Objective(row["opt"])
                mapping_file = zigzag_inputs() / "mapping" / row["mapping_file"]
                if mapping_file.is_file():
                    entry = entry_for(read_mapping_file(mapping_file), row["layer_name"], row["operator_type"])
                    spatial = entry.spatial if entry else {}
                else:
                    spatial = {}
                key = (layer.signature(), repr(spatial), objective)
                if key not in cache:
                    cache[key] = best_mapping(layer, config, spatial, objective, spatial_search=search)
                cost = cache[key].cost
                ours = cost.energy_pj if objective is Objective.ENERGY else cost.latency_cycles
                ratios.append(ours / float(row["energy_pJ" if objective is Objective.ENERGY else "latency_cycles"]) - 1)
            inside = sum(-0.05 <= r <= 0.02 for r in ratios)
            totals.setdefault(search, [0, 0])
            totals[search][0] += inside
            totals[search][1] += len(ratios)
            print(
                f"{run:48s} {search:6s} {len(ratios):6d} {inside / len(ratios):7.1%} {min(ratios):+8.2%} "
                f"{max(ratios):+8.2%} {time.process_time() - start:13.2f}"
            )
    for search, (inside, n) in totals.items():
        print(f"all runs, {search} spatial search: {inside}/{n} layers within -5%..+2% ({inside / n:.1%})")


def main() -> None:
    """Run the comparison and print the tables."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--networks", default="resnet18,alexnet,mobilenetv2,bert")
    parser.add_argument("--objectives", default="latency,energy")
    parser.add_argument("--refresh", action="store_true", help="rerun ZigZag instead of using its cached results")
    parser.add_argument(
        "--reference",
        type=Path,
        nargs="+",
        help="instead: compare the mapper with ZigZag's best in these CSVs (ref_layers.csv's columns)",
    )
    args = parser.parse_args()
    if args.reference:
        reference_table(args.reference)
        return
    key = {"latency": "latency_cycles", "energy": "energy_pj"}
    print(
        f"{'network':12s} {'objective':9s} {'layers':>6s} {'within':>7s} {'min':>8s} {'max':>8s} "
        f"{'zigzag_s':>9s} {'archsim_s':>9s} {'speedup':>8s}"
    )
    for network in args.networks.split(","):
        for objective in args.objectives.split(","):
            zz = zigzag_results(network, objective, args.refresh)
            ours = archsim_results(network, objective)
            ratios = []
            for name, ref in zz["layers"].items():
                if name in ours["layers"]:
                    ratios.append(ours["layers"][name][key[objective]] / ref[key[objective]] - 1)
            inside = sum(-0.05 <= r <= 0.02 for r in ratios)
            print(
                f"{network:12s} {objective:9s} {len(ratios):6d} {inside / max(len(ratios), 1):7.1%} "
                f"{min(ratios, default=0):+8.2%} {max(ratios, default=0):+8.2%} {zz['cpu_s']:9.1f} "
                f"{ours['cpu_s']:9.2f} {zz['cpu_s'] / max(ours['cpu_s'], 1e-9):7.1f}x"
            )


if __name__ == "__main__":
    main()
