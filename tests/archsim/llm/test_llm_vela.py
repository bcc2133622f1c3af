"""archsim's NPU model against Arm Vela 5.2 on an int8 decode step of a small Llama-style block.

The block (tests/support/tflite_llm.py) is compiled by Vela for Ethos-U85-256 and U85-512 and
read by archsim's TFLite reader; per-op total cycles are compared on the ops Vela gives cycles
(docs/llm.md), on archsim's U85 presets (docs/npu.md). The bounds asserted are docs/llm.md's
figures at the precision it prints them (median 0.01 points, worst and per-op 0.1 points).
"""

from __future__ import annotations

import statistics
import subprocess
import sys
from pathlib import Path

import pytest
from support.tflite_llm import vela_cycles_by_op, write_decoder_block

from archsim.config.loader import load_arch
from archsim.simulate import simulate
from workloads.registry import load_workload

BOUNDS = {"ethos-u85-256": (0.16, 49.5), "ethos-u85-512": (0.08, 49.4)}
"""Accelerator -> (median %, worst %) absolute per-op error against Vela, as docs/llm.md prints them."""

OP_BOUNDS = {
    "ethos-u85-256": {"norm1": 0.5, "merge": 4.3, "softmax0": 5.9, "softmax1": 5.9, "sigmoid": 0.0, "norm2": 49.5},
    "ethos-u85-512": {"norm1": 0.6, "merge": 4.7, "softmax0": 2.6, "softmax1": 2.6, "sigmoid": 0.0, "norm2": 49.4},
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
