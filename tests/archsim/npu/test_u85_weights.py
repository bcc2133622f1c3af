"""The Ethos-U85 weight encoder (archsim/npu/u85_weights.py): order, padding, formats and regor's choice.

Its sizes against Vela's printed ones (72 of the 73 single-slice ops of the random suite within 16 bytes) are in
test_vela_random.py; ResNet-18's and MobileNetV1's in test_placement.py.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest
from support.tflite_models import TfliteGraphWriter

from archsim.config.loader import load_arch
from archsim.config.npu import Memory
from archsim.errors import InputError
from archsim.npu.lowering import lower
from archsim.npu.memory import weight_copy_cycles
from archsim.npu.u85_weights import (
    DecodeChannel,
    U85Layout,
    fast_stream_bytes,
    ordered_stream,
    scale_stream_channels,
    stored_weights,
)
from archsim.npu.weight_encoding import stream_bytes
from workloads.graph import Workload
from workloads.registry import load_workload


def test_part_kernel_streams_pad_elements_input_depth_and_deal_channels_in_fours() -> None:
    # A 1x1 convolution 3 -> 3 on U85-1024 (4 streams, 16-deep micro-block): each stream carries 5 elements (1
    # rounded to 5) x 16 input channels (3 padded to the 16-deep input block) x 4 output channels = 320 values;
    # the first stream the three real channels (row by row, input depth innermost), the others only zeros.
    weights = np.arange(1, 10, dtype=np.int64).reshape(3, 1, 1, 3)
    layout = U85Layout("part_kernel", 16, 16, 16, streams=4, macs=1024)
    first = ordered_stream(weights, layout, 0)
    assert len(first) == 320 and list(first[:11]) == [1, 2, 3, 0, 0, 0, 0, 0, 4, 5, 6]
    assert np.count_nonzero(first) == 9
    assert all(len(s) == 320 and not s.any() for s in (ordered_stream(weights, layout, k) for k in (1, 2, 3)))


def test_depthwise_streams_run_rows_serpentine_and_pad_every_ten_elements_on_the_large_arrays() -> None:
    # 3x3 depthwise over 3 channels, U85-2048: per element the stream's 4 channels (16 / 4 streams); 9 elements
    # rounded to 10, then 6 zero elements (regor's padding on arrays over 512 MACs): 16 x 4 = 64 values. The
    # second row runs right to left.
    weights = np.arange(1, 28, dtype=np.int64).reshape(1, 3, 3, 3)
    stream = ordered_stream(weights, U85Layout("depthwise", 16, 16, 16, streams=4, macs=2048), 0)
    assert len(stream) == 64
    assert list(stream[:16]) == [1, 2, 3, 0, 4, 5, 6, 0, 7, 8, 9, 0, 16, 17, 18, 0]
    assert len(ordered_stream(weights, U85Layout("depthwise", 16, 16, 16, streams=1, macs=256), 0)) == 16 * 10


def test_depth_first_streams_follow_the_fixed_input_block_not_the_input_depth() -> None:
    # 48 input channels in regor's fixed 64-deep input block: 16 padding zeros per output channel and element.
    weights = np.ones((16, 1, 1, 48), dtype=np.int64)
    stream = ordered_stream(weights, U85Layout("depth_first", 16, 64, 16, streams=1, macs=256), 0)
    assert len(stream) == 16 * 64 and np.count_nonzero(stream) == 16 * 48


def test_a_stream_of_only_zeros_costs_about_a_bit_per_zero() -> None:
    # regor codes the first zero of an all-zero section as a weight, so its zero-run code starts on a zero-length
    # run and keeps the 1-bit code: 19,200 zeros take 2,416 bytes (two such streams of seed 2's 5x5 convolution on
    # U85-2048 make Vela's 19,264 with the two real ones), not a few bytes of long runs.
    assert stream_bytes(np.zeros(19200, dtype=np.int64)) == 2416


def test_fast_format_is_a_header_then_two_four_or_eight_bit_values() -> None:
    assert fast_stream_bytes(np.array([0, 1, -1, 2] * 100)) == 32 + 128  # 400 values at 2 bits, 32-byte aligned
    assert fast_stream_bytes(np.arange(-8, 8).repeat(10)) == 32 + 96  # 160 at 4 bits, 32-byte aligned
    assert fast_stream_bytes(np.arange(-100, 100)) == 32 + 224  # raw bytes
    assert fast_stream_bytes(np.array([-200, 100])) is None  # spans 256 values: not representable


def test_scale_stream_rounds_the_depth_to_the_micro_block_at_least_16() -> None:
    assert scale_stream_channels(3, 8) == 16
    assert scale_stream_channels(100, 64) == 128
    assert scale_stream_channels(256, 32) == 256


def test_regor_picks_the_fast_format_only_where_its_decode_estimate_is_lower() -> None:
    rng = np.random.default_rng(3)
    layout = U85Layout("depth_first", 64, 64, 16, streams=1, macs=256)
    sram = DecodeChannel(20.48, 20.48, 32)  # U85-256 Sram_Only: the decoder (8 weights a cycle) binds the default
    few = rng.integers(-3, 4, size=(64, 1, 1, 64)).astype(np.int64)  # 7 values: 4-bit, 64 a cycle
    chosen = stored_weights(few, layout, sram)
    assert chosen.fast and chosen.weight_bytes == fast_stream_bytes(ordered_stream(few, layout))
    # From DRAM at half the weight channel's rate (U85-1024's fast channel), random bytes stay in the default format.
    dram = DecodeChannel(10.49, 5.3, 500)
    many = rng.integers(-127, 128, size=(64, 1, 1, 64)).astype(np.int64)
    assert not stored_weights(many, dataclasses.replace(layout, streams=4, macs=1024), dram).fast


@pytest.fixture(scope="module")
def random_conv(tmp_path_factory: pytest.TempPathFactory) -> Workload:
    graph = TfliteGraphWriter("int8")
    x = graph.conv2d(graph.input((1, 14, 14, 48)), 40, 3, 1, "same", "relu")
    return load_workload(str(graph.write(tmp_path_factory.mktemp("u85w") / "conv.tflite", [x])))


def test_u85_presets_store_encoded_weights_and_padded_parameters(random_conv: Workload) -> None:
    node = next(iter(random_conv))
    raw = 3 * 3 * 48 * 40
    for preset in ("ethos-u85-256", "ethos-u85-1024-sram"):
        config = load_arch(preset)
        (op,) = lower(node, random_conv, config)
        assert op.weight_bytes > raw  # part-kernel-first: 9 elements padded to 10, uniform random bytes
        assert op.scale_channels == 48  # 40 outputs rounded up to the 16- or 32-deep micro-block
    # Without an encoder (a custom config), raw bytes and unpadded parameters.
    config = dataclasses.replace(load_arch("ethos-u85-256"), weight_encoder="none")
    (op,) = lower(node, random_conv, config)
    assert (op.weight_bytes, op.scale_channels, op.fast_weights) == (raw, 40, False)


def test_fast_weights_read_over_their_own_channel() -> None:
    # regor's channelRBs: U85-1024's fast-weight channel buffers 208 16-byte words, its weight channel 416, so from
    # DRAM (128-byte bursts, 500-cycle latency, 64 outstanding reads) fast weights stream at half the rate; from
    # SRAM both are held by the outstanding reads. On U85-256 the two buffers are equal.
    config = load_arch("ethos-u85-1024")
    for memory, ratio in ((Memory.DRAM, 2.0), (Memory.SRAM, 1.0)):
        default = config.channel_bandwidth(memory, write=False, weights=True)
        fast = config.channel_bandwidth(memory, write=False, weights=True, fast_weights=True)
        assert default / fast == pytest.approx(ratio, rel=0.02)
    latency = config.read_latency(Memory.DRAM)
    streamed = (weight_copy_cycles(config, 65536, fast=True) - latency) / (weight_copy_cycles(config, 65536) - latency)
    assert streamed == pytest.approx(2.0, rel=0.02)
    small = load_arch("ethos-u85-256")
    assert small.channel_bandwidth(Memory.DRAM, write=False, weights=True, fast_weights=True) == (
        small.channel_bandwidth(Memory.DRAM, write=False, weights=True)
    )


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("weight_streams = 0", r"npu\.toml: weight_streams must be a positive integer, got 0"),
        ("fast_weight_read_buffer_bytes = -16", r"fast_weight_read_buffer_bytes must be an integer >= 0, got -16"),
    ],
)
def test_bad_u85_encoder_fields_are_refused_naming_file_and_field(tmp_path: Path, line: str, message: str) -> None:
    config = tmp_path / "npu.toml"
    config.write_text(f'family = "npu"\nweight_encoder = "ethos-u85"\n{line}\n')
    with pytest.raises(InputError, match=message):
        load_arch(str(config))
