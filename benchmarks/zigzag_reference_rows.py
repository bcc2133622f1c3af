"""Generate ZigZag 3.9.1 reference rows for the distinct Conv/Gemm layers of a bundled network.

ZigZag needs seconds to minutes per layer, so references are built once and stored: every
*distinct* Conv or Gemm of the wheel's ONNX network (same input shape, weight shape and
attributes: strides, pads, dilations, groups; depthwise included) is cut out into a one-node
ONNX file (the original node name, attributes and shapes) and ZigZag's own
``get_hardware_performance_zigzag`` maps it on a bundled accelerator with LOMA at
``--lpf-limit`` (ZigZag's default 6), one process per layer and objective. ``--mapping open``
gives ZigZag a mapping file without spatial unrolling, so its default spatial-mapping
generator picks three. The rows use the columns of ``shared/reference/zigzag/ref_layers.csv``
(plus ``cpu_seconds`` and ``instances``: how many layers of the network share the shape), so
the same test helpers read both. The stored files were made with:

    python benchmarks/zigzag_reference_rows.py --network mobilenetv2 --accelerator tpu_like \
        --mapping tpu_like.yaml -o tests/archsim/loopnest/data/zigzag_mobilenetv2_tpu_like.csv
    python benchmarks/zigzag_reference_rows.py --network resnet18 --accelerator eyeriss_like \
        --mapping open --objectives latency -o tests/archsim/loopnest/data/zigzag_resnet18_eyeriss_open.csv
"""

from __future__ import annotations

import argparse
import csv
import json
import multiprocessing
import tempfile
from pathlib import Path

COLUMNS = (
    "run_id",
    "suite",
    "workload",
    "accelerator",
    "mapping_file",
    "opt",
    "engine",
    "lpf_limit",
    "nb_spatial_mappings_generated",
    "zigzag_version",
    "layer_name",
    "operator_type",
    "loop_sizes",
    "instances",
    "energy_pJ",
    "latency_cycles",
    "spatial_mapping",
    "temporal_mapping",
    "cpu_seconds",
)


def zigzag_inputs() -> Path:
    """The wheel's ``zigzag/inputs`` folder."""
    import importlib.util

    spec = importlib.util.find_spec("zigzag")
    if spec is None or spec.origin is None:
        raise SystemExit("zigzag-dse is not installed: pip install 'archsim[peers]'")
    return Path(spec.origin).parent / "inputs"


def distinct_layers(model_path: Path) -> list[tuple[str, str, int, bytes]]:
    """(first node name, operator type, nodes sharing the shape, one-node ONNX bytes) per distinct Conv/Gemm."""
    import numpy as np
    import onnx
    from onnx import helper, numpy_helper

    model = onnx.shape_inference.infer_shapes(onnx.load(model_path, load_external_data=False))
    graph = model.graph
    shapes = {}
    for info in [*graph.input, *graph.value_info, *graph.output]:
        shapes[info.name] = [d.dim_value for d in info.type.tensor_type.shape.dim]
    weights = {init.name: init for init in graph.initializer}
    seen: dict[tuple, list] = {}
    for node in graph.node:
        if node.op_type not in ("Conv", "Gemm"):
            continue
        attrs = tuple(sorted((a.name, tuple(helper.get_attribute_value(a)) if a.ints else a.i) for a in node.attribute))
        constant = [n for n in node.input[1:] if n in weights]
        key = (node.op_type, tuple(shapes[node.input[0]]), tuple(tuple(weights[n].dims) for n in constant), attrs)
        if key in seen:
            seen[key][2] += 1
            continue
        # the wheel ships no weight data: zeros of the same shapes
        inits = [numpy_helper.from_array(np.zeros(list(weights[n].dims), np.float32), n) for n in constant]
        sub = helper.make_graph(
            [helper.make_node(node.op_type, list(node.input), [node.output[0]], name=node.name)],
            "one_layer",
            [helper.make_tensor_value_info(node.input[0], onnx.TensorProto.FLOAT, shapes[node.input[0]])],
            [helper.make_tensor_value_info(node.output[0], onnx.TensorProto.FLOAT, shapes[node.output[0]])],
            initializer=inits,
        )
        sub.node[0].attribute.extend(node.attribute)
        one = helper.make_model(sub, opset_imports=model.opset_import)
        seen[key] = [node.name, node.op_type, 1, onnx.shape_inference.infer_shapes(one).SerializeToString()]
    return [(name, op_type, count, data) for name, op_type, count, data in seen.values()]


OPEN_MAPPING = "- name: default\n  memory_operand_links: {O: O, W: I2, I: I1}\n"
"""A ZigZag mapping file that leaves the spatial unrolling to ZigZag's generator (``--mapping open``)."""


def _worker(
    onnx_path: str, hardware: str, mapping: str, objective: str, lpf_limit: int, dump: str, queue: multiprocessing.Queue
) -> None:
    import logging
    import resource

    logging.disable(logging.CRITICAL)
    from zigzag.api import get_hardware_performance_zigzag

    get_hardware_performance_zigzag(
        onnx_path,
        hardware,
        mapping,
        opt=objective,
        dump_folder=dump,
        lpf_limit=lpf_limit,
        loma_show_progress_bar=False,
    )
    usage = resource.getrusage(resource.RUSAGE_SELF)
    (result,) = [json.loads(f.read_text()) for f in Path(dump).glob("*_complete.json")]
    queue.put({"cpu_s": usage.ru_utime + usage.ru_stime, "result": result})


def _mapping_texts(result: dict) -> tuple[str, str]:
    """ZigZag's chosen spatial and temporal mapping in ``ref_layers.csv``'s text form."""
    inputs = result["inputs"]
    spatial = inputs["layer"]["user_spatial_mapping"]
    unrolls = (f"{oa}: {{{', '.join(f'{d}: {f}' for d, f in u.items())}}}" for oa, u in spatial.items())
    spatial_text = "{" + ", ".join(unrolls) + "}"
    links = inputs["layer"]["memory_operand_links"]
    parts = []
    for op, levels in inputs["temporal_mapping"].items():
        names = [m.split("instance=")[1].split(",")[0] for m in inputs["accelerator"]["mem_hierarchy_dict"][links[op]]]
        body = []
        for name, loops in zip(names, levels, strict=True):
            items = [item.strip("()").replace(", ", ":") for item in loops]
            body.append(f"{name}[{' '.join(items)}]")
        parts.append(f"{op}: {' '.join(body)}")
    return spatial_text, " ; ".join(parts)


def run_layer(onnx_bytes: bytes, accelerator: str, mapping: str, objective: str, lpf_limit: int) -> dict:
    """ZigZag's best mapping of a one-node model, in a fresh process (its CPU time measured there)."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "layer.onnx"
        path.write_bytes(onnx_bytes)
        hardware = str(zigzag_inputs() / "hardware" / f"{accelerator}.yaml")
        if mapping == "open":
            mapping_path = Path(tmp) / "open.yaml"
            mapping_path.write_text(OPEN_MAPPING)
        else:
            mapping_path = zigzag_inputs() / "mapping" / mapping
        context = multiprocessing.get_context("spawn")
        queue = context.Queue()
        dump = str(Path(tmp) / "dump")
        process = context.Process(
            target=_worker,
            args=(str(path), hardware, str(mapping_path), objective, lpf_limit, dump, queue),
        )
        process.start()
        out = queue.get()
        process.join()
    return out


def main() -> None:
    """Run ZigZag on every distinct layer and append the rows to the CSV (resumable)."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "--network", default="mobilenetv2", help="a bundled ONNX network: resnet18, mobilenetv2, alexnet"
    )
    parser.add_argument("--accelerator", default="tpu_like", help="a bundled hardware YAML (name without .yaml)")
    parser.add_argument("--mapping", default="tpu_like.yaml", help="a bundled mapping YAML, or 'open'")
    parser.add_argument("--objectives", default="latency,energy")
    parser.add_argument("--lpf-limit", type=int, default=6)
    parser.add_argument("-o", "--output", type=Path, required=True)
    args = parser.parse_args()
    from importlib.metadata import version

    zigzag_inputs()  # fail early when the peer is missing

    done = set()
    if args.output.exists():
        with open(args.output, newline="") as fh:
            done = {(r["layer_name"], r["opt"]) for r in csv.DictReader(fh)}
    else:
        args.output.parent.mkdir(parents=True, exist_ok=True)
        with open(args.output, "w", newline="") as fh:
            csv.writer(fh).writerow(COLUMNS)
    layers = distinct_layers(zigzag_inputs() / "workload" / f"{args.network}.onnx")
    for objective in args.objectives.split(","):
        for name, op_type, count, data in layers:
            if (name, objective) in done:
                continue
            out = run_layer(data, args.accelerator, args.mapping, objective, args.lpf_limit)
            result = out["result"]
            dims = result["inputs"]["layer"]["loop_dimensions"]
            latency = result["outputs"]["latency"]
            spatial_text, temporal_text = _mapping_texts(result)
            row = {
                "run_id": f"net_{args.network}onnx_{args.accelerator}_{objective}_lpf{args.lpf_limit}",
                "suite": "networks",
                "workload": f"{args.network}.onnx",
                "accelerator": args.accelerator,
                "mapping_file": args.mapping,
                "opt": objective,
                "engine": "loma",
                "lpf_limit": args.lpf_limit,
                "nb_spatial_mappings_generated": 3,
                "zigzag_version": version("zigzag-dse"),
                "layer_name": name,
                "operator_type": op_type,
                "loop_sizes": ";".join(f"{d}={s}" for d, s in dims.items()),
                "instances": count,
                "energy_pJ": result["outputs"]["energy"]["energy_total"],
                "latency_cycles": latency["computation"] + latency["data_onloading"] + latency["data_offloading"],
                "spatial_mapping": spatial_text,
                "temporal_mapping": temporal_text,
                "cpu_seconds": round(out["cpu_s"], 2),
            }
            with open(args.output, "a", newline="") as fh:
                csv.DictWriter(fh, COLUMNS).writerow(row)
            print(f"{objective:8s} {name:60s} x{count} {out['cpu_s']:7.1f} s", flush=True)


if __name__ == "__main__":
    main()
