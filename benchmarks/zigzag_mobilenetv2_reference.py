"""Generate ZigZag 3.9.1 reference rows for the distinct convolutions of MobileNetV2.

ZigZag needs minutes per MobileNetV2 layer on a loaded machine, so the reference is built
once and stored: every *distinct* Conv of the wheel's ``mobilenetv2.onnx`` (same input shape,
weight shape, strides, pads, dilations and groups; depthwise ones included) is cut out into a
one-node ONNX file (the original node name, attributes and shapes) and ZigZag's own
``get_hardware_performance_zigzag`` maps it on its bundled ``tpu_like`` hardware and mapping
with LOMA at ``--lpf-limit`` (ZigZag's default 6), one process per layer and objective.
The rows use the columns of ``shared/reference/zigzag/ref_layers.csv`` (plus ``cpu_seconds``
and ``instances``: how many MobileNetV2 layers share the shape), so the same test helpers read
both.

    python benchmarks/zigzag_mobilenetv2_reference.py --objectives latency,energy \
        -o tests/archsim/loopnest/data/zigzag_mobilenetv2_tpu_like.csv
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


def distinct_convs(model_path: Path) -> list[tuple[str, int, bytes]]:
    """(first node name, number of nodes sharing the shape, one-node ONNX model bytes) per distinct Conv."""
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
        if node.op_type != "Conv":
            continue
        attrs = tuple(sorted((a.name, tuple(helper.get_attribute_value(a)) if a.ints else a.i) for a in node.attribute))
        key = (tuple(shapes[node.input[0]]), tuple(weights[node.input[1]].dims), attrs)
        if key in seen:
            seen[key][1] += 1
            continue
        dims = list(weights[node.input[1]].dims)  # the wheel ships no weight data: zeros of the same shape
        w = numpy_helper.from_array(np.zeros(dims, np.float32), node.input[1])
        sub = helper.make_graph(
            [helper.make_node("Conv", [node.input[0], w.name], [node.output[0]], name=node.name)],
            "one_conv",
            [helper.make_tensor_value_info(node.input[0], onnx.TensorProto.FLOAT, shapes[node.input[0]])],
            [helper.make_tensor_value_info(node.output[0], onnx.TensorProto.FLOAT, shapes[node.output[0]])],
            initializer=[w],
        )
        sub.node[0].attribute.extend(node.attribute)
        one = helper.make_model(sub, opset_imports=model.opset_import)
        seen[key] = [node.name, 1, onnx.shape_inference.infer_shapes(one).SerializeToString()]
    return [(name, count, data) for name, count, data in seen.values()]


def _worker(onnx_path: str, objective: str, lpf_limit: int, dump: str, queue: multiprocessing.Queue) -> None:
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


def run_layer(onnx_bytes: bytes, objective: str, lpf_limit: int) -> dict:
    """ZigZag's best mapping of a one-node model, in a fresh process (its CPU time measured there)."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "layer.onnx"
        path.write_bytes(onnx_bytes)
        context = multiprocessing.get_context("spawn")
        queue = context.Queue()
        dump = str(Path(tmp) / "dump")
        process = context.Process(target=_worker, args=(str(path), objective, lpf_limit, dump, queue))
        process.start()
        out = queue.get()
        process.join()
    return out


def main() -> None:
    """Run ZigZag on every distinct MobileNetV2 conv and append the rows to the CSV (resumable)."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
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
    layers = distinct_convs(zigzag_inputs() / "workload" / "mobilenetv2.onnx")
    for objective in args.objectives.split(","):
        for name, count, data in layers:
            if (name, objective) in done:
                continue
            out = run_layer(data, objective, args.lpf_limit)
            result = out["result"]
            dims = result["inputs"]["layer"]["loop_dimensions"]
            latency = result["outputs"]["latency"]
            spatial_text, temporal_text = _mapping_texts(result)
            row = {
                "run_id": f"net_mobilenetv2onnx_tpu_like_{objective}_lpf{args.lpf_limit}",
                "suite": "networks",
                "workload": "mobilenetv2.onnx",
                "accelerator": "tpu_like",
                "mapping_file": "tpu_like.yaml",
                "opt": objective,
                "engine": "loma",
                "lpf_limit": args.lpf_limit,
                "nb_spatial_mappings_generated": 3,
                "zigzag_version": version("zigzag-dse"),
                "layer_name": name,
                "operator_type": "Conv",
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
