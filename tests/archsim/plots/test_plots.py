"""Plots return finished Figures with labelled axes, built from result objects."""

from __future__ import annotations

import numpy as np
import pytest
from matplotlib.figure import Figure

from archsim.metrics import LayerMetrics, NetworkMetrics
from archsim.plots import (
    cycle_breakdown,
    design_space_scatter,
    energy_breakdown,
    pareto_front,
    roofline,
    utilization_comparison,
)


def _layer(name: str, macs: int, compute: int, stall: int) -> LayerMetrics:
    return LayerMetrics(
        layer=name,
        kind="conv",
        macs=macs,
        compute_cycles=compute,
        stall_cycles=stall,
        total_cycles=compute + stall,
        fill_drain_cycles=compute // 10,
        overall_util=macs / (compute + stall) / 64,
        mapping_efficiency=0.9,
        compute_util=macs / compute / 64,
        ifmap_sram_reads=macs,
        filter_sram_reads=macs,
        ofmap_sram_writes=100,
        ifmap_dram_reads=1000,
        filter_dram_reads=500,
        ofmap_dram_writes=200,
        energy_by_component_pj={"mac": 0.3 * macs, "dram": 250.0 * 1700},
        latency_s=(compute + stall) / 1e9,
    )


def _network(name: str, scale: int = 1) -> NetworkMetrics:
    layers = tuple(_layer(f"L{i}", 64 * 1000 * (i + 1), 1200 * (i + 1) * scale, 100 * i) for i in range(6))
    return NetworkMetrics(
        workload="toy",
        arch={"name": name, "family": "systolic"},
        layers=layers,
        clock_hz=1e9,
        peak_macs_per_cycle=64,
        area_mm2=1.0,
        dram_bytes_per_cycle=16.0,
        word_bytes=1.0,
    )


def test_layer_plots_have_axis_labels_and_legends() -> None:
    a, b = _network("a"), _network("b", 2)
    for figure in (cycle_breakdown(a), utilization_comparison([a, b]), energy_breakdown([a, b]), roofline([a, b])):
        assert isinstance(figure, Figure)
        assert figure.axes[0].get_xlabel() and figure.axes[0].get_ylabel()
        assert figure.axes[0].get_legend() is not None
        figure.canvas.draw()  # renders headless without error


def test_cycle_breakdown_bars_stack_to_total_cycles() -> None:
    metrics = _network("a")
    figure = cycle_breakdown(metrics)
    patches = figure.axes[0].patches
    n = len(metrics.layers)
    heights = np.array([p.get_height() for p in patches]).reshape(3, n).sum(axis=0)
    assert heights.tolist() == [layer.total_cycles for layer in metrics.layers]


def test_pareto_front_keeps_only_non_dominated_points() -> None:
    x = np.array([1.0, 2.0, 3.0, 2.5, 4.0])
    y = np.array([5.0, 3.0, 1.0, 4.0, 0.5])
    assert pareto_front(x, y).tolist() == [0, 1, 2, 4]
    figure = design_space_scatter(x, y, "latency (s)", "energy (J)")
    assert figure.axes[0].get_xlabel() == "latency (s)"


def test_empty_inputs_are_refused() -> None:
    with pytest.raises(ValueError, match="at least one result"):
        roofline([])


def test_metrics_survive_a_json_round_trip() -> None:
    import json

    metrics = _network("a")
    again = NetworkMetrics.from_json(json.loads(json.dumps(metrics.to_json())))
    assert again.total_cycles == metrics.total_cycles
    assert again.energy_by_component_pj == pytest.approx(metrics.energy_by_component_pj)
    assert [layer.overall_util for layer in again.layers] == pytest.approx([x.overall_util for x in metrics.layers])
    assert again.dram_bytes_per_cycle == metrics.dram_bytes_per_cycle


def test_one_pareto_front_serves_plots_and_search_results() -> None:
    """Two metrics as arrays or as a matrix, three metrics, ties kept once: same function everywhere."""
    import envs.results
    from archsim.plots import pareto

    assert pareto.pareto_front is pareto_front is envs.results.pareto_front
    points = np.array([[1.0, 5.0, 2.0], [1.0, 5.0, 2.0], [2.0, 3.0, 9.0], [3.0, 6.0, 1.0], [3.0, 6.0, 3.0]])
    assert pareto_front(points).tolist() == [0, 2, 3]
    assert pareto_front(points[:, 0], points[:, 1]).tolist() == [0, 2]
