"""The int4 vs int8 table of docs/cosearch.md (MobileNetV1 on each family), at the precision it is printed."""

from __future__ import annotations

import dataclasses

import pytest

from archsim.config.fpga import FpgaConfig
from archsim.config.loader import load_preset
from archsim.config.systolic import SystolicConfig
from archsim.errors import InputError
from archsim.simulate import simulate
from workloads.precision import Precision
from workloads.registry import load_workload

SYSTOLIC = SystolicConfig(
    rows=32,
    cols=32,
    dataflow="ws",
    ifmap_sram_kb=256,
    filter_sram_kb=256,
    ofmap_sram_kb=128,
    ifmap_dram_bw=8,
    filter_dram_bw=8,
    ofmap_dram_bw=8,
)
U65 = load_preset("ethos-u65-256")

ROWS = [  # config, precision, inferences/s, energy mJ, area mm^2 (None: FPGA, no area)
    (SYSTOLIC, "int8", 223.9, 12.006, 4.28),
    (SYSTOLIC, "int4", 223.9, 12.006, 4.28),
    (dataclasses.replace(SYSTOLIC, int4_macs_per_pe=2), "int8", 223.9, 12.006, 4.49),
    (dataclasses.replace(SYSTOLIC, int4_macs_per_pe=2), "int4", 411.2, 6.429, 4.49),
    (FpgaConfig(board="zcu104"), "int8", 237.1, 6.672, None),
    (FpgaConfig(board="zcu104", precision="int4"), "int4", 280.7, 2.994, None),
    (load_preset("ethos-u55-128"), "int8", 60.2, 2.492, 0.19),
    (U65, "int8", 284.2, 2.310, 0.38),
    (dataclasses.replace(U65, weight_precisions=("int4", "int8")), "int4", 284.3, 1.490, 0.38),
]


@pytest.mark.parametrize(("config", "precision", "per_s", "mj", "area"), ROWS)
def test_row_as_printed(config: object, precision: str, per_s: float, mj: float, area: float | None) -> None:
    metrics = simulate(load_workload("mobilenet_v1").with_precision(Precision(precision)), config)
    assert round(1 / metrics.latency_s, 1) == per_s
    assert round(metrics.energy_pj * 1e-9, 3) == mj
    if area is not None:
        assert round(metrics.area_mm2, 2) == area


def test_zcu104_int4_engine_and_resources_as_printed() -> None:
    metrics = simulate(load_workload("mobilenet_v1").with_precision(Precision.INT4), ROWS[5][0])
    assert (metrics.design["tm"], metrics.design["tn"]) == (67, 57)
    assert [round(metrics.resources[k]["pct"], 1) for k in ("dsp", "bram18k", "lut")] == [56.1, 39.7, 79.7]


@pytest.mark.parametrize("preset", ["ethos-u55-128", "ethos-u65-256"])
def test_ethos_int4_rows_are_the_printed_error(preset: str) -> None:
    with pytest.raises(
        InputError, match=f"{preset}: layer conv1 has int4 weights, not supported; allowed weights: int8"
    ):
        simulate(load_workload("mobilenet_v1").with_precision(Precision.INT4), load_preset(preset))
