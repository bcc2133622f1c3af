"""Weights or a KV cache wider than a family's datapath word are converted to it, and said so.

An fp16 spec on an int8 array reads one int8 word per element (``workloads.packing``). The serving
totals name those conversions (``datapath_conversions``), count the decode step's bytes at the
precisions the datapath runs (``decode_step_read_bytes``, ``bandwidth_bound_tpot_s``), and the CLI
prints a warning, so no figure claims a step faster than its bytes over the DRAM bandwidth.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import mappers.multicore  # noqa: F401  (registers the system family with simulate())
from archsim.cli import main
from archsim.config.loader import load_arch
from archsim.simulate import simulate
from workloads.llm.footprint import decode_step_read_bytes
from workloads.llm.spec import parse_spec
from workloads.registry import load_workload

SPEC = "llama3.2-1b:phase=decode,context=512,batch=1,layers=2{extra}"


def _total(arch: str, extra: str = "") -> dict:
    return simulate(load_workload(SPEC.format(extra=extra)), load_arch(arch)).total()


@pytest.mark.parametrize("arch", ["fpga-zcu102-int8", "tpu-like"])
def test_fp16_on_int8_words_is_named_and_counted_at_the_word(arch: str) -> None:
    """Both operands run at 8 bits, without scales: exactly half the fp16 bytes (fp16 has no scales)."""
    total = _total(arch)
    assert total["datapath_conversions"] == {"weights": [16, 8], "kv_cache": [16, 8]}
    spec_bytes = decode_step_read_bytes(parse_spec(SPEC.format(extra="")))
    assert total["decode_step_read_bytes"] * 2 == spec_bytes
    assert total["decode_step_dram_bytes"] >= total["decode_step_read_bytes"]
    assert total["tpot_s"] >= total["bandwidth_bound_tpot_s"]


def test_the_figures_of_the_doc() -> None:
    """docs/llm.md: the whole Llama-3.2-1B step on fpga-zcu102-int8, and its bound at the fp16 bytes."""
    spec = "llama3.2-1b:phase=decode,context=512,batch=1"
    total = simulate(load_workload(spec), load_arch("fpga-zcu102-int8")).total()
    bandwidth = total["decode_step_read_bytes"] / total["bandwidth_bound_tpot_s"]
    at_spec_bits = decode_step_read_bytes(parse_spec(spec)) / bandwidth
    ms = [round(x * 1e3, 2) for x in (total["tpot_s"], total["bandwidth_bound_tpot_s"], at_spec_bits)]
    assert ms == [65.84, 64.80, 129.60]


def test_int8_weights_keep_their_scales_and_only_the_fp16_cache_is_converted() -> None:
    total = _total("fpga-zcu102-int8", ",wbits=8")
    assert total["datapath_conversions"] == {"kv_cache": [16, 8]}
    spec = parse_spec(SPEC.format(extra=",wbits=8,kvbits=8"))  # int8 cache: its scales are read
    cache_scales = decode_step_read_bytes(spec) - total["decode_step_read_bytes"]
    assert 0 < cache_scales < 0.02 * total["decode_step_read_bytes"]
    assert total["tpot_s"] >= total["bandwidth_bound_tpot_s"]


@pytest.mark.parametrize(
    ("arch", "extra", "converted"),
    [
        ("a100-like", "", {}),  # fp16 words
        ("loopnest-tpu-like", "", {}),  # the loop-nest family's word is the activation precision: fp16
        ("loopnest-tpu-like", ",abits=8", {"weights": [16, 8], "kv_cache": [16, 8]}),
        ("loopnest-tpu-like", ",abits=8,wbits=4,kvbits=8", {}),
        ("system-quad-systolic", "", {}),  # a system moves whole tensors
    ],
)
def test_conversions_follow_each_family_word(arch: str, extra: str, converted: dict) -> None:
    total = _total(arch, extra)
    assert total["datapath_conversions"] == converted
    assert total["tpot_s"] >= total["bandwidth_bound_tpot_s"]


def test_cli_warns_of_a_conversion_and_not_otherwise(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    workload = SPEC.format(extra="")
    assert main(["simulate", "-w", workload, "-a", "fpga-zcu102-int8", "-f", "json", "-o", str(tmp_path / "a")]) == 0
    err = capsys.readouterr().err
    assert "warning: fpga-zcu102-int8: runs the 16-bit weights and 16-bit kv cache as 8-bit words" in err
    assert main(["simulate", "-w", workload, "-a", "a100-like", "-f", "json", "-o", str(tmp_path / "b")]) == 0
    assert "warning" not in capsys.readouterr().err
