"""Figures quoted in docs/multicore.md, re-measured at the precision the document gives them."""

from __future__ import annotations

import dataclasses

import pytest

from archsim.config.loader import load_arch
from mappers.mapper import map_workload
from mappers.multicore.cpsat import solve_exact
from mappers.multicore.flow import evaluate_checked, plan_system
from mappers.multicore.heft import heft
from mappers.multicore.synthetic import random_dag
from mappers.problem import MappingProblem
from mappers.tiles import tiled_workload
from workloads.registry import load_workload


@pytest.mark.slow
def test_mobilenet_v2_fusion_row_on_the_quad_core() -> None:
    workload, system = load_workload("mobilenet_v2"), load_arch("system-quad-systolic")
    mb, edp = {}, {}
    for fusion in ("none", "auto"):
        metrics = evaluate_checked(workload, system, plan_system(workload, system, fusion=fusion))
        mb[fusion] = round(metrics.dram_bytes / 1e6, 3)
        edp[fusion] = metrics.edp
    assert mb == {"none": 10.345, "auto": 3.621}
    assert round(edp["none"] / edp["auto"], 1) == 2.5


@pytest.mark.parametrize(("fraction", "whole_mb", "bands_mb"), [(0.25, 6.322, 3.036), (0.5, 4.014, 0.0)])
def test_resnet18_four_bands_against_whole_tensors(fraction: float, whole_mb: float, bands_mb: float) -> None:
    workload = load_workload("resnet18")
    scratchpad = int(MappingProblem(workload, 10**12).peak_working_set * fraction)
    whole = map_workload(workload, scratchpad, time_limit=30)
    bands = map_workload(tiled_workload(workload, 4), scratchpad, time_limit=30)
    assert (whole.status.value, round(whole.noncompulsory_bytes / 1e6, 3)) == ("optimal", whole_mb)
    assert (bands.status.value, round(bands.noncompulsory_bytes / 1e6, 3)) == ("optimal", bands_mb)


def test_scheduler_row_random_30() -> None:
    problem = random_dag(0, 30, 4)
    exact = solve_exact(problem, time_limit=60)
    assert (heft(problem).makespan, exact.allocation.makespan, exact.optimal) == (537, 499, True)


@pytest.mark.slow
def test_mobilenet_v2_pipelined_row_on_the_quad_core() -> None:
    workload, system = load_workload("mobilenet_v2"), load_arch("system-quad-systolic")
    plan = plan_system(workload, system, fusion="auto", scheduler="pipeline")
    metrics = evaluate_checked(workload, system, plan)
    assert round(metrics.dram_bytes / 1e6, 3) == 3.621
    assert round(metrics.latency_s * 1e3, 3) == 1.720
    assert sum(1 for core in plan.schedule.order if core) == 4  # the stacks' tiles spread over every core


def test_mobilenet_v2_shared_buffer_rows_on_the_hetero_preset() -> None:
    workload, base = load_workload("mobilenet_v2"), load_arch("system-hetero")
    rows = {}
    for kb in (0, 128, 512, 2048):
        system = dataclasses.replace(base, shared_buffer_kb=float(kb))
        m = evaluate_checked(workload, system, plan_system(workload, system))
        moved = m.total()["shared_buffer_bytes"]
        rows[kb] = (
            round(m.latency_s * 1e3, 3),
            round(m.dram_bytes / 1e6, 3),
            round(moved["write"] / 1e6, 3),
            round(moved["read"] / 1e6, 3),
            round(m.energy_pj / 1e9, 3),
            round(m.area_mm2, 2),
        )
    assert rows == {
        0: (2.328, 10.947, 0.0, 0.0, 3.095, 6.63),
        128: (2.328, 10.947, 0.0, 0.0, 3.095, 7.36),
        512: (2.172, 6.030, 2.459, 2.459, 1.935, 9.54),
        2048: (2.097, 3.621, 3.663, 3.663, 1.440, 18.24),
    }
    fused = dataclasses.replace(base, shared_buffer_kb=2048.0)
    metrics = evaluate_checked(workload, fused, plan_system(workload, fused, fusion="auto"))
    assert round(metrics.dram_bytes / 1e6, 3) == 3.621 and metrics.total()["shared_buffer_bytes"]["write"] == 0
