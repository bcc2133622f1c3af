"""An LLM on a loop-nest preset and on a multi-core system preset, through the CLI.

Both get the serving totals (TPOT, tokens/s, the footprint against their memories); the loop-nest
DRAM's stated size is what the model is held against; a system's decode step lasts its schedule's span.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from archsim.cli import main

SPEC = "llama3.2-1b:phase=decode,context=256,batch=2,layers=1"


def _total(arch: str, tmp_path: Path) -> dict:
    out = tmp_path / "out.json"
    assert main(["simulate", "--workload", SPEC, "--arch", arch, "--format", "json", "-o", str(out)]) == 0
    return json.loads(out.read_text())


@pytest.mark.parametrize("arch", ["loopnest-tpu-like", "system-quad-systolic"])
def test_llm_runs_with_serving_totals(arch: str, tmp_path: Path) -> None:
    result = _total(arch, tmp_path)
    total = result["total"]
    assert total["phase"] == "decode"
    assert total["tpot_s"] > 0
    assert total["tokens_per_s"] == pytest.approx(2 / total["tpot_s"])
    assert total["weight_bytes"] > 0 and total["kv_cache_bytes"] > 0
    if arch.startswith("loopnest"):
        assert total["memory"]["dram"]["capacity_bytes"] == 2**33  # the preset's 64 Gbit DRAM
        assert total["fits_memory"] is True
    else:
        rows = [row for row in result["layers"] if row["layer"].startswith("decode.")]
        span = max(r["end_cycle"] for r in rows) - min(r["start_cycle"] for r in rows)
        assert total["tpot_s"] == pytest.approx(span / 1e9)  # 1 GHz system clock
        assert total["tpot_s"] <= sum(r["latency_s"] for r in rows) + 1e-12
