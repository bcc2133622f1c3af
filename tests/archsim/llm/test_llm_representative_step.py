"""A decode of many steps is priced as one step at their mean context (docs/llm.md, "Phases"); against
simulating every step, that step times the steps stays within 0.7% on four families.

The case: one Llama-3.2-1B layer (int8 weights, activations and KV cache), batch 16, 1,023 steps from a
64-position cache, so the cache grows 17-fold over the run and the steps' costs are not one value.
"""

from __future__ import annotations

import pytest

import mappers.multicore  # noqa: F401  (registers the system family with simulate())
from archsim.config.loader import load_arch
from archsim.simulate import simulate
from workloads.registry import load_workload

BASE = "llama3.2-1b:layers=1,wbits=8,abits=8,kvbits=8,batch=16,phase=decode"
CONTEXT, STEPS = 64, 1023


def _tpot(spec: str, arch: object) -> float:
    return float(simulate(load_workload(spec), arch).total()["tpot_s"])


@pytest.mark.parametrize(
    ("arch", "error_pct"),
    [("tpu-like", 0.7), ("ethos-u85-512", -0.5), ("a100-manycore", -0.0), ("system-quad-systolic", -0.1)],
)
def test_the_representative_step_matches_every_step(arch: str, error_pct: float) -> None:
    config = load_arch(arch)
    representative = _tpot(f"{BASE},context={CONTEXT},tokens={STEPS}", config) * STEPS
    every_step = sum(_tpot(f"{BASE},context={CONTEXT + i},tokens=1", config) for i in range(STEPS))
    error = representative / every_step - 1
    assert round(100 * error, 1) == error_pct
    assert abs(error) < 0.007
