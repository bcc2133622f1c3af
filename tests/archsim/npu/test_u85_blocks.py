"""Ethos-U85 block choice and chained ops against what Vela 5.2 does (docs/npu.md "What changed the U85 figures").

The expected blocks and cycles were read from Vela 5.2's debug database (``vela --enable-debug-db``,
Sram_Only) on MobileNetV1/V2, ResNet-18 and a sigmoid probe; the live comparisons are
tests/archsim/npu/test_vela_networks.py and tests/archsim/llm/test_llm_vela.py.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from support.tflite_models import TfliteGraphWriter
from support.vela_runs import run_vela

from archsim.config.loader import load_arch
from archsim.npu import area_fit
from archsim.npu.blocks import choose_block
from archsim.npu.ops import Geometry, NpuKind
from archsim.simulate import simulate
from workloads.builder import GraphBuilder
from workloads.ops import Activation
from workloads.registry import load_workload

VELA_BLOCKS = [
    # (preset, kind, ifm, ofm, kernel, stride, Vela's output block)
    ("ethos-u85-512-sram", NpuKind.DEPTHWISE, (28, 28, 256), (14, 14, 256), 3, 2, (12, 14, 16)),
    ("ethos-u85-512-sram", NpuKind.DEPTHWISE, (28, 28, 256), (28, 28, 256), 3, 1, (34, 14, 16)),
    ("ethos-u85-512-sram", NpuKind.DEPTHWISE, (112, 112, 32), (112, 112, 32), 3, 1, (30, 16, 16)),
    ("ethos-u85-512-sram", NpuKind.DEPTHWISE, (14, 14, 512), (7, 7, 512), 3, 2, (7, 8, 32)),
    ("ethos-u85-512-sram", NpuKind.DEPTHWISE, (7, 7, 1024), (7, 7, 1024), 3, 1, (7, 8, 128)),
    ("ethos-u85-512-sram", NpuKind.POOLING, (112, 112, 64), (56, 56, 64), 3, 2, (12, 14, 16)),
    ("ethos-u85-256-sram", NpuKind.DEPTHWISE, (56, 56, 128), (56, 56, 128), 3, 1, (18, 14, 16)),
    ("ethos-u85-256-sram", NpuKind.DEPTHWISE, (28, 28, 192), (14, 14, 192), 3, 2, (14, 14, 16)),
    ("ethos-u85-256-sram", NpuKind.DEPTHWISE, (14, 14, 576), (7, 7, 576), 3, 2, (7, 8, 32)),
    ("ethos-u85-256-sram", NpuKind.POOLING, (7, 7, 1024), (1, 1, 1024), 7, 1, (1, 2, 128)),
]


@pytest.mark.parametrize(("preset", "kind", "ifm", "ofm", "kernel", "stride", "vela"), VELA_BLOCKS)
def test_depthwise_and_pooling_blocks_are_velas(
    preset: str,
    kind: NpuKind,
    ifm: tuple[int, int, int],
    ofm: tuple[int, int, int],
    kernel: int,
    stride: int,
    vela: tuple[int, int, int],
) -> None:
    geometry = Geometry(kind, ifm, ofm, kernel=(kernel, kernel), stride=(stride, stride), brick_ifm=True)
    assert choose_block(geometry, load_arch(preset)).ofm == vela


def test_only_presets_with_split_input_and_accumulator_rams_fill_them() -> None:
    """U55/U65 keep the least-fetch search; a concatenation's 1x1 copy pass keeps it on the U85 (a MemoryCopy),
    an activation's 1x1 pass (Vela's average-pool no-op) takes the area fit."""
    depthwise = Geometry(NpuKind.DEPTHWISE, (28, 28, 256), (14, 14, 256), kernel=(3, 3), stride=(2, 2))
    activation = Geometry(NpuKind.POOLING, (28, 28, 256), (28, 28, 256))
    copy = dataclasses.replace(activation, copy=True)
    for preset in ("ethos-u55-128", "ethos-u55-256", "ethos-u65-256", "ethos-u65-512"):
        assert not area_fit.applies(depthwise, load_arch(preset))
        assert not area_fit.applies(activation, load_arch(preset))
    for preset in ("ethos-u85-256", "ethos-u85-512"):
        assert area_fit.applies(depthwise, load_arch(preset))
        assert area_fit.applies(activation, load_arch(preset))
        assert not area_fit.applies(copy, load_arch(preset))


def test_split_rams_are_set_together() -> None:
    with pytest.raises(ValueError, match="ifm_ram_bytes and acc_ram_bytes"):
        dataclasses.replace(load_arch("ethos-u85-256"), acc_ram_bytes=0)


def test_u85_input_block_of_a_strided_pointwise_conv_is_in_allocation_units() -> None:
    """A 64-deep input block takes one position per unit: 2x14 outputs at stride 2 read 3x27, not 4x28."""
    geometry = Geometry(NpuKind.CONV, (56, 56, 64), (28, 28, 128), stride=(2, 2), brick_ifm=True)
    block = choose_block(geometry, load_arch("ethos-u85-512-sram"))
    assert block.ofm == (2, 14, 128)
    assert block.ifm[:2] == (3, 27)


@pytest.mark.parametrize(
    ("preset", "size", "vela"),
    [
        ("ethos-u85-256", 112, (8, 8, 32)),
        ("ethos-u85-256", 64, (8, 8, 32)),
        ("ethos-u85-512", 112, (8, 8, 64)),
        ("ethos-u85-512", 64, (8, 8, 64)),
    ],
)
def test_a_3_channel_input_block_fills_the_u85_input_ram_at_16_channels(
    preset: str, size: int, vela: tuple[int, int, int]
) -> None:
    """regor's fit counts a 3-channel part-kernel input block at its 16-channel allocation unit, twice in 16 KiB.

    Vela's blocks (``--verbose-schedule``) for a 7x7/2 convolution to 64 channels on its whole output; counted
    at 8 channels, 8x16 blocks (a 21x40 input block) would fit and read 1.7x the input bytes.
    """
    geometry = Geometry(NpuKind.CONV, (2 * size, 2 * size, 3), (size, size, 64), kernel=(7, 7), stride=(2, 2))
    assert choose_block(geometry, load_arch(preset)).ofm == vela


def test_a_block_search_with_no_double_buffered_fit_retries_single_buffered() -> None:
    """A 16x16/16 patch embedding's smallest 2x2 block needs two 24x24x16 input blocks (18 KiB): one is tested."""
    geometry = Geometry(NpuKind.CONV, (224, 224, 3), (14, 14, 768), kernel=(16, 16), stride=(16, 16))
    block = choose_block(geometry, load_arch("ethos-u85-256"))
    assert block.ifm == (24, 24, 16)
    assert 24 * 24 * 16 <= load_arch("ethos-u85-256").ifm_ram_bytes < 2 * 24 * 24 * 16


PROBE_ERRORS = [
    # (accelerator, input size, Vela's convolution block (--verbose-schedule), archsim's error on it at 0.1%)
    ("ethos-u85-256", 224, "8x8x32", 0.0),
    ("ethos-u85-256", 160, "5x12x32", 0.0),
    ("ethos-u85-256", 112, "8x8x32", 0.0),
    ("ethos-u85-256", 64, "8x8x32", 0.0),
    ("ethos-u85-512", 224, "8x8x64", 0.0),
    ("ethos-u85-512", 160, "6x10x64", 0.0),
    ("ethos-u85-512", 112, "8x8x64", 0.0),
    ("ethos-u85-512", 64, "8x8x64", 5.5),
]


@pytest.mark.slow
@pytest.mark.parametrize(("accelerator", "size", "vela_block", "error"), PROBE_ERRORS)
def test_resnet_stem_probe_against_vela(
    tmp_path: Path, accelerator: str, size: int, vela_block: str, error: float
) -> None:
    """ResNet-18's stem (7x7/2 convolution, 3x3/2 max pool) at several sizes, default mode, against live Vela.

    archsim takes Vela's block on every probe (at 160 pixels on U85-256 Vela's 5x12x32 on 34-row cascade stripes,
    since the U85 weight encoder sizes the convolution's weights as Vela does).
    """
    graph = TfliteGraphWriter("int8")
    x = graph.conv2d(graph.input((1, size, size, 3)), 64, 7, 2, "same", "relu")
    path = graph.write(tmp_path / f"stem{size}.tflite", [graph.pool(x, "max", 3, 2, "same")])
    reference = {op.name: op.total for op in run_vela(path, accelerator, "default", tmp_path)[0]}
    layers = {layer.layer: layer for layer in simulate(load_workload(str(path)), load_arch(accelerator)).layers}
    conv = layers["conv_0"]
    assert abs((conv.total_cycles - reference["conv_0"]) / reference["conv_0"] * 100 - error) <= 0.05
    assert conv.extras["ofm_block"] == vela_block


def _silu_probe(chained_muls: int) -> GraphBuilder:
    b = GraphBuilder("probe")
    x = b.input((1, 256), name="x")
    gate = b.linear(x, 512, name="gate")
    up = b.linear(x, 512, name="up")
    out = b.activation(gate, Activation.SIGMOID, name="sigmoid")
    if chained_muls >= 1:
        out = b.mul(gate, out, name="silu")
    if chained_muls >= 2:
        out = b.mul(out, up, name="act_mul")
    b.linear(out, 64, name="down")
    return b


@pytest.mark.parametrize(
    ("preset", "cycles"), [("ethos-u85-256-sram", (688, 736, 800)), ("ethos-u85-512-sram", (784, 800, 832))]
)
def test_each_chained_op_adds_an_output_stage_pass_as_vela(preset: str, cycles: tuple[int, int, int]) -> None:
    """Vela 5.2's sigmoid over 512 elements with 0, 1 and 2 MULs chained onto it (its debug database)."""
    config = load_arch(preset)
    for chained, vela in enumerate(cycles):
        layers = {layer.layer: layer for layer in simulate(_silu_probe(chained).build(), config).layers}
        head = layers["sigmoid"]
        assert head.total_cycles == vela
        for name in ("silu", "act_mul")[:chained]:
            # The chained MUL's operand read is booked on the head and overlaps it.
            assert layers[name].total_cycles == 0 and layers[name].extras["sram_bytes"] == 0
        assert head.extras["sram_bytes"] <= config.sram_bytes_per_cycle * head.total_cycles


def test_chain_head_times_its_output_blocks_on_the_dram_arena_in_the_default_mode() -> None:
    """Vela 5.2: 1,087 cycles for the same sigmoid with two chained MULs in the default U85-256 mode."""
    layers = {layer.layer: layer for layer in simulate(_silu_probe(2).build(), load_arch("ethos-u85-256")).layers}
    assert layers["sigmoid"].total_cycles == 1087


def test_residual_add_chains_onto_the_main_branch() -> None:
    """In Vela's pass order the projection runs first; the add chains onto the main branch's last conv."""
    b = GraphBuilder("residual")
    x = b.activation(b.input((1, 64, 56, 56), name="x"), Activation.RELU, name="relu")
    main = b.conv(b.conv(x, 128, 3, stride=2, name="conv_a"), 128, 3, name="conv_b")
    b.add(main, b.conv(x, 128, 1, stride=2, name="proj"), name="add")
    names = [layer.layer for layer in simulate(b.build(), load_arch("ethos-u85-512-sram")).layers]
    assert names.index("proj") < names.index("conv_a") < names.index("conv_b") == names.index("add") - 1
