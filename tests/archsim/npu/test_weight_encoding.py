"""Encoded weight streams of the Ethos-U55/U65 (archsim.npu.weight_encoding) against Vela 5.2's own encoder.

The layout is checked on small tensors (where the padding zeros go), the encoded size against what Vela
stores (``total_npu_encoded_weights`` of its summary) for incompressible and for trained-like weights, and
the cycles of weight-bound operations against Vela's per-layer estimates.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest
from support.tflite_models import TfliteGraphWriter
from support.vela_runs import VelaOp, align, encoded_weight_bytes, run_vela

from archsim.config.loader import load_arch
from archsim.npu import weight_encoding
from archsim.npu.lowering import lower
from archsim.npu.weight_encoding import StreamLayout, ordered_stream, stream_bytes
from archsim.simulate import simulate
from workloads.errors import InputError
from workloads.registry import load_workload


def test_depth_first_pads_input_depth_to_32_and_output_to_the_micro_block() -> None:
    weights = np.ones((10, 1, 1, 20), dtype=np.int16)
    stream = ordered_stream(weights, StreamLayout("depth_first", 16, 8, 8))
    assert len(stream) == 16 * 32 and int(stream.sum()) == 200  # 10 -> 16 outputs, 20 -> 32 inputs


def test_decoder_order_walks_eight_inputs_of_each_output_in_a_micro_block() -> None:
    weights = np.arange(1, 2 * 16 + 1, dtype=np.int16).reshape(2, 1, 1, 16)  # output o, input i: 16 o + i + 1
    stream = ordered_stream(weights, StreamLayout("depth_first", 8, 8, 8))
    first = stream[: 2 * 8].tolist()  # micro-block of outputs 0..7 (two real), inputs 0..7
    assert first == list(range(1, 9)) + list(range(17, 25))


def test_part_kernel_rounds_kernel_elements_to_four_and_clips_input_depth() -> None:
    weights = np.ones((8, 3, 3, 3), dtype=np.int16)
    stream = ordered_stream(weights, StreamLayout("part_kernel", 8, 8, 8))
    assert len(stream) == 8 * 12 * 8 and int(stream.sum()) == 8 * 9 * 3  # 9 -> 12 elements, 3 -> 8 inputs


def test_uniform_weights_take_a_byte_each_and_trained_like_ones_less() -> None:
    rng = np.random.default_rng(0)
    uniform = rng.integers(-127, 128, 100_000).astype(np.int64)
    trained = np.clip(np.rint(rng.normal(0, 12, 100_000)), -127, 127).astype(np.int64)
    assert 1.0 <= stream_bytes(uniform) / 100_000 < 1.01
    assert stream_bytes(trained) / 100_000 < 0.8
    assert stream_bytes(np.zeros(0, dtype=np.int64)) == 16  # the end marker, aligned


def _network(path: Path, spread: float) -> Path:
    """Convolutions whose depths the blocks pad (3 and 20 inputs, 36 outputs), a depthwise and an FC."""
    g = TfliteGraphWriter("int8", seed=7, weight_spread=spread)
    x = g.input((1, 24, 24, 3))
    x = g.conv2d(x, 20, 3, activation="relu")
    x = g.depthwise(x, 3, activation="relu6")
    x = g.conv2d(x, 36, 1, activation="relu")
    x = g.conv2d(x, 64, 3, stride=2, activation="relu")
    y = g.input((1, 300), name="features")
    return g.write(path, [x, g.fully_connected(y, 100)])


CASES = [(spread, accelerator) for spread in (0.0, 12.0) for accelerator in ("ethos-u55-128", "ethos-u65-512")]


@pytest.fixture(scope="module")
def compiled(tmp_path_factory: pytest.TempPathFactory) -> dict[tuple[float, str], tuple[Path, Path, list[VelaOp]]]:
    """Each network compiled by Vela on each accelerator (default memory mode)."""
    folder = tmp_path_factory.mktemp("encoding")
    out = {}
    for spread, accelerator in CASES:
        model = _network(folder / f"net_{int(spread)}.tflite", spread)
        ops, _ = run_vela(model, accelerator, "default", folder)
        out[spread, accelerator] = (folder, model, ops)
    return out


def _encoded_totals(compiled: dict, spread: float, accelerator: str) -> tuple[int, int, int]:
    """(archsim's encoded weight bytes, Vela's, the raw bytes) of one compiled network."""
    folder, model, _ = compiled[spread, accelerator]
    workload, config = load_workload(str(model)), load_arch(accelerator)
    ours = sum(op.weight_bytes for node in workload if node.inputs[1:2] for op in lower(node, workload, config))
    raw = sum(values.size for values in workload.weight_values.values())
    return ours, encoded_weight_bytes(folder, model, accelerator, "default"), raw


@pytest.mark.parametrize(("spread", "accelerator"), CASES)
def test_encoded_weights_equal_vela(compiled: dict, spread: float, accelerator: str) -> None:
    ours, vela, _ = _encoded_totals(compiled, spread, accelerator)
    assert abs(ours - vela) <= 48, (ours, vela)  # measured: 0, +48, -48, +16 bytes of 45-61 KB (alignment units)


@pytest.mark.parametrize("accelerator", ["ethos-u55-128", "ethos-u65-512"])
def test_trained_like_weights_take_fewer_bytes_than_uniform_ones(compiled: dict, accelerator: str) -> None:
    uniform, trained = (_encoded_totals(compiled, spread, accelerator) for spread in (0.0, 12.0))
    for index in (0, 1):  # archsim's and Vela's
        assert uniform[index] > uniform[2]  # padding zeros cost bytes: 1.16-1.17x the raw bytes
        assert trained[index] < uniform[index] - 0.2 * uniform[2]
        assert 0.855 <= trained[index] / trained[2] <= 0.915  # 0.86-0.91x the raw bytes


@pytest.mark.parametrize("spread", [0.0, 12.0])
def test_flash_bound_fc_follows_the_encoded_size(compiled: dict, spread: float) -> None:
    """On the U55-128 (weights in flash at 1 B/cycle) the FC waits for its weights: Vela 35,072 cycles with uniform
    weights and 25,376 with trained-like ones (raw bytes would give 31,000 for both: -11.6% and +22.2%)."""
    _, model, reference = compiled[spread, "ethos-u55-128"]
    rows = align(reference, simulate(load_workload(str(model)), load_arch("ethos-u55-128")).layers)
    fc = next(row for row in rows if row.name == "fc_0")
    assert fc.vela == (35072 if spread == 0 else 25376)
    assert abs(fc.error) <= 0.001, fc


def test_layout_of_two_cores_interleaves_outputs() -> None:
    weights = np.arange(1, 17, dtype=np.int16).reshape(16, 1, 1, 1) * np.ones((1, 1, 1, 8), dtype=np.int16)
    layout = StreamLayout("depth_first", 16, 8, 8, cores=2)
    core0, core1 = (ordered_stream(weights, layout, core) for core in (0, 1))
    assert sorted(set(core0.tolist()) - {0}) == list(range(1, 17, 2))
    assert sorted(set(core1.tolist()) - {0}) == list(range(2, 17, 2))
    both = weight_encoding.encoded_weight_bytes(weights.astype(np.int64), layout)
    assert both == stream_bytes(core0) + stream_bytes(core1)


def test_unknown_weight_encoder_is_refused_naming_file_and_field(tmp_path: Path) -> None:
    config = tmp_path / "npu.toml"
    config.write_text('family = "npu"\nweight_encoder = "mlw"\n')
    allowed = r"npu\.toml: weight_encoder must be one of none, ethos-u55, ethos-u85, got 'mlw'"
    with pytest.raises(InputError, match=allowed):
        load_arch(str(config))


def test_built_in_networks_keep_raw_weight_bytes() -> None:
    workload = load_workload("mobilenet_v1")
    assert not workload.weight_values
    node = next(node for node in workload if node.inputs[1:2] and workload.tensor(node.inputs[1]).numel > 1000)
    (op,) = lower(node, workload, load_arch("ethos-u55-128"))
    assert op.weight_bytes == workload.tensor(node.inputs[1]).numel


def test_the_fit_check_counts_the_encoded_streams(tmp_path: Path) -> None:
    """A 1x1 convolution 100 -> 100 with uniform weights: 10,000 raw bytes, 11,632 encoded (its padding), and
    100 bytes of biases."""
    g = TfliteGraphWriter("int8", seed=3)
    model = g.write(tmp_path / "conv.tflite", [g.conv2d(g.input((1, 8, 8, 100)), 100, 1)])
    workload = load_workload(str(model))
    assert [op.weight_bytes for op in lower(workload.nodes[0], workload, load_arch("ethos-u55-64"))] == [11632]
    fits = dataclasses.replace(load_arch("ethos-u55-64"), flash_size_kb=12)
    assert simulate(workload, fits).layers[0].total_cycles > 0
    with pytest.raises(InputError, match=r"weights of 'conv' need 11\.5 KiB, flash holds 11\.0 KiB"):
        simulate(workload, dataclasses.replace(fits, flash_size_kb=11))
    raw = dataclasses.replace(fits, flash_size_kb=11, weight_encoder="none")
    assert simulate(workload, raw).layers[0].total_cycles > 0  # raw bytes (9.9 KiB with the biases) fit


def test_batch_one_fc_on_two_cores_matches_vela(compiled: dict) -> None:
    """docs/npu.md: on U65-512 (default mode) the FC 300 -> 100 takes Vela's 4,826 cycles: each block's per-channel
    parameter fetch is charged whole on the two cores, as regor does (3,849, -20.2%, when it was split)."""
    for spread in (0.0, 12.0):
        _, model, reference = compiled[spread, "ethos-u65-512"]
        rows = align(reference, simulate(load_workload(str(model)), load_arch("ethos-u65-512")).layers)
        fc = next(row for row in rows if row.name == "fc_0")
        assert (fc.vela, fc.archsim) == (4826, 4826)
