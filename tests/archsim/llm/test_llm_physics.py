"""Physics and consistency of LLM serving figures on every family (systolic, NPU, FPGA, many-core).

- a decode step takes at least the bytes it moves over DRAM divided by the DRAM
  bandwidth (so tokens/s <= bandwidth / bytes per token), op by op and in total;
- doubling DRAM bandwidth on a bandwidth-bound decode nearly halves its time;
- TTFT/TPOT/tokens/s/energy per token are the phase sums they claim to be;
- the footprint is held against the memory capacity: a flag (systolic) or an error (NPU).

These are written as physics requires; on a systolic model whose DRAM words can exceed
bandwidth x cycles (SCALE-Sim's accounting, being corrected separately) the first may fail.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

import mappers.multicore  # noqa: F401  (registers the system family with simulate())
from archsim.config.loader import load_arch
from archsim.errors import InputError
from archsim.llm import dram_cycles
from archsim.metrics import NetworkMetrics
from archsim.simulate import simulate
from workloads.registry import load_workload

DECODE = "llama3.2-1b:phase=decode,context=2047,batch=2,layers=2,wbits=8,abits=8,kvbits=8"
ARCHS = ("tpu-like", "eyeriss-like", "ethos-u85-256", "fpga-zcu102-int8", "a100-like", "a100-manycore")


def _run(arch: str, spec: str = DECODE, **changes: Any) -> NetworkMetrics:
    config = load_arch(arch)
    return simulate(load_workload(spec), dataclasses.replace(config, **changes) if changes else config)


def _bytes_per_second(metrics: NetworkMetrics) -> float:
    return metrics.dram_bytes_per_cycle * metrics.clock_hz


@pytest.mark.parametrize("arch", ARCHS)
def test_no_op_moves_more_than_bandwidth_times_time(arch: str) -> None:
    metrics = _run(arch)
    rate = _bytes_per_second(metrics)
    for layer in metrics.layers:
        moved = (layer.ifmap_dram_reads + layer.filter_dram_reads + layer.ofmap_dram_writes) * metrics.word_bytes
        assert moved <= rate * layer.latency_s * (1 + 1e-9), layer.layer
        assert dram_cycles(layer, metrics) <= layer.total_cycles + 1, layer.layer  # each port, where ports differ
    total = metrics.total()
    assert total["tpot_s"] >= total["tpot_floor_s"]
    assert total["tokens_per_s"] <= 2 * rate / total["decode_step_dram_bytes"] * (1 + 1e-9)


BANDWIDTH_KNOBS: dict[str, dict[str, float]] = {
    "tpu-like": {"ifmap_dram_bw": 48, "filter_dram_bw": 48, "ofmap_dram_bw": 48},
    # the U85's 12 B/cycle outruns its weight decoder (8 int8 weights/cycle): decode is decoder-bound there;
    # doubled, the port stays under the latency bound of a DMA channel (3.3 B/cycle), so the port is the limit
    "ethos-u85-256": {"dram_bytes_per_cycle": 1},
    # likewise the ZCU102's 19.2 GB/s against a 200 MHz engine: start from a slower DDR port
    "fpga-zcu102-int8": {"bandwidth_gbps": 1.0},
    # the many-core GPU: every core's share of the DRAM halves with it, so from its HBM rate down
    "a100-manycore": {"dram_gb_per_s": 500.0},
}
"""A bandwidth-bound starting point per family: the DRAM knobs and their values."""


@pytest.mark.parametrize("arch", sorted(BANDWIDTH_KNOBS))
def test_doubling_bandwidth_nearly_halves_a_bandwidth_bound_decode(arch: str) -> None:
    spec = "llama3.2-1b:phase=decode,context=511,layers=2,wbits=8,abits=8"
    knobs = BANDWIDTH_KNOBS[arch]
    base = _run(arch, spec, **knobs)
    doubled = _run(arch, spec, **{k: 2 * v for k, v in knobs.items()})
    weights = ("qkv", "o_proj", "gate_up", "down", "lm_head")
    bound = {layer.extras["bound"] for layer in base.layers if layer.layer.endswith(weights)}
    assert bound in ({"dram"}, {"memory"}), bound  # the premise: weight matmuls bandwidth-bound (FPGA says "memory")
    ratio = doubled.total()["tpot_s"] / base.total()["tpot_s"]
    assert 0.45 <= ratio <= 0.6


def test_serving_totals_are_the_phase_sums() -> None:
    spec = "llama3.2-1b:phase=request,prompt=128,tokens=9,batch=2,layers=2,abits=8,wbits=8"
    metrics = _run("tpu-like", spec)
    total = metrics.total()
    prefill = sum(layer.latency_s for layer in metrics.layers if layer.layer.startswith("prefill."))
    step = sum(layer.latency_s for layer in metrics.layers if layer.layer.startswith("decode."))
    energy = sum(layer.energy_pj for layer in metrics.layers if layer.layer.startswith("decode."))
    prefill_pj = metrics.energy_pj - energy
    assert total["ttft_s"] == pytest.approx(prefill) and total["tpot_s"] == pytest.approx(step)
    assert total["request_latency_s"] == pytest.approx(prefill + 8 * step)
    assert total["tokens_per_s"] == pytest.approx(2 * 9 / (prefill + 8 * step))
    assert total["energy_per_token_pj"] == pytest.approx((prefill_pj + 8 * energy) / 18)
    assert {layer.extras["bound"] for layer in metrics.layers} <= {"compute", "dram"}


def test_decode_gemv_utilization_on_a_systolic_array() -> None:
    metrics = _run("tpu-like")
    qkv = next(layer for layer in metrics.layers if layer.layer.endswith("L0.qkv"))
    config = load_arch("tpu-like")
    # m = batch = 2 rows of a 256x256 weight-stationary array: at most 2 MACs per weight loaded,
    # and the weights stream at filter_dram_bw words per cycle
    assert qkv.overall_util <= 2 * config.filter_dram_bw / config.pes
    assert qkv.extras["bound"] == "dram"


def test_footprint_flag_and_error() -> None:
    fits = _run("a100-like", "llama3-8b:phase=decode,context=8192,batch=8,layers=1").total()
    assert fits["fits_memory"] is True and fits["memory"]["dram"]["capacity_bytes"] == 76294 * 2**20
    spill = _run("a100-like", "llama3-8b:phase=decode,context=131072,batch=64,layers=32").total()
    assert spill["fits_memory"] is False
    assert spill["memory"]["dram"]["needed_bytes"] == spill["weight_bytes"] + spill["kv_cache_bytes"]
    assert _run("systolic-32x32", DECODE).total()["fits_memory"] is None  # no capacity stated: not guessed
    tpu = _run("tpu-like", DECODE).total()["memory"]["dram"]  # TPU v1's 8 GiB Weight Memory (Jouppi et al.)
    assert tpu["capacity_bytes"] == 8 * 2**30 and tpu["fits"] is True
    board = _run("fpga-pynqz2-int8", "llama3.2-1b:phase=decode,context=2048,wbits=8").total()
    assert board["memory"]["dram"]["capacity_bytes"] == 2**29 and board["fits_memory"] is False  # 512 MB DDR3
    small = "llama3.2-1b:phase=decode,context=2048,wbits=8,layers=2"
    system = _run("system-quad-systolic", small, dram_capacity_mb=256)  # a user's system, its DRAM stated
    assert system.total()["memory"]["dram"]["capacity_bytes"] == 2**28 and system.total()["fits_memory"] is False
    with pytest.raises(InputError, match="dram holds"):
        _run("ethos-u85-256", "llama3-8b:phase=decode,context=128,abits=8,wbits=8")
