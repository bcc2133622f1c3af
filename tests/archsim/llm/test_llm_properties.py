"""Invariants of LLM serving figures on small random decoders, on presets of every family.

Hypothesis draws small decoders (hidden, heads, key/value heads, head size, MLP width,
vocabulary, experts and top-k, sliding window, 1-2 layers, GPT-2 or Llama style) and runs
(prefill/decode/request, prompt/context 1..4096, batch 1..64, weight/activation/KV bits) and
checks what the project promises for any of them (docs/llm.md, DESIGN.md "Physical consistency"):

- a run either succeeds or is refused with a one-line InputError/ValueError;
- every figure is finite and non-negative; an op never computes above the peak nor moves
  more DRAM bytes than bandwidth x its time (per port, per memory or per task where the
  family has them); the whole run, TPOT and TTFT take at least their bytes over the bandwidth;
- tokens/s <= batch x bandwidth / bytes per decode step; the contract's ``total`` keys are there;
- the KV cache grows linearly with context; decode weight traffic does not depend on context;
  doubling the batch never lowers the MACs; the same inputs give the same numbers;
- ``fits_memory`` is false exactly when a memory's footprint exceeds the capacity it reports.
"""

from __future__ import annotations

import dataclasses
import json
import math
from functools import cache
from types import SimpleNamespace
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import mappers.multicore  # noqa: F401  (registers the system family with simulate())
from archsim.config.loader import load_arch
from archsim.errors import InputError
from archsim.llm import dram_cycles, with_llm_metrics
from archsim.llm.metrics import memory_check, unfit_warning
from archsim.metrics import LayerMetrics, NetworkMetrics
from archsim.simulate import simulate
from workloads.graph import Workload
from workloads.llm.build import build_llm
from workloads.llm.config import LlmConfig
from workloads.llm.family import LLM_FAMILY
from workloads.llm.footprint import kv_cache_bytes
from workloads.llm.spec import LlmRun, LlmSpec, Phase
from workloads.llm.workload import llm_spec_of
from workloads.packing import packed_weight_fraction
from workloads.registry import load_workload

ARCHS = (
    "tpu-like",
    "eyeriss-like",
    "systolic-32x32",
    "a100-like",
    "loopnest-tpu-like",
    "ethos-u85-256",
    "ethos-u55-128",
    "fpga-zcu102-int8",
    "a100-manycore",
    "system-quad-systolic",
    "system-hetero",
)
"""One or two presets per family: systolic, loop-nest, NPU, FPGA, many-core, multi-core system."""

SLOW = frozenset({"loopnest-tpu-like", "system-quad-systolic", "system-hetero"})
"""Presets whose mapping search takes ~0.1-0.5 s per small decoder: fewer examples there."""

CONTRACT = ("ttft_s", "tpot_s", "tokens_per_s", "energy_per_token_pj")
"""LLM keys DESIGN.md promises in ``total``."""

WEIGHT_OPS = ("qkv", "o_proj", "gate_up", "up", "down", "router", "experts_gate_up", "experts_down", "lm_head")
"""Ops whose operands are weights and activations of the new tokens only (no KV cache)."""

REL = 1e-9
"""Relative slack for float round-off in the physics checks."""

PROPERTY = settings(deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
"""Deterministic examples, no per-example deadline (a mapping search may take half a second)."""


def _examples(arch: str, fast: int, slow: int) -> settings:
    """The shared settings with ``fast`` examples, ``slow`` on the presets in :data:`SLOW`."""
    return settings(PROPERTY, max_examples=slow if arch in SLOW else fast)


@st.composite
def decoders(draw: st.DrawFn) -> LlmConfig:
    """A small decoder: Llama-style (RMSNorm, gated SiLU, rotary) or GPT-2-style, maybe GQA, MoE, windowed."""
    heads = draw(st.integers(1, 8))
    kv_heads = draw(st.sampled_from([d for d in range(1, heads + 1) if heads % d == 0]))
    experts = draw(st.sampled_from((1, 1, 2, 4)))
    gpt2 = draw(st.booleans()) and experts == 1
    return LlmConfig(
        name="prop",
        hidden=draw(st.integers(1, 16)) * 16,
        layers=draw(st.integers(1, 2)),
        heads=heads,
        kv_heads=kv_heads,
        head_dim=draw(st.sampled_from((8, 16, 32, 64))),
        ffn=draw(st.integers(1, 32)) * 16,
        vocab=draw(st.integers(2, 2048)),
        gated_mlp=not gpt2,
        experts=experts,
        top_k=draw(st.integers(1, experts)),
        sliding_window=draw(st.sampled_from((0, 0, 16, 1000))),
        norm="layernorm" if gpt2 else "rmsnorm",
        position_embeddings=4096 if gpt2 else 0,
    )


BITS = {"int4": 4, "int8": 8, "int16": 16, "fp16": 16}
"""Precision names of configs -> the spec's bits."""


def _accepted(arch: str) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """Weight and activation bits the preset runs (an NPU, or a system's NPU cores, list them; others run all)."""
    config = _config(arch)
    cores = config.cores if config.family == "system" else (config,)
    npus = [core for core in cores if core.family == "npu"]
    if not npus:
        return (4, 8, 16), (8, 16)
    weights = set.intersection(*({BITS[p] for p in core.weight_precisions} for core in npus))
    return tuple(sorted(weights)), (8,)  # abits=16 is fp16, which no NPU runs (its int16 is integer)


@st.composite
def runs(draw: st.DrawFn, phase: Phase | None = None, arch: str | None = None) -> LlmRun:
    """How to run it: phase, lengths up to 4,096 positions, batch up to 64, weight/activation/KV bits.

    With ``arch``, only the weight and activation bits it accepts (the rest are refused, which
    :func:`test_a_refusal_is_one_clean_line` checks).
    """
    phase = draw(st.sampled_from(tuple(Phase))) if phase is None else phase
    wbits, abits = _accepted(arch) if arch else ((4, 8, 16), (8, 16))
    return LlmRun(
        phase=phase,
        prompt=draw(st.integers(1, 4096)),
        context=draw(st.integers(1, 4096)) if phase is Phase.DECODE else 0,
        batch=draw(st.integers(1, 64)),
        tokens=draw(st.integers(1, 4)),
        wbits=draw(st.sampled_from(wbits)),
        abits=draw(st.sampled_from(abits)),
        kvbits=draw(st.sampled_from((4, 8, 16))),
    )


@cache
def _config(arch: str) -> Any:
    return load_arch(arch)


def _simulate(spec: LlmSpec, arch: str) -> NetworkMetrics:
    """The family's metrics with the LLM serving totals, as ``simulate()`` adds them to a spec workload."""
    config = _config(arch)
    return with_llm_metrics(simulate(build_llm(spec), config), spec, config)


def _simulate_or_refuse(spec: LlmSpec, arch: str) -> NetworkMetrics | None:
    """The metrics, or None after checking that a refusal is a clean one-line input error."""
    try:
        return _simulate(spec, arch)
    except (InputError, ValueError) as exc:
        message = str(exc)
        assert message and "\n" not in message.strip(), message
        return None


def _rate(metrics: NetworkMetrics) -> float:
    """DRAM bytes per second of the design."""
    return metrics.dram_bytes_per_cycle * metrics.clock_hz


def _dram_bytes(layer: LayerMetrics, metrics: NetworkMetrics) -> float:
    """Bytes the op moves over DRAM (the word counts at the family's DRAM word size)."""
    return (layer.ifmap_dram_reads + layer.filter_dram_reads + layer.ofmap_dram_writes) * metrics.word_bytes


def _numbers(data: Any, path: str = "") -> list[tuple[str, float]]:
    """Every number in a JSON tree with its path."""
    if isinstance(data, dict):
        return [item for key, value in data.items() for item in _numbers(value, f"{path}.{key}")]
    if isinstance(data, list):
        return [item for k, value in enumerate(data) for item in _numbers(value, f"{path}[{k}]")]
    if isinstance(data, int | float) and not isinstance(data, bool):
        return [(path, float(data))]
    return []


def _finite(value: Any) -> bool:
    return isinstance(value, int | float) and math.isfinite(value) and value >= 0


def _check_channels(layer: LayerMetrics, metrics: NetworkMetrics, config: Any) -> None:
    """Per-port, per-memory and per-task channels of the families that have them."""
    cycles = layer.total_cycles
    if config.family == "systolic":
        assert dram_cycles(layer, metrics) <= cycles + 1, layer.layer
    if config.family == "npu":
        for memory in ("sram", "dram", "flash"):
            moved = float(layer.extras.get(f"{memory}_bytes", 0))
            assert moved <= getattr(config, f"{memory}_bytes_per_cycle") * cycles * (1 + REL) + 1, (layer.layer, memory)
            assert float(layer.extras.get(f"{memory}_access_cycles", 0)) <= cycles + 1, (layer.layer, memory)
    if config.family == "system":
        span = float(layer.extras["end_cycle"]) - float(layer.extras["start_cycle"])
        moved = float(layer.extras["dram_read_bytes"]) + float(layer.extras["dram_write_bytes"])
        assert moved <= config.dram_bytes_per_cycle * span * (1 + REL) + 1, layer.layer
        assert float(layer.extras["link_bytes"]) <= config.link_bytes_per_cycle * span * (1 + REL) + 1, layer.layer


COMPULSORY = frozenset({"systolic", "fpga", "manycore", "system"})
"""Families whose op rows carry their own reads (an NPU moves a chained add's operand on its producer's row;
the loop-nest family counts in its DRAM port's words, rounded per loop period)."""


def _check_compulsory_reads(metrics: NetworkMetrics, workload: Workload, config: Any) -> None:
    """No op reads fewer DRAM bytes than the graph inputs it uses hold (weights, KV cache, first activations).

    A system moves whole tensors. A family's core reads at its word: an element wider than the word is
    converted to one word (fp16 weights on an int8 array, docs/llm.md), and fp16 ``:scales`` count only
    where the op's weights are read packed: weights as wide as the word are converted with their scales
    dropped, and a KV cache's scales are not read (a finding reported with these tests; ``workloads.packing``).
    """
    word = math.inf if config.family == "system" else metrics.word_bytes
    packed = packed_weight_fraction(workload, word)
    produced = {t for node in workload for t in node.outputs}
    rows = {layer.layer: layer for layer in metrics.layers}
    for node in workload:
        need = 0.0
        for name in node.inputs:
            tensor = workload.tensor(name)
            if name in produced or (name.endswith(":scales") and node.name not in packed):
                continue
            stored = workload.tensor_bytes(name)
            need += stored * min(1.0, word * tensor.numel / stored)
        row = rows[node.name]
        if config.family == "system":
            read = float(row.extras["dram_read_bytes"])
        else:
            read = (row.ifmap_dram_reads + row.filter_dram_reads) * metrics.word_bytes
        assert read + metrics.word_bytes >= need * (1 - REL), (node.name, read, need)


def _npu_rows(metrics: NetworkMetrics, config: Any) -> set[str]:
    """Rows run by an NPU (the whole network on an NPU preset, a system's tasks on its NPU cores)."""
    if config.family == "system":
        families = {name: core.family for name, core in zip(config.core_names, config.cores, strict=True)}
        return {layer.layer for layer in metrics.layers if families[str(layer.extras["core"])] == "npu"}
    return {layer.layer for layer in metrics.layers} if config.family == "npu" else set()


def check_run(metrics: NetworkMetrics, spec: LlmSpec, arch: str) -> None:
    """Every per-run invariant of the module docstring."""
    config = _config(arch)
    rate = _rate(metrics)
    assert rate > 0 or config.family == "npu"  # an Ethos-U55 keeps weights in flash and has no DRAM
    for layer in metrics.layers:
        for name in ("compute_cycles", "stall_cycles", "total_cycles", "latency_s", "energy_pj", "macs"):
            assert _finite(getattr(layer, name)), (layer.layer, name, getattr(layer, name))
        counts = (layer.ifmap_dram_reads, layer.filter_dram_reads, layer.ofmap_dram_writes)
        assert all(_finite(c) for c in counts), (layer.layer, counts)
        assert layer.macs <= metrics.peak_macs_per_cycle * layer.total_cycles * (1 + REL), layer.layer
        assert layer.compute_util <= 1 + REL and layer.overall_util <= 1 + REL, layer.layer
        assert _dram_bytes(layer, metrics) <= rate * layer.latency_s * (1 + REL) + metrics.word_bytes, layer.layer
        _check_channels(layer, metrics, config)
    data = json.loads(json.dumps(metrics.to_json(), allow_nan=False))  # no inf or NaN anywhere in the JSON
    assert all(key in data["total"] for key in CONTRACT), sorted(data["total"])
    negative = [path for path, value in _numbers(data) if value < 0]
    assert not negative, negative[:5]
    total = metrics.total()
    dram = sum(_dram_bytes(layer, metrics) for layer in metrics.layers)
    elapsed = total["makespan_cycles"] / metrics.clock_hz if "makespan_cycles" in total else total["latency_s"]
    assert elapsed * rate * (1 + REL) + metrics.word_bytes >= dram
    run = spec.run
    if run.phase is Phase.DECODE:
        assert total["ttft_s"] is None and _finite(total["tpot_s"]) and total["tpot_s"] > 0
    else:
        assert _finite(total["ttft_s"]) and total["ttft_s"] > 0
    tokens = run.batch * (run.prompt if run.phase is Phase.PREFILL else run.tokens)
    request = (total["ttft_s"] or 0.0) + run.decode_steps * (total["tpot_s"] or 0.0)
    assert total["request_latency_s"] == pytest.approx(request, rel=1e-12)
    assert total["tokens_per_s"] == pytest.approx(tokens / request, rel=1e-12)
    assert total["energy_per_token_pj"] == pytest.approx(total["request_energy_pj"] / tokens, rel=1e-12)
    workload = build_llm(spec)
    ops = {node.op.name: node.op.macs for node in workload}
    if config.family == "system":  # layer by layer (no fusion): a task moves each tensor it touches once at most
        for node in workload:
            row = next(layer for layer in metrics.layers if layer.layer == node.op.name)
            assert row.extras["dram_read_bytes"] <= sum(workload.tensor_bytes(t) for t in node.inputs), node.op.name
            assert row.extras["dram_write_bytes"] <= sum(workload.tensor_bytes(t) for t in node.outputs), node.op.name
    npu = _npu_rows(metrics, config)
    for layer in metrics.layers:  # no family drops a matmul's MACs; an NPU may add some (its norms' reductions)
        assert layer.macs == ops[layer.layer] or (ops[layer.layer] == 0 and layer.layer in npu), layer.layer
    assert metrics.macs >= sum(ops.values())
    if config.family in COMPULSORY:
        _check_compulsory_reads(metrics, workload, config)
    if total["tpot_floor_s"] is not None:
        assert total["tpot_s"] * (1 + REL) >= total["tpot_floor_s"]
    if total["bandwidth_bound_tpot_s"] is not None:  # at the precisions the datapath runs (its conversions)
        assert total["tpot_s"] * (1 + REL) >= total["bandwidth_bound_tpot_s"], total["datapath_conversions"]
    if run.phase is Phase.DECODE and total["decode_step_dram_bytes"]:
        ceiling = run.batch * rate / total["decode_step_dram_bytes"]
        assert total["tokens_per_s"] <= ceiling * (1 + REL)


def _spec(decoder: LlmConfig, run: LlmRun) -> LlmSpec:
    return LlmSpec("prop", decoder, run)


@pytest.mark.parametrize("arch", ARCHS)
def test_any_small_decoder_runs_within_physics_or_is_refused_cleanly(arch: str) -> None:
    """Every per-run invariant on random decoders and runs, or a clean refusal."""

    @_examples(arch, 40, 8)
    @given(decoder=decoders(), run=runs(arch=arch))
    def prop(decoder: LlmConfig, run: LlmRun) -> None:
        spec = _spec(decoder, run)
        metrics = _simulate_or_refuse(spec, arch)
        if metrics is not None:
            check_run(metrics, spec, arch)

    prop()


@pytest.mark.parametrize("arch", ARCHS)
def test_a_refusal_is_one_clean_line(arch: str) -> None:
    """Any precision on any preset: it runs, or it is refused with a one-line InputError/ValueError."""

    @_examples(arch, 5, 2)
    @given(decoder=decoders(), run=runs())
    def prop(decoder: LlmConfig, run: LlmRun) -> None:
        _simulate_or_refuse(_spec(decoder, run), arch)

    prop()


@st.composite
def family_specs(draw: st.DrawFn) -> str:
    """A spec of the ``llm`` co-search family (docs/llm.md), two layers: the grammar users type."""
    knobs = {name: draw(st.sampled_from(values)) for name, values in LLM_FAMILY.knobs.items() if name != "layers"}
    return "llm:" + ",".join(f"{name}={value}" for name, value in {"layers": 2, **knobs}.items())


@pytest.mark.parametrize("arch", ["tpu-like", "a100-manycore", "ethos-u85-256"])
@settings(PROPERTY, max_examples=12)
@given(text=family_specs())
def test_family_specs_through_load_workload(arch: str, text: str) -> None:
    """The spec grammar's path (``load_workload`` then ``simulate``, which adds the serving totals itself).

    Every combination of the family's knobs builds (a request ignores ``context``: it decodes from its prompt).
    """
    workload = load_workload(text)
    spec = llm_spec_of(workload)
    assert spec is not None
    try:
        metrics = simulate(workload, _config(arch))
    except (InputError, ValueError) as exc:
        assert str(exc) and "\n" not in str(exc).strip(), str(exc)
        return
    check_run(metrics, spec, arch)


def _weight_reads(metrics: NetworkMetrics) -> dict[str, int]:
    """Weight DRAM words of every decode weight op.

    Only the weights: the activations' re-reads follow the design, which a family may choose for
    the whole workload (the FPGA's unified Tm x Tn changes with the attention ops' shapes).
    """
    return {
        layer.layer: layer.filter_dram_reads
        for layer in metrics.layers
        if layer.layer.startswith("decode.") and layer.layer.rsplit(".", 1)[-1] in WEIGHT_OPS
    }


@pytest.mark.parametrize("arch", ARCHS)
def test_decode_weight_traffic_does_not_depend_on_context(arch: str) -> None:
    """A decode step reads the same weights (and writes the same outputs) at any context; MACs grow with batch."""

    @_examples(arch, 5, 2)
    @given(decoder=decoders(), run=runs(Phase.DECODE, arch), longer=st.integers(1, 4096))
    def prop(decoder: LlmConfig, run: LlmRun, longer: int) -> None:
        short = _simulate_or_refuse(_spec(decoder, run), arch)
        other = _simulate_or_refuse(_spec(decoder, dataclasses.replace(run, context=run.context + longer)), arch)
        if short is not None and other is not None and _config(arch).family != "system":
            # a system's task rows count all DRAM reads together (``ifmap_dram_reads``): no weight split
            assert _weight_reads(short) == _weight_reads(other)
        wide = _simulate_or_refuse(_spec(decoder, dataclasses.replace(run, batch=2 * run.batch)), arch)
        if short is not None and wide is not None:
            assert wide.macs >= short.macs

    prop()


@pytest.mark.parametrize("arch", ARCHS)
def test_same_inputs_give_the_same_numbers(arch: str) -> None:
    """Determinism: two runs of one spec (fresh workloads) give identical JSON."""

    @_examples(arch, 3, 2)
    @given(decoder=decoders(), run=runs(arch=arch))
    def prop(decoder: LlmConfig, run: LlmRun) -> None:
        first = _simulate_or_refuse(_spec(decoder, run), arch)
        if first is not None:
            assert _simulate(_spec(decoder, run), arch).to_json() == first.to_json()

    prop()


@settings(PROPERTY, max_examples=200)
@given(decoder=decoders(), run=runs(Phase.DECODE), step=st.integers(1, 4096))
def test_kv_cache_bytes_are_linear_in_context(decoder: LlmConfig, run: LlmRun, step: int) -> None:
    """Equal steps of context add equal KV-cache bytes (without a sliding window, which caps the cache).

    Exactly for any step at 16 bits; a 4/8-bit cache's fp16 scales each cover ``group`` values of the
    flattened positions x head_dim, so there its size is linear in steps of whole groups.
    """
    decoder = dataclasses.replace(decoder, sliding_window=0)
    if run.kvbits < 16:
        step *= run.group or decoder.head_dim
    contexts = [run.context + i * step for i in range(3)]
    sizes = [kv_cache_bytes(_spec(decoder, dataclasses.replace(run, context=c))) for c in contexts]
    assert sizes[2] - sizes[1] == sizes[1] - sizes[0] > 0


def _stated(config: Any) -> dict[str, tuple[int | None, bool, bool]]:
    """Memory -> (capacity in bytes the config states or None, holds weights, holds the KV cache), from the config."""
    if config.family in ("systolic", "manycore", "system"):
        return {"dram": (int(config.dram_capacity_mb * 2**20) or None, True, True)}
    if config.family == "loopnest":
        top = config.memories[-1]
        return {top.name: (top.size_bits // 8 or None, True, True)}
    if config.family == "npu":
        homes = {config.weights_in.value, config.activations_in.value}
        return {
            m: (
                int(getattr(config, f"{m}_size_kb") * 1024) or None,
                config.weights_in.value == m,
                config.activations_in.value == m,
            )
            for m in homes
        }
    if config.family == "fpga":
        return {"dram": (int(config.board_spec.dram_gb * 2**30) or None, True, True)}
    raise AssertionError(f"no capacity rule for family {config.family!r}")


@pytest.mark.parametrize("arch", ARCHS)
def test_fits_memory_is_false_exactly_when_a_footprint_exceeds_its_capacity(arch: str) -> None:
    """Each memory's verdict is its footprint <= the capacity its config states (null when none is stated)."""

    @_examples(arch, 5, 2)
    @given(decoder=decoders(), run=runs(arch=arch))
    def prop(decoder: LlmConfig, run: LlmRun) -> None:
        metrics = _simulate_or_refuse(_spec(decoder, run), arch)
        if metrics is None:
            return
        total = metrics.total()
        stated = _stated(_config(arch))
        assert set(total["memory"]) == set(stated)
        for name, (capacity, weights, kv) in stated.items():
            entry = total["memory"][name]
            needed = total["weight_bytes"] * weights + total["kv_cache_bytes"] * kv
            assert entry["capacity_bytes"] == capacity and entry["needed_bytes"] == needed
            assert entry["fits"] is (None if capacity is None else needed <= capacity)
        verdicts = [entry["fits"] for entry in total["memory"].values()]
        assert total["fits_memory"] is (None if None in verdicts else all(verdicts))

    prop()


def _with_capacity(config: Any, memory: str, size: int) -> Any:
    """``config`` with ``memory`` holding ``size`` bytes (each family's own capacity knob)."""
    if config.family in ("systolic", "manycore", "system"):
        return dataclasses.replace(config, dram_capacity_mb=size / 2**20)
    if config.family == "npu":
        return dataclasses.replace(config, **{f"{memory}_size_kb": size / 1024})
    if config.family == "fpga":  # memory_check reads the family and the board
        return SimpleNamespace(family="fpga", board_spec=dataclasses.replace(config.board_spec, dram_gb=size / 2**30))
    top = dataclasses.replace(config.memories[-1], size_bits=8 * size)
    return dataclasses.replace(config, memories=(*config.memories[:-1], top))


@pytest.mark.parametrize("arch", [a for a in ARCHS if any(c for c, _, _ in _stated(load_arch(a)).values())])
@settings(PROPERTY, max_examples=20)
@given(decoder=decoders(), run=runs())
def test_fits_memory_flips_exactly_at_the_capacity(arch: str, decoder: LlmConfig, run: LlmRun) -> None:
    """A memory exactly as large as its footprint fits; one byte smaller does not (and the run says so)."""
    spec = _spec(decoder, run)
    for name, entry in memory_check(spec, _config(arch)).items():
        needed = entry["needed_bytes"]
        if not needed:
            continue
        assert memory_check(spec, _with_capacity(_config(arch), name, needed))[name]["fits"] is True
        smaller = memory_check(spec, _with_capacity(_config(arch), name, needed - 1))
        assert smaller[name]["fits"] is False
        assert unfit_warning({"memory": smaller}) is not None
