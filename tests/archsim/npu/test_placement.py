"""Feature-map placement behind an SRAM cache (Vela's Dedicated_Sram scheduling on the U65 and U85 presets).

The expected cascades, stripes and pass order are what Vela 5.2 printed for the
same TFLite files (``vela MODEL --accelerator-config ethos-u65-512
--verbose-schedule``: "Assigned Cascade" and "OFM Stripe" per operation), and
which outputs its per-layer CSV shows going to DRAM; on the U85 (regor) the
schedule's "(in Dram)" per operation and its "Memory Used" breakdown.
"""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from support.tflite_models import write_mobilenet_v1, write_mobilenet_v2, write_resnet18

from archsim.config.loader import load_arch
from archsim.config.npu import Memory, NpuConfig
from archsim.errors import InputError
from archsim.npu.blocks import choose_block
from archsim.npu.lowering import lower
from archsim.npu.memory import staged
from archsim.npu.placement import (
    FeatureMapPlan,
    _cascades,
    _regor_weight_slots,
    _steps,
    _times,
    plan_feature_maps,
    schedule_order,
)
from archsim.simulate import simulate
from workloads.graph import Workload
from workloads.registry import load_workload


@pytest.fixture(scope="module")
def mobilenet_v1(tmp_path_factory: pytest.TempPathFactory) -> Workload:
    return load_workload(str(write_mobilenet_v1(tmp_path_factory.mktemp("placement") / "mobilenet_v1.tflite")))


@pytest.fixture(scope="module")
def mobilenet_v2(tmp_path_factory: pytest.TempPathFactory) -> Workload:
    return load_workload(str(write_mobilenet_v2(tmp_path_factory.mktemp("placement") / "mobilenet_v2.tflite")))


@pytest.fixture(scope="module")
def resnet18(tmp_path_factory: pytest.TempPathFactory) -> Workload:
    return load_workload(str(write_resnet18(Path(tmp_path_factory.mktemp("placement")) / "resnet18.tflite")))


def test_mobilenet_v1_cascades_and_stripes_are_velas_on_u65_512(mobilenet_v1: Workload) -> None:
    plan = plan_feature_maps(mobilenet_v1, load_arch("ethos-u65-512"))
    # Vela: cascade 3 = ops 0..3 (stripes 12, 12, 12, 6 rows), cascade 7 = ops 4..7 (6, 6, 6, 3), cascade 10 = ops
    # 8..10 (8, 8, 8); everything after runs whole.
    assert plan.stripe_rows == {
        "conv_0": 12,
        "depthwise_0": 12,
        "conv_1": 12,
        "depthwise_1": 6,
        "conv_2": 6,
        "depthwise_2": 6,
        "conv_3": 6,
        "depthwise_3": 3,
        "conv_4": 8,
        "depthwise_4": 8,
        "conv_5": 8,
    }
    # The output ending each cascade goes to the DRAM arena; the 14x14x512 maps between the pointwise layers
    # stay in the cache (their weight buffers shrink to make room), as Vela's DRAM access figures show.
    assert plan.in_dram == {"depthwise_1", "depthwise_3", "conv_5"}


def test_mobilenet_v1_maps_beside_whole_pointwise_weights_go_to_dram_on_u85_256(mobilenet_v1: Workload) -> None:
    plan = plan_feature_maps(mobilenet_v1, load_arch("ethos-u85-256"))
    # Vela (regor): cascades ops 0..3 (12, 12, 12, 6 rows) and 4..7 (6, 6, 6, 3) as on the U65, then 8..10; each
    # 14x14x512 pointwise keeps its 261 KiB of weights whole (two depth slices double buffered) and writes its
    # output to DRAM, while the depthwise outputs between them stay in the cache.
    assert [plan.stripe_rows[f"conv_{i}"] for i in range(4)] == [12, 12, 6, 6]
    assert [plan.stripe_rows[f"depthwise_{i}"] for i in range(4)] == [12, 6, 6, 3]
    assert set(plan.stripe_rows) == {f"conv_{i}" for i in range(6)} | {f"depthwise_{i}" for i in range(5)}
    assert plan.in_dram == {"depthwise_1", "depthwise_3", "conv_5"} | {f"conv_{i}" for i in range(7, 12)}


@pytest.mark.parametrize("preset", ["ethos-u85-256", "ethos-u85-512"])
def test_regor_leaves_a_cascades_weights_unbuffered_when_they_do_not_fit_its_time_index(
    mobilenet_v1: Workload, preset: str
) -> None:
    config = load_arch(preset)
    plan = plan_feature_maps(mobilenet_v1, config)
    # regor proposes buffers on the run's minimal stripes: conv_5's copy does not hide under depthwise_4's stripe,
    # so the stripe search counts conv_4's and depthwise_4's weights only and takes 11-row stripes, as Vela prints.
    assert [plan.stripe_rows[name] for name in ("conv_4", "depthwise_4", "conv_5")] == [11, 11, 11]
    # On those stripes conv_5's 68 KB do not fit beside the rolling buffers and the others' buffers (Vela: None);
    # Vela also leaves conv_4 unbuffered (its performance test, not modelled) and buffers depthwise_4 on U85-512.
    assert plan.unbuffered == {"depthwise_4", "conv_5"}
    # Vela 5.2 builds the U65's cascades with regor too: on U65-512 it prints "Weight buffer = 0 bytes (None)" for the
    # same two.
    assert plan_feature_maps(mobilenet_v1, load_arch("ethos-u65-512")).unbuffered == {"depthwise_4", "conv_5"}
    conv_5 = next(layer for layer in simulate(mobilenet_v1, config).layers if layer.layer == "conv_5")
    # No SRAM copy: its 2x28 blocks re-read the 256x256 weights (encoded, a little more) from DRAM once per block,
    # 14 times, within the DRAM bandwidth.
    assert conv_5.filter_sram_reads == 0
    assert 14 * 256 * 256 <= conv_5.filter_dram_reads < 15 * 256 * 256
    assert conv_5.extras["dram_bytes"] <= config.dram_bytes_per_cycle * conv_5.total_cycles


@pytest.fixture(scope="module")
def mobilenet_v1_16x8(tmp_path_factory: pytest.TempPathFactory) -> Workload:
    folder = tmp_path_factory.mktemp("placement16")
    return load_workload(str(write_mobilenet_v1(folder / "mobilenet_v1_int16.tflite", dtype="int16")))


@pytest.mark.parametrize("preset", ["ethos-u65-512", "ethos-u85-512", "ethos-u85-2048"])
def test_runs_are_cut_where_their_minimal_stripes_outgrow_the_cache(mobilenet_v1_16x8: Workload, preset: str) -> None:
    config = load_arch(preset)
    steps = _steps(mobilenet_v1_16x8, config)
    cascades = _cascades(steps, mobilenet_v1_16x8, config.cache_kb * 1024, config)
    found = {(steps[c.first].node.name, steps[c.last].node.name): c.stripes for c in cascades}
    # Vela 5.2 --verbose-schedule ("Cascades:", "OFM Stripe"): at 16 bits the run conv_0..depthwise_5 holds 243 KiB
    # of 2-row buffers by conv_3, so regor's first cascade pass (on the minimal schedule) cuts it there and each
    # piece gets its own stripe search; one pass over the whole run found no stripe and kept 1-row stripes.
    expected = {
        ("conv_0", "conv_1"): (8, 8, 8),
        ("depthwise_1", "conv_3"): (4, 4, 4, 4),
        ("conv_6", "conv_7"): (3, 3, 3),
        ("depthwise_7", "conv_9"): (3, 3, 3, 3),
        ("depthwise_9", "conv_11"): (3, 3, 3, 3),
    }
    if preset == "ethos-u85-512":
        expected[("depthwise_3", "depthwise_5")] = (1, 1, 1, 2, 1)
    else:
        expected[("depthwise_3", "depthwise_4")] = (6, 6, 6)
        expected[("conv_5", "depthwise_5")] = (6, 3)
    assert found == expected
    # Vela's cascade sizes (rolling buffers and the weights buffered in them), where its weight choices are ours.
    sizes = {(steps[c.first].node.name, steps[c.last].node.name): c.memory for c in cascades}
    if preset == "ethos-u85-512":
        assert sizes["conv_0", "conv_1"] == 264288
        assert sizes["depthwise_1", "conv_3"] == 375264
        assert sizes["depthwise_3", "depthwise_5"] == 292288
    for cascade in cascades:
        assert cascade.memory <= config.cache_kb * 1024


def test_a_cascade_after_a_chain_takes_the_heads_slack(tmp_path: Path) -> None:
    # MobileNetV2 16x8 on U85-256: the cascade conv_24..depthwise_12 follows conv_23, whose output stage runs add_6.
    # regor schedules the add as a sub-operation of conv_23, so conv_24's weight copy hides under conv_23's cycles
    # (the chained add alone has none). Vela 5.2 prints conv_22 and conv_24 buffered ("Weight buffer = 61072 bytes
    # (Single)") and depthwise_11 and depthwise_12 not ("None"), as archsim now plans them.
    workload = load_workload(str(write_mobilenet_v2(tmp_path / "mobilenet_v2_int16.tflite", dtype="int16")))
    plan = plan_feature_maps(workload, load_arch("ethos-u85-256"))
    assert plan.stripe_rows["conv_24"] == plan.stripe_rows["depthwise_12"] == 7
    assert {"depthwise_11", "depthwise_12"} <= plan.unbuffered
    assert not {"conv_22", "conv_24"} & plan.unbuffered


def test_a_cascade_stripes_micro_block_prices_its_blocks(mobilenet_v1_16x8: Workload) -> None:
    # conv_7 (14x14x512, 16x8) runs on 3-row stripes on U85-512: regor picks the op's configuration on the stripe,
    # whose 3 rows pad least on the 1x4x16 micro-block (the whole 14x14 map on 2x2x16), so its 3x16x32 blocks cover
    # 16 columns of 14: Vela 5.2 prints 231,042 NPU cycles.
    config = load_arch("ethos-u85-512")
    conv_7 = next(layer for layer in simulate(mobilenet_v1_16x8, config).layers if layer.layer == "conv_7")
    assert conv_7.extras["ofm_block"] == "3x16x32"
    assert conv_7.extras["npu_cycles"] == pytest.approx(231042, rel=0.02)
    # Its MAC slots count the same padding: 14 of every 16 columns hold outputs.
    assert conv_7.mapping_efficiency == pytest.approx(14 / 16)


def test_an_op_chained_into_is_not_cascaded_on_u85(mobilenet_v2: Workload) -> None:
    plan = plan_feature_maps(mobilenet_v2, load_arch("ethos-u85-256"))
    # Vela (regor): cascades ops 0..5 (6, 6, 6, 6, 3, 3 rows), 6..7 (21) and 9..10 (22, 11); conv_5, whose output
    # stage runs add_0, runs whole between them, reading the cascade's end from DRAM.
    assert [plan.stripe_rows.get(f"conv_{i}") for i in range(7)] == [6, 6, 6, 3, 21, None, 22]
    assert plan.stripe_rows["depthwise_2"] == 21 and plan.stripe_rows["depthwise_3"] == 11
    assert {"conv_3", "depthwise_2", "depthwise_3"} <= plan.in_dram


def test_whole_weight_buffer_evicts_the_resnet_block_output_on_u65_512(resnet18: Workload) -> None:
    # Vela splits the 3x3 convolution's 288 KiB of weights into two depth slices, which double buffered hold them
    # all, so the 28x28x128 block output its projection and it read goes to DRAM.
    assert "add_3" in plan_feature_maps(resnet18, load_arch("ethos-u65-512")).in_dram


def test_resnet18_maps_follow_regors_live_ranges_on_u85(resnet18: Workload) -> None:
    plan = plan_feature_maps(resnet18, load_arch("ethos-u85-256"))
    # Vela 5.2 (--verbose-allocation, Dram FeatureMap vs Sram Staging): each pre-buffered weight buffer already
    # takes the cache in the slot before its op, so beside the second stage's two 161 KiB buffers no 28x28x128
    # map fits (the block outputs, the projection conv_7 and the 3x3 outputs go to DRAM), while the first
    # stage's 3x3 outputs and the last stage's maps, whose convolutions stream their weights, stay in the cache.
    assert {"add_0", "add_1", "conv_7", "conv_5", "add_2", "conv_8", "conv_12", "conv_10", "add_5"} <= plan.in_dram
    kept = {"conv_1", "conv_3", "conv_17", "conv_15", "add_6", "conv_18", "add_7"}
    assert not kept & plan.in_dram
    # U85-512 (Vela's allocation): the same second stage in DRAM, and the third stage's block outputs beside the
    # double-buffered 3x3 weights regor copies although its 14x14 blocks read them once; their 64-channel slices
    # (Vela's, from the weights' encoded size) leave the 3x3 outputs conv_10 and conv_13 room in the cache.
    plan = plan_feature_maps(resnet18, load_arch("ethos-u85-512"))
    assert {"add_0", "add_1", "conv_7", "conv_5", "add_2", "conv_8", "conv_12", "add_4", "add_5"} <= plan.in_dram
    assert not {"conv_10", "conv_13"} & plan.in_dram
    assert not kept & plan.in_dram


def test_regor_copies_weights_read_once_only_when_the_copy_hides_in_the_op(resnet18: Workload) -> None:
    # On U85-512 the third stage's 3x3 convolutions run one 14x14 block, so the array reads their 576 KiB of
    # weights once; regor still double-buffers them (Vela: "Weight buffer = 329024 bytes (Double)") because the
    # copy and the buffered reads take less than the op. The last stage's 3x3 convolutions' 2.25 MiB would not
    # hide in their 7x7 runs (Vela: None) and stream. The test is regor's on every Ethos-U (Vela 5.2 schedules the
    # U55/U65 with regor too), whichever way the cache is planned.
    def staged_layers(config: NpuConfig) -> set[str]:
        return {
            node.name
            for node in resnet18
            for op in lower(node, resnet18, config)
            if op.geometry.kind.has_weights and staged(op, config, choose_block(op.geometry, config))
        }

    config = load_arch("ethos-u85-512")
    assert {"conv_11", "conv_13", "conv_14"} <= staged_layers(config)
    assert not {"conv_15", "conv_16", "conv_18", "conv_19"} & staged_layers(config)
    assert staged_layers(replace(config, cache_holds_prefill=True)) == staged_layers(config)
    # Their buffers take the block outputs' room: add_5, which the projection conv_17 reads, goes to DRAM as in Vela.
    assert "add_5" in plan_feature_maps(resnet18, config).in_dram
    conv_17 = next(layer for layer in simulate(resnet18, config).layers if layer.layer == "conv_17")
    assert conv_17.ifmap_dram_reads > 0


def test_regor_keeps_the_input_in_the_cache_instead_of_a_weight_buffer_that_does_not_fit_beside_it(
    resnet18: Workload,
) -> None:
    # conv_10 (3x3, stride 2) reads the block output add_3 (98 KiB). On U85-512 its weights' double buffer (322 KiB)
    # and add_3 do not both fit the 384 KiB cache, and with add_3 in the cache and the weights read from DRAM per
    # block its estimate is below both its estimate with the buffer (add_3 read from DRAM) and that read alone:
    # regor stages the input (Vela 5.2 on U85-512: "Weight buffer = 0 bytes (None)", add_3 in its SRAM staging area).
    plan = plan_feature_maps(resnet18, load_arch("ethos-u85-512"))
    assert "conv_10" in plan.unbuffered
    assert "add_3" not in plan.in_dram
    # On U85-256 the buffer's three slices (262 KiB) fit beside add_3: both stay (Vela: 268,384 bytes, "Double").
    plan = plan_feature_maps(resnet18, load_arch("ethos-u85-256"))
    assert "conv_10" not in plan.unbuffered
    assert "add_3" not in plan.in_dram
    # On U65-512 (Vela's Python scheduler) the buffer stays and add_3 goes to DRAM (test above).
    assert "conv_10" not in plan_feature_maps(resnet18, load_arch("ethos-u65-512")).unbuffered


def _vela_allocation(model: Path, accelerator: str, out_dir: Path) -> tuple[set[str], set[str]]:
    """Feature maps Vela 5.2 allocates in the DRAM arena and in the SRAM staging area (``--verbose-allocation``)."""
    command = [sys.executable, "-m", "ethosu.vela", str(model), "--accelerator-config", accelerator]
    command += ["--verbose-allocation", "--output-dir", str(out_dir / accelerator)]
    printed = subprocess.run(command, check=True, capture_output=True, text=True, timeout=600).stdout
    sections = printed.split("Allocation, memory ")

    def names(memory: str) -> set[str]:
        section = next(part for part in sections if part.startswith(memory)).split("Allocation Peak")[0]
        return {line.rsplit(":", 1)[1].strip() for line in section.splitlines() if re.match(r"\s+\d+ -", line)}

    return names("Dram"), names("Sram")


@pytest.mark.slow
@pytest.mark.parametrize(
    ("writer", "accelerator", "differing"),
    [
        (write_mobilenet_v1, "ethos-u85-256", set()),
        (write_mobilenet_v1, "ethos-u85-512", set()),
        (write_mobilenet_v2, "ethos-u85-256", set()),
        (write_mobilenet_v2, "ethos-u85-512", set()),
        (write_resnet18, "ethos-u85-256", set()),
        (write_resnet18, "ethos-u85-512", set()),
    ],
)
def test_u85_maps_are_where_velas_allocation_puts_them(
    writer: Callable[[Path], Path], accelerator: str, differing: set[str], tmp_path: Path
) -> None:
    model = writer(tmp_path / "model.tflite")
    workload = load_workload(str(model))
    in_dram, in_sram = _vela_allocation(model, accelerator, tmp_path)
    maps = {name for node in workload for name in node.outputs if workload.consumers[name]} & (in_dram | in_sram)
    planned = plan_feature_maps(workload, load_arch(accelerator)).in_dram
    # Every intermediate map Vela allocates is where Vela puts it (ResNet-18's since the U85 weight encoder sizes
    # the weight buffers as Vela's; before it, add_4 on U85-256 and conv_10/conv_13 on U85-512 differed).
    assert {name for name in maps if (name in planned) != (name in in_dram)} == differing


def _vela_weights(model: Path, accelerator: str, out_dir: Path) -> dict[str, tuple[int, int, list[int]]]:
    """Per convolution (in Vela's pass order, named as archsim's): Vela 5.2's encoded weight bytes, weight buffer
    bytes and depth slices (``--verbose-schedule``)."""
    command = [sys.executable, "-m", "ethosu.vela", str(model), "--accelerator-config", accelerator]
    command += ["--verbose-schedule", "--output-dir", str(out_dir / accelerator)]
    printed = subprocess.run(command, check=True, capture_output=True, text=True, timeout=600).stdout
    found = re.findall(
        r"Operation Conv2D .*?Encoded Weights = (\d+) bytes\s+Weight buffer = (\d+) bytes.*?"
        r"Depth slices = \[([\d, ]+)\]",
        printed,
        re.S,
    )
    names = [node.name for node in schedule_order(load_workload(str(model))) if node.name.startswith("conv_")]
    assert len(found) == len(names)
    return {
        name: (int(encoded), int(buffer), [int(d) for d in depths.split(",")])
        for name, (encoded, buffer, depths) in zip(names, found, strict=True)
    }


@pytest.mark.slow
def test_u85_weights_and_their_slices_are_velas(tmp_path: Path) -> None:
    model = write_resnet18(tmp_path / "resnet18_224.tflite")
    vela = _vela_weights(model, "ethos-u85-256", tmp_path)
    # Vela's U85 encoding makes a 3x3 part-kernel convolution's weights 1.11x their bytes (+ 10 bytes of scale per
    # channel); a 1x1 depth-first projection's stay at their bytes.
    assert vela["conv_10"][0] == 330336 and vela["conv_11"][0] == 658048 and vela["conv_12"][0] == 35344
    assert 1.11 < (330336 - 2560) / (3 * 3 * 128 * 256) < 1.112
    # Hence regor's slices: conv_10 48/128/80 in a 268,384-byte double buffer beside add_3, the third stage's
    # 3x3 convolutions 4 x 64 channels in 329,024 bytes on both presets.
    assert vela["conv_10"][1:] == (268384, [0, 48, 176, 256])
    assert all(vela[name][1:] == (329024, [0, 64, 128, 192, 256]) for name in ("conv_11", "conv_13", "conv_14"))
    vela_512 = _vela_weights(model, "ethos-u85-512", tmp_path)
    assert all(vela_512[name][1:] == (329024, [0, 64, 128, 192, 256]) for name in ("conv_11", "conv_13", "conv_14"))
    assert vela_512["conv_10"][1] == 0  # unbuffered on U85-512 (regor stages the input instead)
    # archsim's U85 encoder: the projection's bytes equal, the 3x3 weights within 96 bytes (Vela encodes each depth
    # slice of a buffer apart, each padded and aligned; archsim one stream per op), the same four 64-channel slices
    # and conv_10's three slices in another order (80/128/48 where Vela's are 48/128/80; not modelled).
    resnet18 = load_workload(str(model))
    config = load_arch("ethos-u85-256")
    limit = config.cache_kb * 1024
    steps = {step.node.name: step for step in _steps(resnet18, config)}
    weights_10, weights_11, weights_12 = (steps[name].weights[0] for name in ("conv_10", "conv_11", "conv_12"))
    assert (weights_10.size, weights_11.size, weights_12.size) == (330272, 657952, 35344)
    assert weights_11.slices(steps["conv_11"].lent, limit) == [64, 64, 64, 64]
    assert abs(weights_11.buffer(steps["conv_11"].lent, limit) - 329024) <= 48
    assert weights_10.slices(steps["conv_10"].lent, limit) == [80, 128, 48]
    assert abs(weights_10.buffer(steps["conv_10"].lent, limit) - 268384) <= 48
    # A 1x1 part-kernel convolution: 1.5x its bytes (MobileNetV1's conv_1, 32 -> 64 channels), equal to Vela's.
    mobilenet = write_mobilenet_v1(tmp_path / "mobilenet_v1_224.tflite")
    assert _vela_weights(mobilenet, "ethos-u85-256", tmp_path / "v1")["conv_1"][0] == 3712 == 32 * 64 * 1.5 + 640
    workload = load_workload(str(mobilenet))
    (op,) = lower(next(node for node in workload if node.name == "conv_1"), workload, config)
    assert op.weight_bytes + op.scale_channels * config.scale_bytes_per_channel == 3712


def test_regor_weight_buffers_take_the_slot_before_their_op(resnet18: Workload) -> None:
    config = load_arch("ethos-u85-256")
    limit = config.cache_kb * 1024
    steps = _steps(resnet18, config)
    cascades = _cascades(steps, resnet18, limit, config)
    times = _times(steps, cascades, regor=True)
    names = [step.node.name for step in steps]
    # One time per chain (conv_2 and the add_0 chained onto it) and per cascade (conv_0 and maxpool_0), as regor.
    assert times[names.index("add_0")] == times[names.index("conv_2")]
    assert times[names.index("maxpool_0")] == times[names.index("conv_0")] == 0
    memory = np.zeros(times[-1] + 1)
    memory[0] = cascades[0].memory
    slots = _regor_weight_slots(steps, times, {0, 1}, limit, memory)
    conv_6, conv_8 = (times[names.index(name)] for name in ("conv_6", "conv_8"))
    buffer = steps[names.index("conv_6")].weights[0].buffer(steps[names.index("conv_6")].lent, limit)
    # conv_6's buffer is filled under conv_5 and kept until conv_8 starts, whose own is filled then: two at once.
    assert slots[2 * conv_6 - 1] >= buffer and slots[2 * conv_8 - 1] >= 2 * buffer


def test_u85_scales_are_fetched_per_block_over_regors_16_word_channel() -> None:
    # regor's U85 channel table gives the scale channel 16 16-byte words: two 128-byte DRAM bursts in flight.
    for preset in ("ethos-u85-256", "ethos-u85-512"):
        assert load_arch(preset).channel_bandwidth(Memory.DRAM, write=False, scales=True) == pytest.approx(0.4096)


def test_mobilenet_v2_cascaded_pointwise_waits_on_its_scales_on_u85_256(mobilenet_v2: Workload) -> None:
    layers = {layer.layer: layer for layer in simulate(mobilenet_v2, load_arch("ethos-u85-256")).layers}
    # conv_2 (112x112x96 on 6-row stripes, 1x40x48 blocks): 336 blocks x 960 bytes of scales at 0.41 B/cycle,
    # Vela 5.2's 787,499 cycles (DRAM-bound, its maps in the cascade's SRAM stripes).
    assert layers["conv_2"].extras["ofm_block"] == "1x40x48"
    assert layers["conv_2"].total_cycles == pytest.approx(787_499, abs=1)


def test_u85_prefetch_runs_beside_a_dram_bound_op_within_the_port(mobilenet_v1: Workload) -> None:
    config = load_arch("ethos-u85-256")
    layers = {layer.layer: layer for layer in simulate(mobilenet_v1, config).layers}
    # depthwise_7 reads its input from DRAM at the channel rate; the next pointwise's weights still arrive beside
    # it on their own channel (as Vela's equal cycles for conv_7 and conv_8 show), and the port is not exceeded.
    assert layers["conv_8"].total_cycles == layers["conv_7"].total_cycles
    depthwise = layers["depthwise_7"]
    assert depthwise.extras["dram_bytes"] > depthwise.ifmap_dram_reads
    assert depthwise.extras["dram_bytes"] <= config.dram_bytes_per_cycle * depthwise.total_cycles


def test_cascade_end_is_read_back_from_dram(mobilenet_v1: Workload) -> None:
    layers = {layer.layer: layer for layer in simulate(mobilenet_v1, load_arch("ethos-u65-512")).layers}
    assert layers["depthwise_1"].ofmap_dram_writes == 56 * 56 * 64
    assert layers["conv_2"].ifmap_dram_reads > 0
    assert layers["depthwise_2"].ifmap_dram_reads == 0 and layers["depthwise_2"].ofmap_dram_writes == 0


def test_resnet_shortcut_projection_runs_before_the_main_branch_as_in_vela(resnet18: Workload) -> None:
    order = [node.name for node in schedule_order(resnet18)]
    assert sorted(order) == sorted(node.name for node in resnet18)
    assert order[7:12] == ["add_1", "conv_7", "conv_5", "conv_6", "add_2"]
    assert order.index("conv_12") < order.index("conv_10") < order.index("conv_11") < order.index("add_4")


@pytest.mark.parametrize("preset", ["ethos-u55-128", "ethos-u65-512", "ethos-u85-256"])
def test_every_npu_runs_its_layers_in_velas_pass_order(resnet18: Workload, preset: str) -> None:
    # The order the U65's cache plan walks (schedule_order takes no config: custom NPUs run in it too).
    layers = [layer.layer for layer in simulate(resnet18, load_arch(preset)).layers]
    assert layers == [node.name for node in schedule_order(resnet18)]


def test_without_cache_planning_every_intermediate_stays_on_chip(mobilenet_v1: Workload) -> None:
    for preset in ("ethos-u85-256-sram", "ethos-u65-256-sram", "ethos-u55-128"):
        assert plan_feature_maps(mobilenet_v1, load_arch(preset)) == FeatureMapPlan()


def test_planned_layers_stay_within_bandwidth_and_peak(resnet18: Workload) -> None:
    config = load_arch("ethos-u65-512")
    for layer in simulate(resnet18, config).layers:
        extras = layer.extras
        cycles = layer.total_cycles
        assert extras["dram_bytes"] <= config.dram_bytes_per_cycle * cycles * (1 + 1e-9)
        assert extras["sram_bytes"] <= config.sram_bytes_per_cycle * cycles * (1 + 1e-9)
        assert layer.macs <= config.peak_macs_per_cycle * max(cycles, 1)


def test_plans_cache_flag_must_be_a_boolean_in_a_config_file(tmp_path: Path) -> None:
    path = tmp_path / "npu.toml"
    path.write_text('family = "npu"\nplans_cache = "yes"\n')
    with pytest.raises(InputError, match="plans_cache must be true or false, got 'yes'"):
        load_arch(str(path))


def test_a_u85_chain_writes_its_output_where_that_output_lives(resnet18: Workload) -> None:
    # conv_2 heads the chain that adds the shortcut (add_0 chained onto its output stage); the plan evicts add_0 to
    # DRAM on U85-256, so conv_2's output transfers write its 56x56x64 bytes there, and conv_3 reads them back.
    config = load_arch("ethos-u85-256")
    assert "add_0" in plan_feature_maps(resnet18, config).in_dram
    layers = {layer.layer: layer for layer in simulate(resnet18, config).layers}
    assert layers["conv_2"].ofmap_dram_writes == 56 * 56 * 64
    assert layers["add_0"].ofmap_dram_writes == 0  # chained: no transfers of its own
    assert layers["conv_3"].ifmap_dram_reads > 0
    # With the cache keeping add_0 (the whole network in SRAM), nothing is written off chip.
    sram = simulate(resnet18, load_arch("ethos-u85-256-sram")).layers
    assert all(layer.ofmap_dram_writes == 0 for layer in sram)
