"""Roofline: attainable performance against operational intensity, with layers placed on it."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from matplotlib.figure import Figure

from archsim.metrics import NetworkMetrics
from archsim.plots.style import new_figure

LLM_PHASES = ("prefill", "decode")
"""Op-name prefixes of an LLM workload's phases (workloads.llm): drawn as separate point sets."""


def layer_points(metrics: NetworkMetrics, phase: str | None = None) -> tuple[np.ndarray, np.ndarray]:
    """(operational intensity in ops per DRAM byte, achieved ops/s) of every MAC layer
    (only the ops of an LLM ``phase`` when given: ``prefill.*`` or ``decode.*``)."""
    intensity, achieved = [], []
    for layer in metrics.layers:
        if phase is not None and not layer.layer.startswith(f"{phase}."):
            continue
        # Off-chip traffic: DRAM, plus the flash weight reads NPUs report in their own column.
        offchip = layer.filter_dram_reads + int(layer.extras.get("filter_flash_reads", 0))
        dram_bytes = (layer.ifmap_dram_reads + offchip + layer.ofmap_dram_writes) * metrics.word_bytes
        if layer.macs == 0 or dram_bytes == 0 or layer.latency_s == 0:
            continue
        intensity.append(2 * layer.macs / dram_bytes)
        achieved.append(2 * layer.macs / layer.latency_s)
    return np.array(intensity), np.array(achieved)


def attainable(metrics: NetworkMetrics, intensity: np.ndarray) -> np.ndarray:
    """The design's roof: ops/s it can reach at ``intensity`` (min of peak compute and DRAM bandwidth x intensity)."""
    peak = 2 * metrics.peak_macs_per_cycle * metrics.clock_hz
    if metrics.dram_bytes_per_cycle <= 0:
        return np.full_like(np.asarray(intensity, dtype=np.float64), peak)
    return np.minimum(peak, metrics.dram_bytes_per_cycle * metrics.clock_hz * np.asarray(intensity))


def _point_sets(result: NetworkMetrics) -> list[tuple[str | None, str]]:
    """(phase, marker) of each point set: an LLM's prefill and decode ops apart (compute- vs
    bandwidth-bound), any other workload's layers as one set."""
    phases = [p for p in LLM_PHASES if any(layer.layer.startswith(f"{p}.") for layer in result.layers)]
    return list(zip(phases, ("o", "^"), strict=False)) if phases else [(None, "o")]


def roofline(results: Sequence[NetworkMetrics], labels: Sequence[str] | None = None) -> Figure:
    """Each design's roof (peak ops/s and DRAM bandwidth) with its layers as points (log-log)."""
    if not results:
        raise ValueError("roofline needs at least one result")
    names = list(labels) if labels else [str(r.arch.get("name", i)) for i, r in enumerate(results)]
    figure, axes = new_figure(8.0, 5.0)
    all_intensity = np.concatenate([layer_points(r)[0] for r in results] + [np.array([1.0])])
    x = np.logspace(np.log10(max(all_intensity.min() / 4, 1e-2)), np.log10(all_intensity.max() * 4), 200)
    for i, (result, name) in enumerate(zip(results, names, strict=True)):
        color = f"C{i}"
        label = f"{name} roof" if result.dram_bytes_per_cycle > 0 else f"{name} peak"
        axes.plot(x, attainable(result, x), color=color, lw=2, label=label)
        for phase, marker in _point_sets(result):
            intensity, achieved = layer_points(result, phase)
            label = f"{name} {phase or 'layers'}" + (" ops" if phase else "")
            axes.scatter(intensity, achieved, color=color, s=14, alpha=0.7, marker=marker, label=label)
    axes.set_xscale("log")
    axes.set_yscale("log")
    axes.set_xlabel("operational intensity (ops / DRAM byte)")
    axes.set_ylabel("performance (ops / s)")
    title = results[0].workload  # an LLM spec names every key: keep the title on the figure
    axes.set_title(f"roofline: {title if len(title) <= 60 else title[:57] + '...'}")
    axes.legend(fontsize=8)
    return figure
