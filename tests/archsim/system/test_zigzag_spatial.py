"""ZigZag's first-ranked spatial unrolling, as Stream 2.1.1 prices a core (figures from Stream's own run)."""

from __future__ import annotations

from archsim.config.loader import load_arch
from archsim.loopnest.layer import layer_of
from archsim.system.zigzag_spatial import unrolling_caps, with_accumulator, zigzag_spatial
from tests.support.paths import REPO
from workloads.ops import Conv2d

HARDWARE = REPO / "tests" / "mappers" / "multicore" / "data" / "stream_hw"


def conv_slice(out_channels: int, in_channels: int, psum_bits: int):
    """One core's quarter of a 2-conv fixture layer (3x3 SAME on 32x32, int8)."""
    op = Conv2d("c", in_channels, out_channels, 32, 32, 3, 3, pad_top=1, pad_bottom=1, pad_left=1, pad_right=1)
    return with_accumulator(layer_of(op, 8, 8), psum_bits)


def test_stream_reader_takes_the_declared_accumulators_and_zigzag_pricing() -> None:
    tpu = load_arch(HARDWARE / "tpu_like_quad_core.yaml")
    eyeriss = load_arch(HARDWARE / "eyeriss_like_quad_core.yaml")
    assert tpu.core_accumulator_bits == (32,) * 4 and eyeriss.core_accumulator_bits == (16,) * 4
    assert tpu.loopnest_spatial == eyeriss.loopnest_spatial == "zigzag"


def test_one_32_bit_accumulator_per_column_keeps_output_loops_off_that_dimension() -> None:
    core = load_arch(HARDWARE / "tpu_like_quad_core.yaml").cores[0]
    caps = unrolling_caps(conv_slice(4, 8, 32), core)
    assert {loop: caps["D2"][loop] for loop in ("K", "OX", "OY")} == {"K": 1, "OX": 1, "OY": 1}
    assert caps["D2"]["C"] == 8 and caps["D2"]["FX"] == 3 and caps["D1"]["OX"] == 32
    assert unrolling_caps(conv_slice(4, 8, 16), core)["D2"]["K"] == 2  # two 16-bit partial sums per port


def test_the_unrollings_stream_chose_on_the_2_conv_fixture() -> None:
    """What Stream 2.1.1's ZigZag run printed for both slices (tpu_like: mixed; eyeriss_like: one loop each)."""
    tpu = load_arch(HARDWARE / "tpu_like_quad_core.yaml").cores[0]
    for k, c in ((4, 8), (8, 16)):
        single = zigzag_spatial(conv_slice(k, c, 32), tpu, mixed=False)
        assert single == (32 * c, {"D1": {"OY": 32}, "D2": {"C": c}})
        util, spatial = zigzag_spatial(conv_slice(k, c, 32), tpu, mixed=True)
        assert (util, spatial) == (768, {"D1": {"OY": 4, "OX": 8}, "D2": {"FX": 3, "C": 8}})
    eyeriss = load_arch(HARDWARE / "eyeriss_like_quad_core.yaml").cores[0]
    single = zigzag_spatial(conv_slice(8, 16, 16), eyeriss, mixed=False)
    assert single == (168, {"D1": {"OY": 14}, "D2": {"OX": 12}})
    assert zigzag_spatial(conv_slice(8, 16, 16), eyeriss, mixed=True)[0] == 168  # no better fill: Stream keeps one loop
