"""Run one Stream 2.1.1 case (executed by Stream's own Python >= 3.12 venv; not importable by archsim).

    ../venv-stream/bin/python benchmarks/stream_case.py '{"hardware": "tpu_like_quad_core", "height": 32, ...}'

The case is the 2-conv fixture of Stream's tests (``make_2_conv_workload``: 3x3 SAME convolutions,
int8) at the given sizes, each convolution split four ways along its output channels over the
compute cores 0-3 (``inter_core_tiling`` on D6, as ``make_2_conv_mapping``), and either one fused
group of both layers (``"groups": "fused"``, the fixture's own mapping) or one group per layer
(``"layer"``, layer by layer). The mapping YAML is written to ``mapping_dir`` (archsim reads the
same file). Prints ``RESULT {json}`` with Stream's cycles.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time

import stream
import yaml
from stream.api import SolveOptions, evaluate_mapping
from stream.inputs.testing.workload.make_2_conv import TwoConvWorkloadConfig, make_2_conv_workload


def mapping_file(folder: str, groups: str) -> str:
    """Stream's mapping YAML for the case: both convs split over cores 0-3, fused or one group per layer."""
    layers = [
        {"name": name, "core_allocation": [[0, 1, 2, 3]], "inter_core_tiling": [[{"dim": "D6", "split": 4}]]}
        for name in ("Conv1", "Conv2")
    ]
    tiling = [{"dim": "Conv1.D0", "tile": 1}]
    if groups == "fused":
        fused = [{"name": "Fused_Group_1", "layers": ["Conv1", "Conv2"], "intra_core_tiling": tiling}]
    else:
        fused = [
            {"name": f"Group_{name}", "layers": [name], "intra_core_tiling": [{"dim": f"{name}.D0", "tile": 1}]}
            for name in ("Conv1", "Conv2")
        ]
    data = {
        "layers": layers,
        "fused_groups": fused,
        "runtime_args": {"input": {}, "weights_1": {}, "weights_2": {}, "output": {}},
    }
    path = os.path.join(folder, f"stream_mapping_{groups}.yaml")
    with open(path, "w") as f:
        yaml.safe_dump(data, f, sort_keys=False)
    return path


def main() -> None:
    """Run the case given as JSON on the command line."""
    case = json.loads(sys.argv[1])
    cfg = TwoConvWorkloadConfig(
        1, case["height"], case["width"], case["in_channels"], case["out1"], case["out2"], 3, "i8", "i8"
    )
    hardware = os.path.join(
        os.path.dirname(stream.__file__), "inputs", "examples", "hardware", case["hardware"] + ".yaml"
    )
    with tempfile.TemporaryDirectory() as folder:
        workload = make_2_conv_workload(cfg)
        mapping = mapping_file(case["mapping_dir"], case["groups"])
        began = time.time()
        options = SolveOptions(artifacts=False, time_limit_s=case.get("time_limit_s", 60.0))
        est = evaluate_mapping(hardware, workload, os.path.join(folder, "out"), mapping, options)
        result = {
            "cycles": est.cycles,
            "group_cycles": list(est.group_cycles),
            "wall_s": round(time.time() - began, 1),
            "hardware_file": hardware,
            "stream_version": stream.__version__ if hasattr(stream, "__version__") else "2.1.1",
        }
    print("RESULT " + json.dumps(result))


if __name__ == "__main__":
    main()
