"""Roofline: attainable performance against operational intensity, with layers placed on it."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from matplotlib.figure import Figure

from archsim.metrics import NetworkMetrics
from archsim.plots.style import new_figure


def layer_points(metrics: NetworkMetrics) -> tuple[np.ndarray, np.ndarray]:
    """(operational intensity in ops per DRAM byte, achieved ops/s) of every MAC layer."""
    intensity, achieved = [], []
    for layer in metrics.layers:
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
        intensity, achieved = layer_points(result)
        axes.scatter(intensity, achieved, color=color, s=14, alpha=0.7, label=f"{name} layers")
    axes.set_xscale("log")
    axes.set_yscale("log")
    axes.set_xlabel("operational intensity (ops / DRAM byte)")
    axes.set_ylabel("performance (ops / s)")
    axes.set_title(f"roofline: {results[0].workload}")
    axes.legend(fontsize=8)
    return figure
