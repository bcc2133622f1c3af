"""Second published design: Caffeine (Zhang et al., ICCAD 2016) on a KU060, from the paper's facts only.

Paper facts used as inputs: Kintex UltraScale KU060, VGG-16, 365 GOPS peak (the abstract, found
through the search tools); 16-bit fixed point, 200 MHz and its 1,058 DSPs (quoted from memory).
Nothing is refitted: P comes from the pipeline model, the resources from the FPGA 2015
calibration. docs/fpga.md puts the figures below beside the paper's.
"""

from __future__ import annotations

import dataclasses

import pytest

from archsim.config.loader import load_arch
from archsim.errors import InputError
from archsim.metrics import NetworkMetrics
from archsim.simulate import simulate
from workloads.registry import load_workload

PAPER_PEAK_GOPS = 365.0  # Caffeine's abstract: "peak performance of 365 GOPS on Xilinx KU060"


PAPER_DSPS = 1058  # Caffeine's KU060 engine: 1,058 of 2,760 DSPs (quoted from memory of its resource table)


def vgg16_on(design: str, dsp_budget: int | None = None) -> NetworkMetrics:
    config = dataclasses.replace(load_arch("caffeine-ku060"), design=design, dsp_budget=dsp_budget)
    return simulate(load_workload("vgg16"), config)


def conv_gops(metrics: NetworkMetrics) -> tuple[float, float]:
    """Conv-layer throughput (all conv layers) and the best single conv layer's, in GOPS."""
    convs = [layer for layer in metrics.layers if layer.kind == "conv"]
    seconds = sum(layer.latency_s for layer in convs)
    average = 2.0 * sum(layer.macs for layer in convs) / seconds / 1e9
    best = max(2.0 * layer.macs / layer.latency_s / 1e9 for layer in convs)
    return average, best


def test_caffeine_ku060_searched_design_resources_and_gops_as_documented() -> None:
    metrics = vgg16_on("search")
    assert (metrics.design["tm"], metrics.design["tn"], metrics.design["pipeline_cycles"]) == (68, 29, 9)
    used = {kind: metrics.resources[kind]["used"] for kind in ("dsp", "bram18k", "lut", "ff")}
    assert used == {"dsp": 1972, "bram18k": 194, "lut": 264_528, "ff": 182_760}  # LUT-bound at the 80% cap
    average, best = conv_gops(metrics)
    assert (round(average, 1), round(best, 1)) == (643.8, 726.6)
    assert round(2.0 * metrics.macs / metrics.latency_s / 1e9, 1) == 520.9  # with the memory-bound FC layers


def test_caffeine_engine_size_under_our_model_is_within_12_percent_of_the_papers_peak() -> None:
    metrics = vgg16_on("32x32")  # 1,024 lanes: the size of the paper's 1,058-DSP engine (DSP count from memory)
    assert metrics.resources["dsp"]["used"] == 1024
    average, best = conv_gops(metrics)
    assert (round(average, 1), round(best, 1)) == (387.3, 408.7)
    assert round(100 * (best / PAPER_PEAK_GOPS - 1), 1) == 12.0  # docs: +12.0% over the paper's measured peak


def test_caffeine_search_within_the_papers_dsps_picks_its_engine_size_and_lands_12_percent_above_its_peak() -> None:
    metrics = vgg16_on("search", dsp_budget=PAPER_DSPS)
    assert (metrics.design["tm"], metrics.design["tn"], metrics.design["pipeline_cycles"]) == (66, 16, 9)
    used = {kind: metrics.resources[kind]["used"] for kind in ("dsp", "bram18k", "lut", "ff")}
    assert used == {"dsp": 1056, "bram18k": 164, "lut": 150_944, "ff": 109_480}
    average, best = conv_gops(metrics)
    assert (round(average, 1), round(best, 1)) == (398.8, 408.8)
    assert round(100 * (best / PAPER_PEAK_GOPS - 1), 1) == 12.0  # docs: +12.0% over the paper's measured peak
    assert round(2.0 * metrics.macs / metrics.latency_s / 1e9, 1) == 348.9


def test_a_fixed_design_over_the_dsp_budget_names_the_budget() -> None:
    with pytest.raises(InputError, match=r"dsp 1024 > 512 \(dsp_budget\)"):
        vgg16_on("32x32", dsp_budget=512)


def test_dsp_budget_must_be_a_positive_integer() -> None:
    with pytest.raises(ValueError, match=r"dsp_budget must be an integer >= 1 \(or absent\), got 0"):
        dataclasses.replace(load_arch("caffeine-ku060"), dsp_budget=0)
