"""Vector ops on the loop-nest family: physics (hypothesis), the vector unit's config, LLM and CNN rows."""

from __future__ import annotations

import dataclasses
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from archsim.config.loader import load_arch
from archsim.config.loopnest import LoopNestConfig
from archsim.errors import InputError
from archsim.llm.metrics import with_llm_metrics
from archsim.loopnest.network import simulate_loopnest
from archsim.metrics import LayerMetrics, NetworkMetrics
from workloads.builder import GraphBuilder
from workloads.graph import Workload
from workloads.llm import parse_spec
from workloads.llm.build import build_llm
from workloads.ops import Activation, VectorFn
from workloads.precision import Precision
from workloads.registry import load_workload

PRESETS = ("loopnest-eyeriss-like", "loopnest-tpu-like")


def _with_dram(config: LoopNestConfig, bits_per_cycle: int, lanes: int) -> LoopNestConfig:
    """``config`` with its DRAM ports at ``bits_per_cycle`` and ``lanes`` vector lanes."""
    top = config.memories[-1]
    ports = tuple(dataclasses.replace(p, bandwidth_max=max(bits_per_cycle, p.bandwidth_min)) for p in top.ports)
    memories = (*config.memories[:-1], dataclasses.replace(top, ports=ports))
    unit = dataclasses.replace(config.vector_unit, lanes=lanes)
    return dataclasses.replace(config, memories=memories, vector_unit=unit)


def _one_op(kind: str, channels: int, size: int, precision: Precision) -> Workload:
    b = GraphBuilder(kind, precision)
    x = b.input((1, channels, size, size))
    if kind == "add":
        b.add(x, b.input((1, channels, size, size), name="y"))
    elif kind == "add_relu":
        b.add(x, b.input((1, channels, size, size), name="y"), activation=Activation.RELU)
    elif kind == "maxpool":
        b.pool(x, VectorFn.MAXPOOL, *WINDOWS["maxpool"])
    elif kind == "avgpool":
        b.pool(x, VectorFn.AVGPOOL, *WINDOWS["avgpool"])
    elif kind == "global_avgpool":
        b.global_avgpool(x)
    elif kind == "softmax":
        b.softmax(x)
    elif kind == "layernorm":
        b.layernorm(x)
    elif kind == "concat":
        b.concat([x, b.input((1, channels, size, size), name="y")])
    else:
        b.activation(x, Activation.GELU)
    return b.build()


WINDOWS = {"maxpool": (3, 2), "avgpool": (2, 2)}
"""(kernel, stride) of the pooling ops ``_one_op`` builds."""


def _io_bytes(workload: Workload, kind: str) -> tuple[int, int]:
    """Bytes the op must read (a strided window leaves the last rows/columns untouched) and write."""
    node = next(iter(workload))
    read = sum(workload.tensor_bytes(t) for t in node.inputs)
    if kind in WINDOWS:
        (_, channels, out, _), (kernel, stride) = workload.tensor(node.outputs[0]).shape, WINDOWS[kind]
        read = channels * ((out - 1) * stride + kernel) ** 2 * workload.precision.bytes
    return read, sum(workload.tensor_bytes(t) for t in node.outputs)


def _dram_bytes(row: LayerMetrics, metrics: NetworkMetrics) -> tuple[float, float]:
    reads = (row.ifmap_dram_reads + row.filter_dram_reads) * metrics.word_bytes
    return reads, row.ofmap_dram_writes * metrics.word_bytes


KINDS = ("add", "add_relu", "maxpool", "avgpool", "global_avgpool", "softmax", "layernorm", "concat", "gelu")


@settings(max_examples=30, deadline=None)
@given(
    preset=st.sampled_from(PRESETS),
    kind=st.sampled_from(KINDS),
    channels=st.sampled_from([1, 3, 16, 64, 100]),
    size=st.integers(4, 20),
    bits_per_cycle=st.sampled_from([16, 64, 344, 4096]),
    lane_share=st.sampled_from([1, 2, 3]),
    precision=st.sampled_from([Precision.INT8, Precision.FP16]),
)
def test_vector_ops_obey_peak_and_bandwidth(
    preset: str, kind: str, channels: int, size: int, bits_per_cycle: int, lane_share: int, precision: Precision
) -> None:
    base = load_arch(preset)
    lanes = max(1, base.operational_array.size_of[base.vector_unit.dimension] // lane_share)
    config = _with_dram(base, bits_per_cycle, lanes)
    workload = _one_op(kind, channels, size, precision)
    metrics = simulate_loopnest(workload, config)
    row = metrics.layers[0]
    ops = row.extras["vector_ops"]
    node = next(iter(workload))
    assert ops >= node.op.vector_ops  # every operation of the op is counted
    assert row.macs == 0 and row.extras["mapper"] == "proven"
    assert row.total_cycles >= math.ceil(ops / lanes)  # never faster than the lanes' peak
    assert 0 < row.extras["vector_util"] <= 1
    reads, writes = _dram_bytes(row, metrics)
    need_read, need_write = _io_bytes(workload, kind)
    word = metrics.word_bytes  # access counts are truncated to whole port words (ZigZag's accounting)
    assert reads + 2 * word >= need_read and writes + word >= need_write  # compulsory traffic
    assert reads + writes <= metrics.dram_bytes_per_cycle * row.total_cycles  # one DRAM port, never over it
    assert row.energy_pj >= ops * config.vector_unit.energy_per_op_pj


@settings(max_examples=15, deadline=None)
@given(kind=st.sampled_from(KINDS), size=st.integers(4, 16), slow=st.sampled_from([16, 64]))
def test_more_dram_bandwidth_is_never_slower(kind: str, size: int, slow: int) -> None:
    base = load_arch("loopnest-eyeriss-like")
    lanes = base.vector_unit.lanes
    workload = _one_op(kind, 16, size, Precision.INT8)
    narrow = simulate_loopnest(workload, _with_dram(base, slow, lanes)).layers[0].total_cycles
    wide = simulate_loopnest(workload, _with_dram(base, 4 * slow, lanes)).layers[0].total_cycles
    assert wide <= narrow


def test_preset_vector_units_are_stated() -> None:
    eyeriss, tpu = (load_arch(p).vector_unit for p in PRESETS)
    assert (eyeriss.dimension, eyeriss.lanes, eyeriss.energy_per_op_pj) == ("D2", 14, 0.05)
    assert (tpu.dimension, tpu.lanes, tpu.energy_per_op_pj) == ("D1", 256, 0.03)
    assert eyeriss.ops_per_element == tpu.ops_per_element == {"activation": 1.0, "softmax": 5.0, "layernorm": 5.0}


def test_reshape_is_free_and_every_other_op_is_costed() -> None:
    metrics = simulate_loopnest(load_workload("alexnet"), load_arch("loopnest-tpu-like"))
    rows = {r.layer: r for r in metrics.layers}
    assert rows["flatten"].total_cycles == 0 and rows["flatten"].energy_pj == 0
    assert rows["flatten"].extras["mapper"] == "view"
    for name in ("pool1", "pool2", "pool5", "prob"):
        assert rows[name].total_cycles > 0 and rows[name].energy_by_component_pj["vector"] > 0
    for row in metrics.layers:  # conv, matmul and vector rows: the DRAM port never moves more than it can
        reads, writes = _dram_bytes(row, metrics)
        assert reads + writes <= metrics.dram_bytes_per_cycle * row.total_cycles
        assert row.total_cycles >= row.extras["zigzag_latency_cycles"]


def test_llm_vector_ops_are_costed_and_decode_respects_the_dram_floor() -> None:
    spec = parse_spec("llama3.2-1b:phase=decode,context=256,batch=2,layers=1")
    config = load_arch("loopnest-tpu-like")
    metrics = with_llm_metrics(simulate_loopnest(build_llm(spec), config), spec, config)
    vector = [r for r in metrics.layers if r.kind == "vector"]
    names = {r.layer.split(".")[-1] for r in vector}
    assert names == {"norm1", "rope", "softmax", "attn_add", "norm2", "act_mul", "mlp_add", "norm_f"}
    assert all(r.total_cycles > 0 and r.extras["vector_ops"] > 0 for r in vector)
    total = metrics.total()
    # the step is never faster than its own DRAM words, nor than the bytes it must read at the spec's precisions
    assert total["tpot_s"] >= total["tpot_floor_s"] >= total["bandwidth_bound_tpot_s"] > 0
    # docs/llm.md's figures: 0.06% of the step in vector ops; TPOT 21.58 >= 21.56 >= 21.53 ms
    assert round(100 * _share(metrics, "total_cycles"), 2) == 0.06
    ms = [round(total[key] * 1e3, 2) for key in ("tpot_s", "tpot_floor_s", "bandwidth_bound_tpot_s")]
    assert ms == [21.58, 21.56, 21.53]


def _share(metrics: NetworkMetrics, field: str) -> float:
    """The vector ops' share of the layers' ``field`` (cycles or energy)."""
    rows = metrics.layers
    return sum(getattr(r, field) for r in rows if r.kind == "vector") / sum(getattr(r, field) for r in rows)


def test_llm_prefill_vector_share_quoted_in_the_docs() -> None:
    """docs/llm.md: a 512-token prefill layer spends 11.2% of its time and 7.1% of its energy in vector ops."""
    metrics = simulate_loopnest(
        build_llm(parse_spec("llama3.2-1b:phase=prefill,prompt=512,layers=1")), load_arch("loopnest-tpu-like")
    )
    assert (round(100 * _share(metrics, "total_cycles"), 1), round(100 * _share(metrics, "energy_pj"), 1)) == (
        11.2,
        7.1,
    )
    cycles = {r.layer: r.total_cycles for r in metrics.layers}
    assert (cycles["prefill.L0.norm1"], cycles["prefill.L0.rope"]) == (97_798, 193_853)


def test_bad_vector_unit_names_the_field(tmp_path) -> None:
    text = (
        "family = 'loopnest'\n[operational_array]\nunit_energy = 1\ndimensions = ['D1']\nsizes = [4]\n"
        "[vector_unit]\nlanes = 8\n"
        "[memories.dram]\nsize = 1000000\nr_cost = 1\nw_cost = 1\noperands = ['I1', 'I2', 'O']\n"
        "ports = [{ name = 'rw', type = 'read_write', bandwidth_min = 8, bandwidth_max = 8, allocation = "
        "['I1, tl', 'I2, tl', 'O, fl', 'O, fh', 'O, tl', 'O, th', 'I1, fh', 'I2, fh'] }]\n"
    )
    path = tmp_path / "bad.toml"
    path.write_text(text)
    with pytest.raises(InputError, match=r"vector_unit\.lanes: 8 exceeds the 4 units of dimension 'D1'"):
        load_arch(str(path))
    path.write_text(text.replace("lanes = 8", "ops_per_element = { sigmoid = 2 }"))
    with pytest.raises(InputError, match=r"vector_unit\.ops_per_element: unknown kind 'sigmoid'; allowed: add"):
        load_arch(str(path))
