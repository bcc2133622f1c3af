"""NPU model behaviour: block choice, under-used FC/depthwise, invariants, transformers, bad input."""

from __future__ import annotations

import dataclasses
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from archsim.cli import main
from archsim.config.loader import load_arch, load_preset, preset_names
from archsim.config.npu import Memory, NpuConfig
from archsim.errors import InputError
from archsim.npu.blocks import choose_block
from archsim.npu.compute import micro_block
from archsim.npu.ops import Geometry, NpuKind
from archsim.simulate import simulate
from workloads.builder import GraphBuilder
from workloads.graph import Workload
from workloads.ops import Activation
from workloads.precision import Precision
from workloads.registry import load_workload

NPU_PRESETS = [name for name in preset_names() if load_preset(name).family == "npu"]


def _conv(cin: int, cout: int, size: int, kernel: int, stride: int = 1, depthwise: bool = False) -> Workload:
    b = GraphBuilder("one")
    x = b.input((1, cin, size, size))
    if depthwise:
        b.depthwise(x, kernel, stride, activation=Activation.RELU)
    else:
        b.conv(x, cout, kernel, stride, activation=Activation.RELU)
    return b.build()


def _fc(k: int, n: int) -> Workload:
    b = GraphBuilder("fc")
    b.linear(b.input((1, k)), n)
    return b.build()


def test_presets_cover_the_issue() -> None:
    assert {
        "ethos-u55-128",
        "ethos-u55-256",
        "ethos-u65-256",
        "ethos-u65-512",
        "ethos-u85-256",
        "ethos-u55-128-sram",
        "ethos-u55-256-sram",
        "ethos-u65-256-sram",
        "ethos-u65-512-sram",
        "ethos-u85-256-sram",
        "ethos-u85-512",
        "ethos-u85-512-sram",
        "ethos-u85-1024",
        "ethos-u85-1024-sram",
        "ethos-u85-2048",
        "ethos-u85-2048-sram",
        "edgetpu-like",
    } <= set(NPU_PRESETS)
    u55 = load_arch("ethos-u55-128")
    assert (u55.clock_mhz, u55.weights_in, u55.activations_in) == (500, Memory.FLASH, Memory.SRAM)
    u65 = load_arch("ethos-u65-512")
    assert (u65.clock_mhz, u65.cores, u65.cache_kb, u65.weights_in) == (1000, 2, 384, Memory.DRAM)


def test_block_fits_buffer_and_depthwise_block_is_vela_s() -> None:
    config = load_arch("ethos-u55-256")
    geometry = Geometry(NpuKind.DEPTHWISE, (56, 56, 128), (56, 56, 128), kernel=(3, 3))
    assert choose_block(geometry, config).ofm == (14, 14, 16)


@settings(max_examples=40, deadline=None)
@given(
    size=st.integers(1, 64),
    cin=st.integers(1, 300),
    cout=st.integers(1, 300),
    kernel=st.sampled_from([1, 3, 5, 7]),
    preset=st.sampled_from(["ethos-u55-128", "ethos-u55-256", "ethos-u65-512"]),
)
def test_chosen_block_is_whole_micro_blocks_that_fit(size: int, cin: int, cout: int, kernel: int, preset: str) -> None:
    config = load_arch(preset)
    geometry = Geometry(NpuKind.CONV, (size + kernel - 1, size + kernel - 1, cin), (size, size, cout), (kernel, kernel))
    block = choose_block(geometry, config)
    h, w, c = block.ofm
    assert h % config.ublock_h == 0 and w % config.ublock_w == 0 and c % config.ublock_c == 0
    ifm_banks = math.ceil(block.ifm[0] * block.ifm[1] * math.ceil(block.ifm[2] / 8) * 8 / 1024) * 2
    acc_banks = math.ceil(h * w * math.ceil(c / 8) * 8 * 4 / 1024) * 2
    assert ifm_banks + acc_banks <= config.buffer_banks - config.reserved_banks


@settings(max_examples=40, deadline=None)
@given(
    size=st.integers(2, 40),
    cin=st.integers(1, 256),
    cout=st.integers(1, 256),
    kernel=st.sampled_from([1, 3]),
    depthwise=st.booleans(),
    preset=st.sampled_from(["ethos-u55-128", "ethos-u55-256-sram", "ethos-u65-256", "edgetpu-like"]),
)
def test_invariants(size: int, cin: int, cout: int, kernel: int, depthwise: bool, preset: str) -> None:
    config = load_arch(preset)
    workload = _conv(cin, cin if depthwise else cout, size, kernel, depthwise=depthwise)
    layer = simulate(workload, config).layers[0]
    peak = config.peak_macs_per_cycle
    assert layer.total_cycles >= layer.macs / peak
    assert 0 <= layer.overall_util <= layer.compute_util <= 1
    assert 0 < layer.mapping_efficiency <= 1
    bounds = [layer.extras[f"{part}_cycles"] for part in ("npu", "sram_access", "dram_access", "flash_access")]
    if layer.extras["npu_ops"] == 1:
        assert layer.total_cycles == max(bounds)
    else:
        # A shallow convolution's fused activation runs as a pass of its own (Vela 5.2): each pass is bound by
        # its own slowest part, so the layer by no less than the slowest part and no more than all parts' sum.
        assert max(bounds) <= layer.total_cycles <= sum(bounds)
    faster = dataclasses.replace(
        config,
        sram_bytes_per_cycle=config.sram_bytes_per_cycle * 2,
        dram_bytes_per_cycle=config.dram_bytes_per_cycle * 2,
        flash_bytes_per_cycle=config.flash_bytes_per_cycle * 2,
    )
    assert simulate(workload, faster).layers[0].total_cycles <= layer.total_cycles


def test_a_faster_flash_never_slows_the_first_op_by_staging_its_weights() -> None:
    """A network's first op has nothing before it to copy under: staging its weights read once shows the first
    depth slice's copy, so it is staged only when that still beats streaming them (found by a physics audit:
    a 1.6 MB int16 kernel took 11.8% longer on a flash twice as fast)."""
    b = GraphBuilder("one", Precision.INT16)
    b.conv(b.input((1, 1024, 11, 11)), 63, 5, 2, padding="valid")
    workload = b.build()
    config = load_arch("ethos-u55-32")
    cycles = [
        simulate(workload, dataclasses.replace(config, flash_bytes_per_cycle=rate)).layers[0].total_cycles
        for rate in (1.0, 2.0, 4.0)
    ]
    assert cycles == sorted(cycles, reverse=True)


def test_batch1_fc_and_depthwise_underuse_the_array() -> None:
    config = load_arch("ethos-u55-128-sram")
    fc = simulate(_fc(1024, 1000), config).layers[0]
    # One micro-block per kernel step waits for the weight decoder: 8 weights/cycle of 128 MACs.
    assert fc.compute_util <= config.weight_decode_per_cycle / config.macs_per_cycle + 1e-9
    depthwise = simulate(_conv(128, 128, 56, 3, depthwise=True), config).layers[0]
    pointwise = simulate(_conv(128, 128, 56, 1), config).layers[0]
    assert depthwise.compute_util < 0.15 < 0.9 < pointwise.compute_util


def test_weights_in_flash_bound_a_big_fc() -> None:
    layer = simulate(_fc(1024, 1000), load_arch("ethos-u55-128")).layers[0]
    assert layer.total_cycles == layer.extras["flash_access_cycles"] > 4 * layer.extras["npu_cycles"]
    assert layer.extras["flash_bytes"] >= 1024 * 1000


def test_dma_channel_bandwidth_is_the_latency_bound_of_its_buffered_bursts() -> None:
    config = load_arch("ethos-u85-256")
    # Little's law at Vela's 80% efficiencies: 2 KiB in flight over 500 cycles for DRAM reads,
    # 0.8 x 16 outstanding 64-byte bursts over 32 cycles for SRAM.
    assert config.channel_bandwidth(Memory.DRAM, write=False) == pytest.approx(2048 / 500 * 0.8)
    assert config.channel_bandwidth(Memory.SRAM, write=False) == pytest.approx(64 * 16 * 0.8 / 32 * 0.8)
    assert config.channel_bandwidth(Memory.DRAM, write=True) == pytest.approx(128 * 32 * 0.8 / 250 * 0.8)
    unlimited = load_arch("ethos-u65-256")
    assert unlimited.channel_bandwidth(Memory.DRAM, write=False) == unlimited.dram_bytes_per_cycle
    wide = load_arch("ethos-u85-512")
    assert wide.channel_bandwidth(Memory.DRAM, write=False, weights=True) == pytest.approx(
        2 * wide.channel_bandwidth(Memory.DRAM, write=False)
    )


def test_weights_streamed_from_dram_run_at_the_channel_rate_not_the_port_rate() -> None:
    config = load_arch("ethos-u85-256")
    layer = simulate(_fc(1024, 1000), config).layers[0]
    channel = config.channel_bandwidth(Memory.DRAM, write=False)
    assert layer.total_cycles == layer.extras["dram_access_cycles"] >= 1024 * 1000 / channel
    assert 1024 * 1000 / channel > 3 * 1024 * 1000 / config.dram_bytes_per_cycle
    deeper = simulate(_fc(1024, 1000), dataclasses.replace(config, channel_read_buffer_bytes=8192)).layers[0]
    assert deeper.total_cycles < 0.35 * layer.total_cycles  # the 12 B/cycle port is the limit then


@pytest.mark.parametrize(("size", "expected"), [(7, (1, 4, 16)), (14, (2, 2, 16)), (28, (2, 2, 16))])
def test_u85_takes_the_least_padded_micro_block(size: int, expected: tuple[int, int, int]) -> None:
    config = load_arch("ethos-u85-512-sram")
    geometry = Geometry(NpuKind.CONV, (size, size, 64), (size, size, 64))
    assert micro_block(geometry, config) == expected
    # 7x7 outputs: 7x8 padded positions on 1x4 micro-blocks, 8x8 on 2x2: fewer cycles.
    seven = simulate(_conv(512, 1024, 7, 1), config).layers[0]
    square = simulate(_conv(512, 1024, 7, 1), dataclasses.replace(config, ublock_options=())).layers[0]
    assert seven.compute_cycles < 0.9 * square.compute_cycles


@pytest.mark.parametrize("name", ["transformer_encoder", "vit_b16", "gpt2_decode"])
def test_transformer_layers_run(name: str) -> None:
    metrics = simulate(load_workload(name), load_arch("ethos-u85-256"))
    kinds = {layer.kind for layer in metrics.layers}
    assert {"matmul", "vector"} <= kinds
    assert all(layer.total_cycles > 0 for layer in metrics.layers if layer.macs)
    assert 0 < metrics.overall_util < 1


def test_attention_without_a_matmul_unit_is_decomposed_and_slower() -> None:
    workload = load_workload("transformer_encoder")
    native = simulate(workload, load_arch("ethos-u85-256-sram"))
    decomposed = simulate(workload, dataclasses.replace(load_arch("ethos-u85-256-sram"), native_matmul=False))
    scores = {m.layer: m for m in decomposed.layers if m.layer.endswith("attn.scores")}
    native_scores = {m.layer: m for m in native.layers if m.layer.endswith("attn.scores")}
    for name, layer in scores.items():
        assert layer.total_cycles > 10 * native_scores[name].total_cycles


def test_int4_weights_halve_weight_traffic() -> None:
    # Ethos-U presets take int8 weights only (Vela 5.2); a custom decoder that accepts int4 halves the bytes
    config = dataclasses.replace(load_arch("ethos-u55-128"), weight_precisions=("int4", "int8"))
    int8 = simulate(_fc(1024, 1000), config).layers[0]
    int4 = simulate(_fc(1024, 1000).with_precision(Precision.INT4), config).layers[0]
    assert int4.extras["flash_bytes"] < 0.55 * int8.extras["flash_bytes"]


def test_float_model_on_int8_preset_is_a_clear_error() -> None:
    with pytest.raises(InputError, match=r"runs int8/int16 only.*fp32.*quantise"):
        simulate(_fc(64, 64).with_precision(Precision.FP32), load_arch("ethos-u55-128"))


def test_model_too_big_for_flash_is_an_error() -> None:
    with pytest.raises(InputError, match=r"weights of 'vgg16' need .* flash holds 16,384\.0 KiB"):
        simulate(load_workload("vgg16"), load_arch("ethos-u55-128"))


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("macs_per_cycle", 8192),
        ("macs_per_cycle", 100),
        ("weights_in", "tape"),
        ("activations_in", "flash"),
        ("equal_depth_ublock_c", 24),
        ("ublock_options", [[1, 4, 4]]),
        ("ublock_options", [[2, 2]]),
        ("channel_read_buffer_bytes", -1),
        ("dram_max_reads", 1.5),
    ],
)
def test_bad_config_fields_raise(field: str, value: object) -> None:
    with pytest.raises(ValueError, match=field):
        NpuConfig(**{field: value})


def test_cli_json_has_memory_access_cycles_and_errors_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    import json

    code = main(["simulate", "--workload", "mobilenet_v1", "--arch", "ethos-u55-128", "--format", "json"])
    out, _ = capsys.readouterr()
    assert code == 0
    row = json.loads(out)["layers"][0]
    for key in ("npu_cycles", "sram_access_cycles", "dram_access_cycles", "flash_access_cycles", "ofm_block"):
        assert key in row
    for argv in (["--arch", "ethos-u99"], ["--arch", "ethos-u55-128", "--precision", "fp32"]):
        code = main(["simulate", "--workload", "mobilenet_v1", *argv])
        _, err = capsys.readouterr()
        assert code == 2
        assert len(err.strip().splitlines()) == 1
