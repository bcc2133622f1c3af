"""archsim's NPU model against Arm Vela 5.2 on an int8 decode step of a small Llama-style block.

The block (tests/support/tflite_llm.py) is compiled by Vela for Ethos-U85-256 and U85-512 and
read by archsim's TFLite reader; per-op total cycles are compared on the ops Vela gives cycles
(docs/llm.md), on archsim's U85 presets (docs/npu.md). The bounds asserted are the errors
measured today (docs/llm.md): a regression guard, far from the issue's aim (median 10%, worst 25%).
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

BOUNDS = {"ethos-u85-256": (0.002, 0.892), "ethos-u85-512": (0.028, 0.884)}
"""Accelerator -> (median, worst) absolute per-op error measured against Vela (upper bounds)."""


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
    assert statistics.median(abs(e) for e in errors.values()) <= median
    assert max(abs(e) for e in errors.values()) <= worst
