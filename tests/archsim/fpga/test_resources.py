"""DSP, BRAM18K and LUT/FF models."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from archsim.config.fpga import BOARDS, DspKind
from archsim.fpga import resources as res
from workloads.precision import Precision


def test_dsp_per_mac_by_precision_and_slice() -> None:
    tm, tn = np.array(64), np.array(7)
    assert res.dsp_count(tm, tn, Precision.FP32, DspKind.DSP48E1) == 2240  # 5 per MAC, as in the paper
    assert res.dsp_count(tm, tn, Precision.FP16, DspKind.DSP48E2) == 2 * 448
    assert res.dsp_count(tm, tn, Precision.INT16, DspKind.DSP48E2) == 448
    assert res.dsp_count(tm, tn, Precision.INT8, DspKind.DSP48E1) == 448  # no packing on DSP48E1
    assert res.dsp_count(tm, tn, Precision.INT8, DspKind.DSP48E2) == 224  # two int8 MACs per DSP48E2 (WP486)
    assert res.dsp_count(np.array(5), np.array(3), Precision.INT8, DspKind.DSP48E2) == 9  # odd Tm: ceil(5/2) * 3


def test_bram18k_per_bank_uses_the_best_aspect_ratio() -> None:
    assert res.bram18k_per_bank(np.array(121), 32) == 1  # 512 x 36
    assert res.bram18k_per_bank(np.array(513), 32) == 2
    assert res.bram18k_per_bank(np.array(2048), 8) == 1  # 2K x 9
    assert res.bram18k_per_bank(np.array(3000), 8) == 2
    assert res.bram18k_per_bank(np.array(16384), 1) == 1
    assert res.bram18k_per_bank(np.array(9), 8) == 0  # 72 bits: LUT RAM
    assert res.lutram_luts_per_bank(np.array(9), 8) == 16
    assert res.lutram_luts_per_bank(np.array(121), 32) == 0


@given(st.integers(1, 100_000), st.sampled_from([1, 2, 4, 8, 9, 16, 18, 32, 36, 48]))
def test_bram_blocks_hold_the_bank(depth: int, width: int) -> None:
    blocks = int(res.bram18k_per_bank(np.array(depth), width))
    if depth * width <= res.LUTRAM_MAX_BITS:
        assert blocks == 0
    else:
        assert blocks * 18 * 1024 >= depth * width  # enough bits
        assert blocks <= -(-width // 1) * -(-depth // 16384)  # never worse than 1-bit-wide blocks


def test_paper_design_resources() -> None:
    board = BOARDS["vc707"]
    depths = res.BufferDepths(np.array(1024), np.array(121), np.array(512))
    used = res.design_resources(np.array(64), np.array(7), depths, Precision.FP32, board)
    assert int(used["dsp"]) == 2240
    # 448 weight banks + 64 output banks + 7 input banks (2 blocks each), all ping-pong.
    assert int(used["bram18k"]) == 2 * (448 + 64 + 7 * 2)
    # The fp32 lane cost is calibrated on the paper's 186,251 LUTs and 205,704 FFs.
    # docs: 186,208 LUTs and 205,544 FFs against the paper's 186,251 and 205,704.
    assert (int(used["lut"]), int(used["ff"])) == (186_208, 205_544)
    assert res.first_overflow({k: int(v) for k, v in used.items()}, board, 0.8) is None
    assert "dsp 2240 > 1680" in str(res.first_overflow({k: int(v) for k, v in used.items()}, board, 0.6))
