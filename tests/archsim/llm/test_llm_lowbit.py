"""Low-bit weights reach the families' DRAM traffic: packed int4/int8 weights with their fp16 scales.

Every weight matmul of a decode step reads its weight tensors' bytes (weights + scales, rounded up
to whole datapath words), not one word per weight; a bandwidth-bound decode gets faster with fewer
bits; and no op moves more filter words than its channel carries in its time.
"""

from __future__ import annotations

import dataclasses
import math

import pytest

from archsim.config.loader import load_arch
from archsim.simulate import simulate
from archsim.systolic.vectorised import designs_from_configs, evaluate
from workloads.errors import InputError
from workloads.graph import TensorKind
from workloads.registry import load_workload

SPEC = "llama3.2-1b:phase=decode,context=512,batch=1,layers=2,wbits={bits}"


@pytest.mark.parametrize(("arch", "bits"), [("a100-like", 4), ("tpu-like", 4), ("a100-like", 8), ("tpu-like", 8)])
def test_weight_dram_bytes_are_the_packed_tensors(arch: str, bits: int) -> None:
    """W8 on the int8 ``tpu-like``: a word per weight plus the fp16 scales (1 + 2 / 128 words a weight)."""
    config = load_arch(arch)
    workload = load_workload(SPEC.format(bits=bits))
    layers = {layer.layer: layer for layer in simulate(workload, config).layers}
    checked = 0
    for node in workload.nodes:
        weights = [workload.tensor(t) for t in node.inputs if workload.tensor(t).kind is TensorKind.WEIGHT]
        if not weights:
            continue
        packed = sum(t.nbytes(workload.precision) for t in weights)
        words = layers[node.name].filter_dram_reads
        assert words == math.ceil(packed / config.word_bytes), node.name
        checked += 1
    assert checked >= 7


KV_SPEC = "llama3.2-1b:phase=decode,context=512,batch=2,layers=2,kvbits={bits}"


@pytest.mark.parametrize(
    ("arch", "bits"),
    [
        ("a100-like", 8),
        ("a100-like", 4),
        ("tpu-like", 4),
        ("tpu-like", 8),
        ("fpga-zcu102-int8", 4),
        ("a100-manycore", 8),
    ],
)
def test_kv_cache_dram_bytes_are_the_packed_tensors(arch: str, bits: int) -> None:
    """The attention matmuls of a decode step read the cached K/V at ``kvbits`` with their scales, packed
    into the datapath's words."""
    config = load_arch(arch)
    word_bytes = config.precision.bytes if arch.startswith("fpga") else config.word_bytes
    workload = load_workload(KV_SPEC.format(bits=bits))
    layers = {layer.layer: layer for layer in simulate(workload, config).layers}
    attention = [n for n in workload.nodes if n.name.startswith("decode.") and n.name.endswith((".scores", ".context"))]
    for node in attention:
        cache = [workload.tensor(t) for t in node.inputs[1:]]
        assert {t.kind for t in cache} == {TensorKind.INPUT} and len(cache) == 2, node.name  # values + scales
        packed = sum(t.nbytes(workload.precision) for t in cache)
        assert layers[node.name].filter_dram_reads == math.ceil(packed / word_bytes), node.name
    assert len(attention) == 4


@pytest.mark.parametrize("arch", ["a100-manycore", "a100-like", "loopnest-tpu-like"])
def test_long_context_decode_speeds_up_with_fewer_kv_bits(arch: str) -> None:
    """At 16k positions and batch 8 the KV cache dominates a step's bytes: a narrower cache reads less."""
    spec = "llama3.2-1b:phase=decode,context=16384,batch=8,layers=1,kvbits={}"
    config = load_arch(arch)
    runs = {bits: simulate(load_workload(spec.format(bits)), config) for bits in (16, 8, 4)}
    reads = {
        bits: sum(row.filter_dram_reads for row in m.layers if row.layer.endswith(".scores"))
        for bits, m in runs.items()
    }
    tpot = {bits: m.total()["tpot_s"] for bits, m in runs.items()}
    assert reads[4] < reads[8] < reads[16]
    if arch != "a100-like":  # its one array runs a decode step's attention compute-bound (docs/llm.md)
        assert tpot[4] < tpot[8] < tpot[16]
    documented = {"a100-manycore": (0.5338, 0.4620, 0.4255), "loopnest-tpu-like": (31.7288, 27.3171, 25.0922)}
    if arch in documented:  # docs/llm.md, "Low-bit weights and KV cache"
        measured = tuple(tpot[bits] * 1e3 for bits in (16, 8, 4))
        assert measured == pytest.approx(documented[arch], rel=1e-4)


@pytest.mark.parametrize("arch", ["tpu-like", "fpga-zcu102-int8"])
def test_bandwidth_bound_decode_speeds_up_with_fewer_weight_bits(arch: str) -> None:
    config = load_arch(arch)
    tpot = {bits: simulate(load_workload(SPEC.format(bits=bits)), config).total()["tpot_s"] for bits in (4, 8)}
    assert 0.45 <= tpot[4] / tpot[8] <= 0.65


def test_packed_filter_words_stay_within_the_channel() -> None:
    config = load_arch("tpu-like")
    for layer in simulate(load_workload(SPEC.format(bits=4)), config).layers:
        assert layer.filter_dram_reads <= config.filter_dram_bw * config.cores * layer.total_cycles + 1, layer.layer


@pytest.mark.parametrize("spec", [SPEC.format(bits=4), KV_SPEC.format(bits=4)])
def test_vectorised_path_packs_the_same_weights(spec: str) -> None:
    configs = [load_arch("tpu-like"), load_arch("a100-like"), dataclasses.replace(load_arch("tpu-like"), cores=4)]
    workload = load_workload(spec)
    swept = evaluate(workload, designs_from_configs(configs))
    for config, latency, energy in zip(configs, swept.latency_s, swept.energy_pj, strict=True):
        metrics = simulate(workload, config)
        assert latency == pytest.approx(metrics.latency_s, rel=1e-12)
        assert energy == pytest.approx(metrics.energy_pj, rel=1e-12)


def test_scalesim_compat_mode_reads_a_word_per_weight() -> None:
    config = dataclasses.replace(load_arch("tpu-like"), scalesim_quirks=True)
    workload = load_workload(SPEC.format(bits=4))
    layer = next(row for row in simulate(workload, config).layers if row.layer == "decode.L0.qkv")
    node = next(n for n in workload.nodes if n.name == "decode.L0.qkv")
    assert layer.filter_dram_reads >= node.op.weight_elements  # SCALE-Sim's count: no packing


def test_npu_refuses_int4_weights_on_ethos_u_and_halves_the_stream_when_it_supports_them() -> None:
    """docs/llm.md: Ethos-U takes int8 weights only; an NPU listing int4 runs W4 decode at about half the TPOT."""
    spec = "qwen2.5-0.5b:phase=decode,context=1024,abits=8,kvbits=8,wbits={}"
    preset = load_arch("ethos-u85-256")
    with pytest.raises(InputError, match="int4"):
        simulate(load_workload(spec.format(4)), preset)
    decoder = dataclasses.replace(preset, weight_precisions=("int8", "int4"))
    w8 = simulate(load_workload(spec.format(8)), decoder).total()["tpot_s"]
    w4 = simulate(load_workload(spec.format(4)), decoder).total()["tpot_s"]
    assert w8 == pytest.approx(0.156, rel=0.005)
    assert w4 == pytest.approx(0.081, abs=0.0005)


def test_npu_refuses_an_int4_kv_cache_in_one_line() -> None:
    """An Ethos-U reads the KV cache as a feature map: int4 is no feature-map type, refused rather than run as int8."""
    spec = "qwen2.5-0.5b:phase=decode,context=64,layers=1,abits=8,wbits=8,kvbits={}"
    with pytest.raises(InputError, match=r"layer decode\.L0\.scores reads decode\.L0\.k_cache as int4"):
        simulate(load_workload(spec.format(4)), load_arch("ethos-u85-256"))
    assert simulate(load_workload(spec.format(8)), load_arch("ethos-u85-256")).total()["tpot_s"] > 0
