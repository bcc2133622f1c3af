"""FPGA low-bit datapaths: int4 DSP packing, LUT-built multipliers, and int4 never slower than int8."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from archsim.config.fpga import DspKind, FpgaConfig
from archsim.fpga import resources as res
from archsim.simulate import simulate
from workloads.precision import Precision
from workloads.registry import families


def test_int4_packs_four_per_dsp48e2_and_two_per_dsp48e1() -> None:
    tm, tn = np.array(64), np.array(7)
    assert res.dsp_count(tm, tn, Precision.INT4, DspKind.DSP48E2) == 16 * 7
    assert res.dsp_count(tm, tn, Precision.INT4, DspKind.DSP48E1) == 32 * 7
    assert res.dsp_count(np.array(5), tn, Precision.INT4, DspKind.DSP48E2) == 2 * 7  # ceil(5 / 4)


@pytest.mark.parametrize("precision", [Precision.INT4, Precision.INT8, Precision.INT16])
def test_lut_macs_use_no_dsp_and_more_luts_the_wider_the_operands(precision: Precision) -> None:
    board = FpgaConfig(board="zcu104").board_spec
    depths = res.BufferDepths(np.array(512), np.array(512), np.array(512))
    dsp = res.design_resources(np.array(32), np.array(8), depths, precision, board)
    lut = res.design_resources(np.array(32), np.array(8), depths, precision, board, lut_macs=True)
    assert lut["dsp"] == 0 and dsp["dsp"] > 0
    assert lut["lut"] - dsp["lut"] == round(res.LUT_MULTIPLIER_LUT[precision] * 256)
    assert lut["bram18k"] == dsp["bram18k"]


def _network(bits: int):  # every MAC layer at ``bits``: the stem and head too
    family = families()["ofa_mbv2"]
    choices = family.choices({**{f"s{i}_bits": bits for i in range(1, 7)}, "resolution": 128, "depth": 1})
    return family.build(choices).with_precision(Precision(f"int{bits}"))


@pytest.mark.parametrize("mac_impl", ["dsp", "lut"])
def test_int4_is_never_slower_than_int8_on_the_same_engine_and_uses_fewer_resources(mac_impl: str) -> None:
    config = FpgaConfig(board="zcu104", design="32x8", mac_impl=mac_impl)
    int8 = simulate(_network(8), config)
    int4 = simulate(_network(8).with_precision(Precision.INT4), dataclasses.replace(config, precision="int4"))
    # Same lanes; int4 tiles may differ (a block RAM holds twice the int4 words), never for the worse.
    assert all(a.total_cycles <= b.total_cycles for a, b in zip(int4.layers, int8.layers, strict=True))
    assert int4.latency_s < int8.latency_s
    assert int4.energy_pj < int8.energy_pj
    for kind in ("dsp", "bram18k", "lut"):
        assert int4.resources[kind]["used"] <= int8.resources[kind]["used"]


def test_searched_int4_engine_is_at_least_as_fast_as_the_int8_one() -> None:
    workload = _network(8)
    int8 = simulate(workload, FpgaConfig(board="ultra96v2"))
    int4 = simulate(workload.with_precision(Precision.INT4), FpgaConfig(board="ultra96v2", precision="int4"))
    assert int4.latency_s <= int8.latency_s
    assert int4.design["tm"] * int4.design["tn"] >= int8.design["tm"] * int8.design["tn"]
