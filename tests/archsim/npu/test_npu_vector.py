"""NPU vector and data-movement ops: elementwise operands, concatenation copies, lookup tables, block I/O (U85)."""

from __future__ import annotations

import dataclasses

from archsim.config.loader import load_arch
from archsim.simulate import simulate
from workloads.builder import GraphBuilder
from workloads.graph import Workload
from workloads.ops import Activation


def _scaled_by_graph_input(width: int) -> Workload:
    """x (an intermediate) times a second graph input, as a decoder's RMSNorm weight arrives in a TFLite block."""
    b = GraphBuilder("norm")
    x = b.activation(b.input((1, width), name="x"), Activation.RELU, name="relu")
    b.linear(b.mul(x, b.input((1, width), name="gamma"), name="norm"), 16, name="fc")
    return b.build()


def test_elementwise_operand_from_a_graph_input_is_read_from_dram() -> None:
    config = load_arch("ethos-u85-256")
    layers = {layer.layer: layer for layer in simulate(_scaled_by_graph_input(1024), config).layers}
    # The MUL is chained onto the relu's output stage: its read of gamma is booked on (and overlaps) the relu.
    head, norm = layers["relu"], layers["norm"]
    assert norm.total_cycles == 0 and norm.extras["dram_bytes"] == 0
    # gamma lives in the DRAM arena: its 1 KiB is read there, over the latency-bound operand stream channel.
    assert head.extras["dram_bytes"] >= 1024
    stream = config.channel_bandwidth(config.activations_in, write=False, stream=True)
    assert head.total_cycles >= 1024 / stream
    # The U85-256's operand stream has a smaller read buffer than its other channels (Vela's channel table).
    assert stream < config.channel_bandwidth(config.activations_in, write=False)


def test_broadcast_operand_is_read_once_at_its_own_shape() -> None:
    b = GraphBuilder("bias")
    x = b.activation(b.input((1, 64, 256), name="x"), Activation.RELU, name="relu")
    row = b.activation(b.input((1, 1, 256), name="row"), Activation.RELU, name="row_relu")
    b.activation(b.add(x, row, name="add"), Activation.RELU, name="out")
    full = GraphBuilder("full")
    x = full.activation(full.input((1, 64, 256), name="x"), Activation.RELU, name="relu")
    y = full.activation(full.input((1, 64, 256), name="y"), Activation.RELU, name="y_relu")
    full.activation(full.add(x, y, name="add"), Activation.RELU, name="out")
    config = load_arch("ethos-u55-128")  # no chaining: both operands are read by the add itself
    broadcast = next(layer for layer in simulate(b.build(), config).layers if layer.layer == "add")
    both = next(layer for layer in simulate(full.build(), config).layers if layer.layer == "add")
    # 16 KiB + 256 B read and 16 KiB written, against 16 + 16 KiB read and 16 KiB written.
    assert broadcast.extras["sram_bytes"] == 2 * 64 * 256 + 256
    assert both.extras["sram_bytes"] == 3 * 64 * 256


def _concat(inputs: int) -> Workload:
    b = GraphBuilder("cat")
    parts = [b.activation(b.input((1, 64, 4, 4), name=f"x{i}"), Activation.RELU, name=f"r{i}") for i in range(inputs)]
    b.conv(b.concat(parts, axis=1, name="cat"), 16, 1, name="conv")
    return b.build()


def test_concatenation_copies_each_input_on_the_npu() -> None:
    for preset in ("ethos-u55-128", "ethos-u85-256"):
        config = load_arch(preset)
        two, four = (next(x for x in simulate(_concat(n), config).layers if x.layer == "cat") for n in (2, 4))
        assert two.extras["npu_ops"] == 2 and four.extras["npu_ops"] == 4
        # Each copy reads its input and writes its slice of the output: 2 x 1 KiB per input.
        assert four.extras["sram_bytes"] == 4 * 2 * 1024
        assert four.total_cycles > two.total_cycles > 0


def test_u85_pays_the_first_input_and_last_output_block_transfers() -> None:
    config = load_arch("ethos-u85-256-sram")
    overlapped = dataclasses.replace(config, serial_block_io=False)
    serial, plain = (next(x for x in simulate(_concat(2), c).layers if x.layer == "cat") for c in (config, overlapped))
    # Two copies, each waiting at least a read and a write latency of the SRAM.
    floor = 2 * (config.sram_read_latency + config.sram_write_latency)
    assert serial.total_cycles >= floor
    assert serial.total_cycles > plain.total_cycles


def _softmax_after_fc() -> Workload:
    b = GraphBuilder("attn")
    scores = b.linear(b.input((1, 512), name="q"), 64, name="scores")
    b.linear(b.softmax(scores, name="softmax"), 16, name="context")
    return b.build()


def test_lookup_table_ram_is_filled_in_the_background() -> None:
    config = load_arch("ethos-u85-512")
    without = dataclasses.replace(config, lut_ram_bytes=0)
    ram, shared = (
        next(x for x in simulate(_softmax_after_fc(), c).layers if x.layer == "softmax") for c in (config, without)
    )
    # With a LUT RAM the exp table (1 KiB from DRAM, ~800 cycles with the latency) is loaded under the
    # DRAM-bound FC (beside its weight stream) and the row max; copied during the short row max alone
    # it delays the exp pass.
    wait = config.dram_read_latency
    assert shared.compute_cycles >= ram.compute_cycles + wait
    # The table is still read from DRAM (under the earlier operations).
    assert (
        ram.extras["dram_bytes"]
        + next(x for x in simulate(_softmax_after_fc(), config).layers if x.layer == "scores").extras["dram_bytes"]
        >= 1024
    )
