"""ZigZag 3.9.1 reference rows (``shared/reference/zigzag/ref_layers.csv``) as archsim inputs.

ResNet-18 layers come from the wheel's ``resnet18.onnx`` through archsim's ONNX reader.
The other workloads of the reference were ZigZag workload files that the wheel does not
ship; they are rebuilt here from the rows' loop sizes and word-access counts:
``resnet_subset`` convolutions carry no padding (ZigZag's input extent is then
``(O-1)*s + F``), ``gemm1024``/``gemm4096`` are ``O[d][k] += I[d][c] * W[c][k]``, and
``gemm128`` is ``O[d0][d1] += I[d0][d2] * W[d2][d1]`` with 32-bit partial sums and 8-bit
final outputs (the only reading that reproduces its word accesses).
"""

from __future__ import annotations

import functools
from pathlib import Path

import yaml

from archsim.config.loopnest import LoopNestConfig
from archsim.config.loopnest_zigzag import hardware_from_dict
from archsim.loopnest.layer import LoopNestLayer, Operand, layer_of
from archsim.loopnest.mapping import Mapping, parse_spatial_text, parse_temporal_text
from workloads.ops import Conv2d, MatMul

SUBSET = {
    "conv1_7x7s2": Conv2d("conv1_7x7s2", 3, 64, 229, 229, 7, 7, 2, 2),
    "layer2_3x3_128": Conv2d("layer2_3x3_128", 128, 128, 30, 30, 3, 3),
    "layer4_3x3_512": Conv2d("layer4_3x3_512", 512, 512, 9, 9, 3, 3),
}


def zigzag_inputs() -> Path:
    """``zigzag/inputs`` of the installed ``zigzag-dse`` wheel."""
    import importlib.util

    spec = importlib.util.find_spec("zigzag")
    if spec is None or spec.origin is None:
        raise ModuleNotFoundError("zigzag-dse (a test/peers extra) is not installed")
    return Path(spec.origin).parent / "inputs"


@functools.cache
def hardware(name: str) -> LoopNestConfig:
    """A bundled ZigZag accelerator, read by archsim's reader."""
    path = zigzag_inputs() / "hardware" / f"{name}.yaml"
    return hardware_from_dict(yaml.safe_load(path.read_text()), str(path))


@functools.cache
def onnx_ops(network: str) -> dict[str, object]:
    """Layer name -> IR op of a bundled ONNX network."""
    from workloads.readers.onnx_reader import read_onnx

    return {node.op.name: node.op for node in read_onnx(zigzag_inputs() / "workload" / network)}


def _sizes(row: dict[str, str]) -> dict[str, int]:
    return {k: int(v) for k, v in (kv.split("=") for kv in row["loop_sizes"].split(";"))}


def layer_of_row(row: dict[str, str]) -> LoopNestLayer:
    """The loop nest of a reference row's layer."""
    workload, name = row["workload"], row["layer_name"]
    if workload.endswith(".onnx"):
        layer = layer_of(onnx_ops(workload)[name])
    elif name in SUBSET:
        layer = layer_of(SUBSET[name])
    elif workload == "gemm128":
        layer = LoopNestLayer(
            name,
            "gemm",
            _sizes(row),
            {Operand.O: ("D0", "D1"), Operand.I: ("D0", "D2"), Operand.W: ("D2", "D1")},
            precision={"I": 8, "W": 8, "O": 32, "O_final": 8},
            operands=(Operand.O, Operand.I, Operand.W),
        )
    else:
        s = _sizes(row)
        layer = layer_of(MatMul(name, s["D"], s["K"], s["C"]))
    assert layer is not None
    return layer


def mapping_of_row(row: dict[str, str]) -> Mapping:
    """ZigZag's chosen mapping of a reference row."""
    temporal = parse_temporal_text(row["temporal_mapping"])
    return Mapping(parse_spatial_text(row["spatial_mapping"]), {Operand(k): v[1] for k, v in temporal.items()})
