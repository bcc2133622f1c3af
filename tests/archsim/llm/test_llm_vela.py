"""archsim's NPU model against Arm Vela 5.2 on an int8 decode step of a small Llama-style block.

The block (tests/support/tflite_llm.py) is compiled by Vela for Ethos-U85-256, -512, -1024 and -2048 and
read by archsim's TFLite reader; per-op total cycles are compared on the ops Vela gives cycles
(docs/llm.md), on archsim's U85 presets (docs/npu.md). The bounds asserted are docs/llm.md's
figures at the precision it prints them (median 0.01 points, worst and per-op 0.1 points).
"""

from __future__ import annotations

import re
import statistics
import subprocess
import sys
from pathlib import Path

import pytest
from support.tflite_llm import vela_cycles_by_op, write_decoder_block
from support.tflite_models import TfliteGraphWriter

from archsim.config.loader import load_arch
from archsim.npu.placement import plan_feature_maps
from archsim.simulate import simulate
from workloads.graph import TensorKind
from workloads.registry import load_workload

BOUNDS = {
    "ethos-u85-256": (0.04, 4.5),
    "ethos-u85-512": (0.04, 5.7),
    "ethos-u85-1024": (0.00, 6.0),
    "ethos-u85-2048": (0.03, 5.6),
}
"""Accelerator -> (median %, worst %) absolute per-op error against Vela, as docs/llm.md prints them."""

OP_BOUNDS = {
    "ethos-u85-256": {"norm1": 0.5, "merge": 4.3, "softmax0": 4.5, "softmax1": 4.5, "sigmoid": 0.0, "norm2": 0.5},
    "ethos-u85-512": {"norm1": 0.6, "merge": 4.7, "softmax0": 5.7, "softmax1": 5.7, "sigmoid": 0.0, "norm2": 0.6},
    "ethos-u85-1024": {"norm1": 1.3, "merge": 7.2, "softmax0": 6.0, "softmax1": 6.0, "sigmoid": 0.0, "norm2": 1.3},
    "ethos-u85-2048": {"norm1": 1.3, "merge": 7.3, "softmax0": 5.6, "softmax1": 5.6, "sigmoid": 0.0, "norm2": 1.3},
}
"""Accelerator -> the vector/elementwise/copy ops' absolute errors in % (docs/llm.md's table); every FC is within 5%."""


def block_errors(model: Path, accelerator: str, out_dir: Path) -> dict[str, float]:
    """Signed relative error of archsim's per-op total cycles against Vela's, per op name."""
    target = out_dir / accelerator
    command = [sys.executable, "-m", "ethosu.vela", str(model), "--accelerator-config", accelerator]
    command += ["--verbose-performance", "--output-dir", str(target)]
    subprocess.run(command, check=True, capture_output=True, timeout=300)
    reference = vela_cycles_by_op(target / f"{model.stem}_per-layer.csv")
    config = load_arch(accelerator)
    ours = {layer.layer: layer.total_cycles for layer in simulate(load_workload(str(model)), config).layers}
    assert set(reference) <= set(ours), sorted(set(reference) - set(ours))
    return {name: ours[name] / cycles - 1 for name, cycles in reference.items()}


@pytest.mark.parametrize("accelerator", sorted(BOUNDS))
def test_decode_block_against_vela(accelerator: str, tmp_path: Path) -> None:
    errors = block_errors(write_decoder_block(tmp_path / "block.tflite"), accelerator, tmp_path)
    assert len(errors) == 17
    median, worst = BOUNDS[accelerator]
    assert statistics.median(abs(e) for e in errors.values()) <= (median + 0.005) / 100
    assert max(abs(e) for e in errors.values()) <= (worst + 0.05) / 100
    vector_ops = OP_BOUNDS[accelerator]
    for name, bound in vector_ops.items():
        assert abs(errors[name]) <= (bound + 0.05) / 100, (name, errors[name])
    assert all(abs(error) <= 0.05 for name, error in errors.items() if name not in vector_ops)


def vela_dram_feature_maps(model: Path, accelerator: str, out_dir: Path) -> set[str]:
    """Names of the feature maps Vela allocates in the DRAM arena (its --verbose-allocation table)."""
    command = [sys.executable, "-m", "ethosu.vela", str(model), "--accelerator-config", accelerator]
    command += ["--verbose-allocation", "--output-dir", str(out_dir / accelerator)]
    text = subprocess.run(command, check=True, capture_output=True, text=True, timeout=300).stdout
    table = re.search(r"Allocation, memory Dram, usage mask: FeatureMap\n.*?\n(.*?)Allocation Peak", text, re.S)
    assert table is not None, text[-2000:]
    return {line.rsplit(":", 1)[-1].strip() for line in table.group(1).splitlines()}


@pytest.mark.parametrize("accelerator", sorted(BOUNDS))
def test_decode_block_dram_maps_as_vela(accelerator: str, tmp_path: Path) -> None:
    """The intermediates archsim's cache plan leaves in DRAM are those Vela allocates there (the residual)."""
    model = write_decoder_block(tmp_path / "block.tflite")
    workload = load_workload(str(model))
    intermediates = {
        name
        for name, readers in workload.consumers.items()
        if readers and workload.tensor(name).kind is TensorKind.ACTIVATION
    }
    vela = vela_dram_feature_maps(model, accelerator, tmp_path) & intermediates
    assert vela == {"attn_add"}
    assert plan_feature_maps(workload, load_arch(accelerator)).in_dram == vela


def _probe(readers: str, path: Path) -> Path:
    """A 256-wide graph whose FC output ``a`` is read as ``readers`` says (each reader's result is an FC's input).

    Readers: ``fc`` an FC, ``add``/``mul`` an add/mul with a graph input (not chained: its other operand
    has no producer), ``chained`` an add onto an FC reading ``norm``; ``concat`` makes ``a`` a
    concatenation of two FCs instead.
    """
    w = TfliteGraphWriter("int8", seed=0)
    norm = w.mul(w.input((1, 256), name="x"), w.input((1, 256), name="norm_weight"), name="norm")
    if readers.startswith("concat"):
        halves = [w.fully_connected(norm, 128, name=f"half{i}") for i in range(2)]
        a = w.concat(halves, axis=1, name="a")
    else:
        a = w.fully_connected(norm, 256, name="a")
    outputs = []
    for index, reader in enumerate(readers.removeprefix("concat").split("+")):
        if reader == "fc":
            out = w.fully_connected(a, 256, name=f"fc{index}")
        elif reader == "chained":
            out = w.add(w.fully_connected(norm, 256, name=f"o{index}"), a, name=f"res{index}")
        else:
            other = w.input((1, 256), name=f"operand{index}")
            out = (w.add if reader == "add" else w.mul)(a, other, name=f"{reader}{index}")
        outputs.append(w.fully_connected(out, 256, name=f"out{index}"))
    return w.write(path, outputs)


@pytest.mark.parametrize(
    ("readers", "in_dram"),
    [
        ("add+mul", True),  # two adds/muls, neither chained
        ("mul+chained", True),  # the decoder's residual: a standalone MUL and an add chained onto an FC
        ("concat+add", True),  # one standalone add
        ("fc+add", False),  # an FC reads it too
        ("fc+mul", False),
        ("fc+chained+chained", False),
        ("chained", False),  # only chained adds
        ("chained+chained", False),
    ],
)
def test_probe_dram_maps_as_vela(readers: str, in_dram: bool, tmp_path: Path) -> None:
    """A map read only by adds/muls, one not chained, is the one Vela's U85 leaves in DRAM (docs/npu.md step 5)."""
    model = _probe(readers, tmp_path / "probe.tflite")
    vela = vela_dram_feature_maps(model, "ethos-u85-256", tmp_path)
    plan = plan_feature_maps(load_workload(str(model)), load_arch("ethos-u85-256"))
    assert ("a" in vela) is in_dram
    assert plan.in_dram == ({"a"} if in_dram else set())
