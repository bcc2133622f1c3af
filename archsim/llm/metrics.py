"""Serving metrics of an LLM workload on any family: TTFT, TPOT, tokens/s, energy per token, footprint.

A built LLM workload names its ops ``prefill.*`` and ``decode.*`` (one
representative decode step, at the mean context of the steps it stands for);
:func:`with_llm_metrics` adds to a family's :class:`NetworkMetrics`

- ``total``: ``ttft_s`` (the prefill), ``tpot_s`` (one decode step),
  ``request_latency_s`` / ``request_energy_pj`` (prefill + every decode step),
  ``tokens_per_s`` (generated tokens per second over the run; prompt tokens per
  second for a prefill), ``energy_per_token_pj`` (per generated token; per prompt
  token for a prefill), the footprint (``weight_bytes``, ``kv_cache_bytes``) held
  against each memory's capacity in ``memory`` with ``fits_memory``, and the
  decode step's DRAM bytes with the bandwidth floor ``tpot_floor_s`` (the family's own bytes), and
  ``bandwidth_bound_tpot_s``: the bytes a step must read (weights with their scales, KV cache;
  :func:`workloads.llm.footprint.decode_step_read_bytes`) over the DRAM bandwidth, at the
  precisions the datapath runs: weights or a cache wider than the family's word are converted to
  one word each (fp16 weights on an int8 array, ``workloads.packing``), which
  ``datapath_conversions`` names (operand -> [spec bits, datapath bits]; empty when none);
- each layer row: ``bound``, the resource that takes longest for the op
  (``compute``, or the memory: ``dram``/``sram``/``flash``), unless the family
  already reports one (FPGA).

The family's latency is kept as it is: ``tpot_floor_s`` is what the bytes the
family moves would take at its DRAM bandwidth, a check on its figures.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from typing import Any

from archsim.metrics import LayerMetrics, NetworkMetrics
from workloads.llm.footprint import decode_step_read_bytes, footprint, run_bits
from workloads.llm.spec import LlmSpec, Phase

MEMORIES = ("sram", "dram", "flash")
"""Memories a family may report access cycles for (``{memory}_access_cycles`` extras)."""


@dataclasses.dataclass(frozen=True)
class MemorySlot:
    """One memory of a design: its capacity (None: the config states none) and what an LLM keeps there."""

    capacity_bytes: int | None
    holds_weights: bool
    holds_kv_cache: bool


def _one_dram_memories(config: Any) -> dict[str, MemorySlot]:
    """One DRAM (``dram_capacity_mb``, 0 = not stated) holds weights and cache: a systolic array, a many-core
    device, a multi-core system's shared DRAM."""
    dram_mb = float(getattr(config, "dram_capacity_mb", 0.0))
    return {"dram": MemorySlot(int(dram_mb * 2**20) if dram_mb else None, True, True)}


def _npu_memories(config: Any) -> dict[str, MemorySlot]:
    slots: dict[str, MemorySlot] = {}
    for memory in MEMORIES:
        weights = config.weights_in.value == memory
        kv = config.activations_in.value == memory
        if weights or kv:
            size_kb = float(getattr(config, f"{memory}_size_kb"))
            slots[memory] = MemorySlot(int(size_kb * 1024) if size_kb else None, weights, kv)
    return slots


def _fpga_memories(config: Any) -> dict[str, MemorySlot]:
    """The board's DRAM (``Board.dram_gb``, from its user guide) holds weights and cache."""
    gigabytes = float(config.board_spec.dram_gb)
    return {"dram": MemorySlot(int(gigabytes * 2**30) if gigabytes else None, True, True)}


def _off_chip_unstated(config: Any) -> dict[str, MemorySlot]:
    return {"dram": MemorySlot(None, True, True)}


def _loopnest_memories(config: Any) -> dict[str, MemorySlot]:
    """The outermost memory of the hierarchy (the DRAM) holds weights and cache, at its stated size."""
    top = config.memories[-1]
    return {top.name: MemorySlot(top.size_bits // 8 or None, True, True)}


MEMORY_LAYOUTS: dict[str, Callable[[Any], dict[str, MemorySlot]]] = {
    "systolic": _one_dram_memories,
    "npu": _npu_memories,
    "fpga": _fpga_memories,
    "loopnest": _loopnest_memories,
    "system": _one_dram_memories,
    "manycore": _one_dram_memories,
}
"""Family -> where an LLM's weights and KV cache live and how big those memories are.

A family missing here (a new one) gets one DRAM of unstated capacity: ``fits`` is then null, never guessed.
"""


def _loopnest_word_bits(config: Any, spec: LlmSpec) -> int | None:
    """The loop-nest family reads operands in words of the workload's activation precision."""
    return spec.run.activation_precision.bits


DATAPATH_WORD_BITS: dict[str, Callable[[Any, LlmSpec], int | None]] = {
    "systolic": lambda config, spec: int(config.word_bytes * 8),
    "manycore": lambda config, spec: int(config.word_bytes * 8),
    "fpga": lambda config, spec: int(config.precision.bits),
    "loopnest": _loopnest_word_bits,
}
"""Family -> the word its datapath converts wider weights and KV caches to (``workloads.packing``).

Families missing here read every operand at its own precision (a system moves whole tensors) or
refuse what they cannot run (the NPU's fp16 weights).
"""


def datapath_conversions(spec: LlmSpec, config: Any) -> dict[str, list[int]]:
    """Operand (``weights``, ``kv_cache``) -> [spec bits, datapath bits] for those the family converts."""
    word_bits = _datapath_word_bits(spec, config)
    bits = {"weights": spec.run.weight_precision.bits, "kv_cache": spec.run.kv_precision.bits}
    pairs = {name: [b, run_bits(b, word_bits)[0]] for name, b in bits.items()}
    return {name: pair for name, pair in pairs.items() if pair[0] != pair[1]}


def _datapath_word_bits(spec: LlmSpec, config: Any) -> int | None:
    rule = DATAPATH_WORD_BITS.get(config.family)
    return None if rule is None else rule(config, spec)


PORTS = (
    ("ifmap_dram_reads", "ifmap_dram_bw"),
    ("filter_dram_reads", "filter_dram_bw"),
    ("ofmap_dram_writes", "ofmap_dram_bw"),
)
"""(DRAM word count, words-per-cycle-per-core knob) of a design with one DRAM port per operand (systolic)."""


def _port_rates(metrics: NetworkMetrics) -> tuple[float, float, float] | None:
    """Words per cycle of the ifmap, filter and ofmap DRAM ports over all cores, when the design has them."""
    arch = metrics.arch
    if not all(knob in arch for _, knob in PORTS):
        return None
    cores = float(arch.get("cores", 1))
    ifmap, filt, ofmap = (float(arch[knob]) * cores for _, knob in PORTS)
    return ifmap, filt, ofmap


def dram_cycles(layer: LayerMetrics, metrics: NetworkMetrics) -> float:
    """Cycles the op's DRAM words need at the design's bandwidth: the slowest port when each
    operand has its own (systolic), else all words over the one channel."""
    return _dram_cycles(layer, metrics, _port_rates(metrics))


def _dram_cycles(layer: LayerMetrics, metrics: NetworkMetrics, ports: tuple[float, float, float] | None) -> float:
    if ports is not None:
        return max(
            layer.ifmap_dram_reads / ports[0], layer.filter_dram_reads / ports[1], layer.ofmap_dram_writes / ports[2]
        )
    if metrics.dram_bytes_per_cycle <= 0:
        return 0.0
    words = layer.ifmap_dram_reads + layer.filter_dram_reads + layer.ofmap_dram_writes
    return words * metrics.word_bytes / metrics.dram_bytes_per_cycle


def op_bound(layer: LayerMetrics, metrics: NetworkMetrics) -> str:
    """``compute`` or the memory whose accesses take longest for this op (a roofline reading).

    Families that report per-memory access cycles (NPU) are read directly; otherwise the
    DRAM time is the op's DRAM words at the design's bandwidth (:func:`dram_cycles`).
    """
    return _bound(layer, metrics, _port_rates(metrics))


def _bound(layer: LayerMetrics, metrics: NetworkMetrics, ports: tuple[float, float, float] | None) -> str:
    cycles = {"compute": float(layer.compute_cycles)}
    reported = {m: float(layer.extras[f"{m}_access_cycles"]) for m in MEMORIES if f"{m}_access_cycles" in layer.extras}
    cycles.update(reported or {"dram": _dram_cycles(layer, metrics, ports)})
    return max(cycles, key=lambda name: cycles[name])


@dataclasses.dataclass
class _PhaseSums:
    """Latency, energy and DRAM words of one phase's ops."""

    latency_s: float = 0.0
    energy_pj: float = 0.0
    dram_words: int = 0


def _phase_sums(layers: tuple[LayerMetrics, ...], clock_hz: float) -> dict[str, _PhaseSums]:
    """Sums per phase (the op name's first part: ``prefill`` or ``decode``), in one pass.

    Ops that run one after another add their latencies; on a multi-core system, whose rows
    carry their schedule (``start_cycle``/``end_cycle``), a phase lasts from its first start
    to its last end (ops of one phase overlap on different cores).
    """
    sums: dict[str, _PhaseSums] = {"prefill": _PhaseSums(), "decode": _PhaseSums()}
    spans: dict[str, list[float]] = {}
    for layer in layers:
        name = layer.layer.partition(".")[0]
        phase = sums.get(name)
        if phase is None:
            continue
        phase.latency_s += layer.latency_s
        phase.energy_pj += layer.energy_pj
        phase.dram_words += layer.ifmap_dram_reads + layer.filter_dram_reads + layer.ofmap_dram_writes
        if "start_cycle" in layer.extras and "end_cycle" in layer.extras:
            start, end = float(layer.extras["start_cycle"]), float(layer.extras["end_cycle"])
            span = spans.setdefault(name, [start, end])
            span[0], span[1] = min(span[0], start), max(span[1], end)
    for name, (start, end) in spans.items():
        if clock_hz > 0:
            sums[name].latency_s = (end - start) / clock_hz
    return sums


def memory_check(spec: LlmSpec, config: Any) -> dict[str, Any]:
    """Bytes each memory must hold (weights and/or KV cache) against its capacity."""
    need = footprint(spec)
    layout = MEMORY_LAYOUTS.get(config.family, _off_chip_unstated)(config)
    report: dict[str, Any] = {}
    for name, slot in layout.items():
        needed = need.weight_bytes * slot.holds_weights + need.kv_cache_bytes * slot.holds_kv_cache
        fits = None if slot.capacity_bytes is None else needed <= slot.capacity_bytes
        report[name] = {"capacity_bytes": slot.capacity_bytes, "needed_bytes": needed, "fits": fits}
    return report


def llm_totals(metrics: NetworkMetrics, spec: LlmSpec, config: Any) -> dict[str, Any]:
    """The serving figures of ``metrics`` (an LLM workload's layers) as ``total`` entries."""
    run = spec.run
    sums = _phase_sums(metrics.layers, metrics.clock_hz)
    prefill_s, prefill_pj = sums["prefill"].latency_s, sums["prefill"].energy_pj
    step_s, step_pj, step_words = sums["decode"].latency_s, sums["decode"].energy_pj, sums["decode"].dram_words
    steps = run.decode_steps
    request_s = prefill_s + steps * step_s
    request_pj = prefill_pj + steps * step_pj
    tokens = run.batch * (run.prompt if run.phase is Phase.PREFILL else run.tokens)
    bandwidth = metrics.dram_bytes_per_cycle * metrics.clock_hz
    step_bytes = step_words * metrics.word_bytes
    need = footprint(spec)
    memory = memory_check(spec, config)
    verdicts = [entry["fits"] for entry in memory.values()]
    read_bytes = decode_step_read_bytes(spec, word_bits=_datapath_word_bits(spec, config)) if steps else None
    return {
        "phase": run.phase.value,
        "ttft_s": prefill_s if run.phase is not Phase.DECODE else None,
        "tpot_s": step_s if steps else None,
        "tokens_per_s": tokens / request_s if request_s else 0.0,
        "energy_per_token_pj": request_pj / tokens,
        "request_latency_s": request_s,
        "request_energy_pj": request_pj,
        "generated_tokens": 0 if run.phase is Phase.PREFILL else tokens,
        "decode_step_dram_bytes": step_bytes,
        "tpot_floor_s": step_bytes / bandwidth if steps and bandwidth else None,
        "decode_step_read_bytes": read_bytes,
        "bandwidth_bound_tpot_s": read_bytes / bandwidth if read_bytes and bandwidth else None,
        "datapath_conversions": datapath_conversions(spec, config),
        "weight_bytes": need.weight_bytes,
        "kv_cache_bytes": need.kv_cache_bytes,
        "kv_positions": need.kv_positions,
        "memory": memory,
        "fits_memory": None if None in verdicts else all(verdicts),
        "positions": run.positions,
        "max_positions": spec.config.position_limit or None,
        "within_max_positions": run.positions <= spec.config.position_limit if spec.config.position_limit else None,
    }


def with_llm_metrics(metrics: NetworkMetrics, spec: LlmSpec, config: Any) -> NetworkMetrics:
    """``metrics`` with each op's ``bound`` and the LLM serving totals."""
    ports = _port_rates(metrics)
    layers = tuple(
        layer if "bound" in layer.extras else _with_bound(layer, _bound(layer, metrics, ports))
        for layer in metrics.layers
    )
    updated = dataclasses.replace(metrics, layers=layers)
    return dataclasses.replace(updated, extra_total={**metrics.extra_total, **llm_totals(updated, spec, config)})


def _with_bound(layer: LayerMetrics, bound: str) -> LayerMetrics:
    """A copy of ``layer`` with its ``bound`` extra."""
    return layer.copy_with(extras={**layer.extras, "bound": bound})


def conversion_warning(total: Mapping[str, Any]) -> str | None:
    """One line naming the operands the datapath converts to its word, or None when it runs the spec's bits."""
    converted = total.get("datapath_conversions") or {}
    if not converted:
        return None
    parts = [f"{spec}-bit {name.replace('_', ' ')}" for name, (spec, _) in converted.items()]
    word = max(bits for _, bits in converted.values())
    return f"runs the {' and '.join(parts)} as {word}-bit words (converted to the datapath's word, not the spec's bits)"


def positions_warning(total: Mapping[str, Any]) -> str | None:
    """One line when the run feeds more positions than the model was built for, else None."""
    if total.get("within_max_positions") is not False:
        return None
    return (
        f"the run feeds {total['positions']:,} positions, beyond the model's {total['max_positions']:,} "
        "(max_position_embeddings): the hardware figures stand, the model was not built for them"
    )


def unfit_warning(total: Mapping[str, Any]) -> str | None:
    """One line naming every memory the model does not fit in, or None when it fits (or capacity is unstated)."""
    misses = [
        f"{name} needs {entry['needed_bytes'] / 2**20:,.1f} MiB of {entry['capacity_bytes'] / 2**20:,.1f} MiB"
        for name, entry in total.get("memory", {}).items()
        if entry["fits"] is False
    ]
    return "the model does not fit: " + "; ".join(misses) if misses else None
