"""Validated configuration of an Ethos-U / Edge-TPU class NPU.

The template follows the public description of Arm's Ethos-U55/U65 and the
system configurations of Arm's Vela compiler (``vela.ini``): a MAC array that
produces an output micro-block per step, a shared buffer (SHRAM) holding the
double-buffered input block and accumulators, a weight decoder, an output
(activation) stage, and AXI ports to up to three memories (SRAM, DRAM, flash).
A *memory mode* says where weights and activations live, as Vela's
``Shared_Sram`` / ``Dedicated_Sram`` / ``Sram_Only`` do.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from enum import StrEnum
from functools import cached_property
from typing import Any, ClassVar

from workloads.precision import Precision


class Memory(StrEnum):
    """The memories an NPU reaches through its DMA/AXI ports."""

    SRAM = "sram"
    DRAM = "dram"
    FLASH = "flash"


CHANNEL_EFFICIENCY = 0.8
"""Share of outstanding bursts in use, and of the latency-bound rate reached (Vela's Ethos-U85 channel model)."""

WEIGHT_ENCODERS = ("none", "ethos-u55", "ethos-u85")
"""Allowed ``weight_encoder`` values."""


@dataclass(frozen=True)
class NpuConfig:
    """An NPU design: MAC array, shared buffer, output stage, memories and memory mode.

    Rates are per core and per NPU clock cycle. Each memory has a bandwidth
    (bytes/cycle at the NPU clock, 0 = absent), a maximum burst (bytes), read
    and write latencies (cycles) and a size (KiB, 0 = unbounded). ``weights_in``
    and ``activations_in`` place constant and feature-map tensors;
    ``cache_kb`` is the SRAM that holds intermediate activations when they live
    in DRAM (Vela's Dedicated_Sram arena cache).
    """

    family: ClassVar[str] = "npu"

    name: str = "custom"
    clock_mhz: float = 500.0
    cores: int = 1
    macs_per_cycle: int = 256
    """MACs per cycle of one core: micro-block outputs times the dot-product depth."""
    ublock_h: int = 2
    ublock_w: int = 2
    ublock_c: int = 8
    """Output micro-block: the outputs (height x width x channels) the array produces per step."""
    ublock_options: tuple[tuple[int, int, int], ...] = ()
    """Output micro-blocks (height, width, channels) of the same outputs a convolution may run on, in order of
    preference: it takes the one that pads its output least, the earlier on a tie (Vela's Ethos-U85 table:
    U85-256 1x4x8, 2x2x8; U85-512 2x2x16, 1x4x16). Empty: always the ``ublock_h/w/c`` one."""
    equal_depth_ublock_c: int = 0
    """Micro-block depth of depthwise and pooling, with the same outputs per step and as wide as the widest
    micro-block allows (1x2x16 on U85-256, 2x4x16 on U85-1024, 4x4x16 on U85-2048); 0: none."""
    reduce_sum_on_equal_depth_ublock: bool = False
    """True (Ethos-U85-1024/2048, regor's micro-block table): a reduce-sum runs on the depthwise micro-block
    (``equal_depth_ublock_c``), not on the deeper ones of the convolutions."""
    ifm_alloc_positions: int = 4
    """Positions of the U85 input RAM's allocation unit at 128 bits of depth (Vela's U85 table: 2 on U85-128,
    4 on U85-256/512, 8 on U85-1024, 16 on U85-2048; :func:`archsim.npu.area_fit.alloc_unit`)."""
    wide_inputs_swap_deep_ublock: bool = False
    """True (Ethos-U85-128/256, regor's micro-block table): with 16-bit inputs depthwise and pooling cannot use the
    deep micro-block (``equal_depth_ublock_c``) and run on the others, while a 1x1 depth-first convolution or FC
    may (least padded, the earlier in regor's table on a tie: ``deep_ublock_first``), reading 32-deep input
    blocks on it."""
    deep_ublock_first: bool = True
    """Where regor's micro-block table lists the deep micro-block, which a 16-bit 1x1 convolution takes on a tie
    (``wide_inputs_swap_deep_ublock``): first on U85-256 (1x2x16, 1x4x8, 2x2x8), last on U85-128 (1x2x8, 1x1x16;
    ``ethos_u85.cpp``'s configuration table)."""
    ifm_slice_depth: int = 32
    """Input channels an 8-bit convolution consumes per kernel element and step (16 for int16)."""
    ifm_block_depth_step: int = 8
    """Channels an input block's DMA fetches come in multiples of (8 on U55/U65, 16 on U85): a 3-channel
    input is fetched in 16-channel bursts on the U85."""
    ofm_block_max_h: int = 32
    ofm_block_max_w: int = 64
    ofm_block_max_c: int = 128
    """Largest output block the block search considers."""
    buffer_banks: int = 48
    bank_bytes: int = 1024
    reserved_banks: int = 4
    """Shared-buffer banks kept for the output stage and the lookup table."""
    ifm_bank_granule: int = 8
    acc_bank_granule: int = 16
    """Bank allocation granules of the input buffer and of the (32-bit) accumulators."""
    ifm_ram_bytes: int = 0
    acc_ram_bytes: int = 0
    """Separate input and accumulator RAMs (Ethos-U85: 16 KiB each on U85-256, 16 + 32 KiB on U85-512, Vela's
    U85 table): when both are set, depthwise and pooling blocks are sized to fill them, as Vela's U85 block
    search does (:mod:`archsim.npu.area_fit`); 0: every op takes the least-fetch block of the shared buffer."""
    ob_ram_bytes: int = 0
    cb_ram_bytes: int = 0
    """The U85's output buffer and chaining buffer (6 slots; it holds a broadcast operand's bricks; Vela's U85
    table: 2,048 + 1,536 B on U85-256, 4,096 + 3,072 B on U85-512): when both are set, an elementwise op's
    block is sized to fill them, as Vela 5.2's U85 elementwise block choice
    (:func:`archsim.npu.blocks.elementwise_block`); 0: the least-fetch block of the shared buffer."""
    weight_decode_per_cycle: int = 8
    """Weights the decoder delivers per cycle and core: bounds layers with little output reuse."""
    step_follows_ifm_block: bool = False
    """True when a depth-first kernel step costs the input block's depth / dot depth per micro-block (U85);
    False when every step costs a full ``ifm_slice_depth`` slice (U55/U65)."""
    accumulator_delay: int = 2
    """Pipeline bubble per kernel step when a block holds a single micro-block in height x width (Vela's U55
    and U65 estimator: 2 cycles; 3 on Ethos-U55-32)."""
    wide_accumulator_delay: int = 0
    """The accumulator bubble of MAC ops on 16-bit inputs (40-bit accumulators; regor's U55/U65: 3 cycles on
    U55-64/128, 7 on U55-32); 0: ``accumulator_delay``."""
    wide_accumulator_row_delay: bool = False
    """True (Ethos-U55-32, regor's ``IsU55_32``): with 40-bit accumulators a block one micro-block high or wide
    pays the bubble once more per depth micro-block."""
    wide_accumulator_cycles_per_element: float = 0.0
    """Output-stage cycles per element of a convolution, depthwise, FC or reduce-sum on 16-bit inputs (40-bit
    accumulators: Vela's U55/U65 rate table, its fourth entry, 0.75 on U55-128); 0: the op's own rate."""
    wide_acc_bank_granule: int = 0
    """Bank granule of 40-bit accumulators (16-bit inputs; Vela's U55 table: 12 on U55-128, 20 on U55-256);
    0: ``acc_bank_granule``."""
    pooling_scales_with_bits: bool = True
    """True: a pooling step costs ``ifm_bits / 2`` cycles per kernel element and micro-block (Vela's estimator);
    False (Ethos-U55-32, regor's ``IsU55_32``): one cycle, whatever the input width."""
    output_cycles_per_element: float = 0.25
    """Output stage (scale, bias, ReLU clamp) cycles per output element of a MAC op."""
    elementwise_cycles_per_element: float = 0.75
    """Binary elementwise (add/sub with rescale) cycles per output element."""
    mul_cycles_per_element: float = 0.375
    maxpool_cycles_per_element: float = 0.125
    lut_cycles_per_element: float = 1.0
    """Table-lookup activation (sigmoid, tanh, GELU, exp) cycles per element."""
    wide_elementwise_factor: float = 1.0
    """Output-stage cost multiplier of a binary elementwise op on 32-bit operands (the sums and
    reciprocals inside softmax/layernorm; Ethos-U85: 2, Vela's U85 rate table)."""
    wide_elementwise_cycles_per_element: float = 0.0
    """Output-stage cycles per element of a binary elementwise op on 32-bit operands, whatever the operation
    (Vela's U55/U65 rate table, its second entry: 1.25 on U55-128, 1.125 on U55-256/U65-256); 0: the
    operation's own rate times ``wide_elementwise_factor``."""
    command_overlap: int = 4
    """Blocks whose command issue overlaps; the issue limit is (memory + MAC + output) cycles / this."""
    lut_ram_bytes: int = 0
    """A dedicated lookup-table memory (Ethos-U85: 2 KiB), filled by its own DMA command in the background
    since the previous table's last use; 0: a table is copied into the shared buffer during the operation
    before its user."""
    serial_block_io: bool = False
    """True (every Ethos-U in Vela 5.2's estimator): a MAC operation fetches its first input block before and
    writes its last output block after the array runs, and its command issue waits only on the gap between
    a block's input and output transfers; an elementwise op overlaps the two. False (older Vela): the input
    plus output block transfers bound command issue and neither edge is exposed."""
    second_operand_block_io: bool = True
    """True (Ethos-U55/U65): an elementwise op's input block transfer is the slower of its two operands';
    False (Ethos-U85): only the first operand's counts."""
    scale_bytes_per_channel: int = 10
    """Encoded per-channel bias and requantisation parameters."""
    weight_compression: float = 1.0
    """Encoded over raw weight bytes where the encoding is not computed (1.0 for incompressible weights)."""
    weight_encoder: str = "none"
    """``none``: weights take their raw bytes x ``weight_compression``. ``ethos-u55``: Vela's Ethos-U55/U65 weight
    streams (per-block layout with its zero padding, the weight decoder's code), their size computed from the values
    of an imported model's weights (:mod:`archsim.npu.weight_encoding`); raw bytes for weights without values.
    ``ethos-u85``: Vela's Ethos-U85 streams (its weight order and padding, one stream per ``weight_streams``, or the
    fast-decode format where regor's decode estimate prefers it; :mod:`archsim.npu.u85_weights`)."""
    weight_streams: int = 1
    """Weight streams the ``ethos-u85`` encoder deals output channels to (the U85's weight-decoder cores, regor's
    ``_cores``: 1 on U85-128/256, 2 on U85-512, 4 on U85-1024/2048)."""
    bricked_softmax: bool = False
    """True: softmax lowered as Vela 5.2 builds it for the Ethos-U55/U65 (internal tensors in 16-channel bricks,
    per-row and scalar operands, a rounding add on a full-shape 32-bit constant from the weights' memory;
    :func:`archsim.npu.lowering.bricked_softmax_ops`); False: the same graph with regor's U85 chained passes where
    ``chains_elementwise`` (:func:`archsim.npu.lowering.chained_softmax_ops`; at 16 bits on every preset,
    :func:`archsim.npu.lowering.chained_softmax16_ops`), else plain NHWC internals with full-shape operands."""
    native_matmul: bool = False
    """True when activation x activation matmuls run on the MAC array (U85, Edge TPU)."""
    chains_elementwise: bool = False
    """True when a binary elementwise op runs in the output stage of the convolution producing one of its
    inputs (U85 chaining): it then only reads its other operand."""
    precisions: tuple[str, ...] = ("int8", "int16")
    """Activation precisions the datapath runs (int4 weights ride on int8)."""
    weight_precisions: tuple[str, ...] = ("int4", "int8")
    """Weight precisions the weight decoder accepts. Ethos-U presets: int8 only, as Vela 5.2 requires
    (``constraint_weights_type``: "Weight tensor must be 8-bit"; U85's regor: "Weight tensors must be
    8-bit precision"); the default keeps a custom NPU's int4-weight decoder (:mod:`archsim.npu.precision`)."""
    sram_bytes_per_cycle: float = 8.0
    sram_burst_bytes: int = 32
    sram_read_latency: int = 32
    sram_write_latency: int = 32
    sram_size_kb: float = 0.0
    dram_bytes_per_cycle: float = 0.0
    dram_burst_bytes: int = 128
    dram_read_latency: int = 500
    dram_write_latency: int = 250
    dram_size_kb: float = 0.0
    flash_bytes_per_cycle: float = 1.0
    flash_burst_bytes: int = 128
    flash_read_latency: int = 64
    flash_write_latency: int = 0
    flash_size_kb: float = 0.0
    weights_in: Memory = Memory.FLASH
    activations_in: Memory = Memory.SRAM
    cache_kb: float = 0.0
    plans_cache: bool = False
    """With an SRAM cache (``cache_kb`` > 0): True places feature maps as Vela's scheduler does
    (cascades in stripes, live-range allocation beside the weight buffers, the rest in DRAM;
    :mod:`archsim.npu.placement`); False keeps every intermediate in the cache."""
    cache_holds_prefill: bool = True
    """With ``plans_cache``: True places feature maps and weight buffers as Vela's Python scheduler (U55/U65): a
    weight buffer is filled under the previous operation when it fits beside that operation's buffer; False as
    regor, Vela 5.2's back end (:mod:`archsim.npu.placement`): a buffer is pre-buffered whenever it fits beside the
    previous op's cascade, chained ops and cascades share one time slot, and the weight prefetch is a DMA of its
    own. Cascades are regor's either way."""
    vela_compat: bool = False
    """Reproduce Vela 5.2's weight pre-buffering (``--vela-compat``): in Vela's pass order the previous operation
    lends its whole NPU cycles (its last weight slice's when Vela splits its weights) at the weight channel's
    rate, however busy its own traffic keeps that memory, and the copy adds no time to it. Not physical: a
    flash-bound operation then moves more bytes than bandwidth x time. False: it lends only the time its own
    traffic leaves free (:mod:`archsim.npu.prefetch`)."""
    weight_buffer_in_sram: bool = True
    """Weights in DRAM/flash are DMA'd into an SRAM staging buffer (read once, re-read from SRAM)."""
    channel_read_buffer_bytes: int = 0
    """Read buffering of one DMA channel (input, weights, scales, copies) in bytes; 0: not limited. A channel
    keeps at most this many bytes in flight, so its read bandwidth is bounded by the memory's read latency
    (Little's law; Ethos-U85: 128 16-byte words per channel)."""
    weight_read_buffer_bytes: int = 0
    """Read buffering of the weight channel in bytes when it differs from the other channels' (0: the same;
    Ethos-U85-512: 256 16-byte words)."""
    stream_read_buffer_bytes: int = 0
    """Read buffering of the channel that streams elementwise operands when it differs from the other
    channels' (0: the same; Ethos-U85-256: 104 16-byte words, Vela's U85 channel table)."""
    copy_read_buffer_bytes: int = 0
    """Read buffering of the memory-to-memory channel that copies weights into SRAM buffers when it differs from
    the other channels' (0: the same; Ethos-U85-128/256: 64/104 16-byte words, the first entry of regor's
    ``channelRBs``), as regor's buffering choice times the copy (``MemToMemCycles``)."""
    fast_weight_read_buffer_bytes: int = 0
    """Read buffering of the channel that reads fast-decode weights (``ethos-u85`` encoder) when it differs from the
    weight channel's (0: the same; Ethos-U85-1024/2048: 208/256 16-byte words, regor's ``channelRBs``)."""
    scale_read_buffer_bytes: int = 0
    """Read buffering of the channel that fetches per-channel scales and biases, once per output block, when it
    differs from the other channels' (0: the same; Ethos-U85: 16 16-byte words, the last entry of regor's
    ``channelRBs`` in ``ethos_u85.cpp``, so 0.41 B/cycle from DRAM)."""
    sram_max_reads: int = 0
    sram_max_writes: int = 0
    dram_max_reads: int = 0
    dram_max_writes: int = 0
    flash_max_reads: int = 0
    flash_max_writes: int = 0
    """Outstanding bursts a memory accepts over all its ports (vela.ini ``max_reads`` x ``ports_used``);
    0: not limited. With the latency they bound a channel's bandwidth."""

    def __post_init__(self) -> None:
        self._check_ints()
        self._check_numbers()
        self._check_flags()
        if not 32 <= self.macs_per_cycle <= 4096:
            raise ValueError(f"{self.name}: macs_per_cycle must be in 32..4096, got {self.macs_per_cycle}")
        if self.macs_per_cycle % self.ublock_outputs:
            raise ValueError(
                f"{self.name}: macs_per_cycle={self.macs_per_cycle} must be a multiple of the micro-block "
                f"{self.ublock_h}x{self.ublock_w}x{self.ublock_c} = {self.ublock_outputs} outputs"
            )
        self._check_ublock_options()
        for field in ("weights_in", "activations_in"):
            try:
                object.__setattr__(self, field, Memory(str(getattr(self, field)).lower()))
            except ValueError:
                allowed = ", ".join(m.value for m in Memory)
                raise ValueError(
                    f"{self.name}: {field} must be one of {allowed}, got {getattr(self, field)!r}"
                ) from None
        if self.weight_encoder not in WEIGHT_ENCODERS:
            allowed = ", ".join(WEIGHT_ENCODERS)
            raise ValueError(f"{self.name}: weight_encoder must be one of {allowed}, got {self.weight_encoder!r}")
        if self.activations_in is Memory.FLASH:
            raise ValueError(f"{self.name}: activations_in must be sram or dram (flash is read-only)")
        for field in ("weights_in", "activations_in"):
            memory = getattr(self, field)
            if self.bandwidth(memory) <= 0:
                raise ValueError(f"{self.name}: {field}={memory.value} but {memory.value}_bytes_per_cycle is 0")
        if self.cache_kb and self.sram_bytes_per_cycle <= 0:
            raise ValueError(f"{self.name}: cache_kb={self.cache_kb} needs an SRAM (sram_bytes_per_cycle > 0)")
        precisions = tuple(str(p).lower() for p in self.precisions)
        for p in precisions:
            try:
                Precision(p)
            except ValueError:
                allowed = ", ".join(q.value for q in Precision)
                raise ValueError(f"{self.name}: precisions entry {p!r} unknown; allowed: {allowed}") from None
        object.__setattr__(self, "precisions", precisions)
        listed = self.weight_precisions
        listed = listed.split("+") if isinstance(listed, str) else listed  # "int4+int8" (a design knob)
        weight_precisions = tuple(str(p).strip().lower() for p in listed)
        for p in weight_precisions:
            if p not in ("int4", "int8"):
                raise ValueError(f"{self.name}: weight_precisions entry {p!r} unknown; allowed: int4, int8")
        if not weight_precisions:
            raise ValueError(f"{self.name}: weight_precisions needs at least one of int4, int8")
        object.__setattr__(self, "weight_precisions", weight_precisions)

    def _check_ublock_options(self) -> None:
        """Turn ``ublock_options`` into a tuple of (h, w, c) triples, each with the micro-block's outputs."""
        options = []
        for option in self.ublock_options:
            shape = tuple(option) if isinstance(option, (list, tuple)) else ()
            valid = len(shape) == 3 and all(isinstance(v, int) and not isinstance(v, bool) and v > 0 for v in shape)
            if not valid or shape[0] * shape[1] * shape[2] != self.ublock_outputs:
                raise ValueError(
                    f"{self.name}: ublock_options entries must be [h, w, c] positive integers with "
                    f"h x w x c = {self.ublock_outputs} outputs, got {option!r}"
                )
            options.append(shape)
        object.__setattr__(self, "ublock_options", tuple(options))

    def _check_ints(self) -> None:
        positive = (
            "cores",
            "weight_streams",
            "macs_per_cycle",
            "ublock_h",
            "ublock_w",
            "ublock_c",
            "ifm_slice_depth",
            "ifm_block_depth_step",
            "ofm_block_max_h",
            "ofm_block_max_w",
            "ofm_block_max_c",
            "buffer_banks",
            "bank_bytes",
            "ifm_bank_granule",
            "acc_bank_granule",
            "weight_decode_per_cycle",
            "command_overlap",
            "sram_burst_bytes",
            "dram_burst_bytes",
            "flash_burst_bytes",
        )
        for field in positive:
            value = getattr(self, field)
            if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
                raise ValueError(f"{self.name}: {field} must be a positive integer, got {value!r}")
        non_negative = (
            "equal_depth_ublock_c",
            "reserved_banks",
            "accumulator_delay",
            "wide_accumulator_delay",
            "wide_acc_bank_granule",
            "scale_bytes_per_channel",
            "sram_read_latency",
            "sram_write_latency",
            "dram_read_latency",
            "dram_write_latency",
            "flash_read_latency",
            "flash_write_latency",
            "channel_read_buffer_bytes",
            "weight_read_buffer_bytes",
            "stream_read_buffer_bytes",
            "copy_read_buffer_bytes",
            "scale_read_buffer_bytes",
            "fast_weight_read_buffer_bytes",
            "lut_ram_bytes",
            "ifm_ram_bytes",
            "acc_ram_bytes",
            "ob_ram_bytes",
            "cb_ram_bytes",
            "sram_max_reads",
            "sram_max_writes",
            "dram_max_reads",
            "dram_max_writes",
            "flash_max_reads",
            "flash_max_writes",
        )
        for field in non_negative:
            value = getattr(self, field)
            if not isinstance(value, int) or isinstance(value, bool) or value < 0:
                raise ValueError(f"{self.name}: {field} must be an integer >= 0, got {value!r}")
        if self.equal_depth_ublock_c and self.ublock_outputs % self.equal_depth_ublock_c:
            raise ValueError(
                f"{self.name}: equal_depth_ublock_c={self.equal_depth_ublock_c} must divide the micro-block's "
                f"{self.ublock_outputs} outputs"
            )
        if self.ifm_alloc_positions not in (1, 2, 4, 8, 16):
            raise ValueError(
                f"{self.name}: ifm_alloc_positions must be one of 1, 2, 4, 8, 16, got {self.ifm_alloc_positions!r}"
            )
        if bool(self.ifm_ram_bytes) != bool(self.acc_ram_bytes):
            raise ValueError(
                f"{self.name}: ifm_ram_bytes and acc_ram_bytes are both 0 or both > 0, got "
                f"{self.ifm_ram_bytes} and {self.acc_ram_bytes}"
            )
        if bool(self.ob_ram_bytes) != bool(self.cb_ram_bytes):
            raise ValueError(
                f"{self.name}: ob_ram_bytes and cb_ram_bytes are both 0 or both > 0, got "
                f"{self.ob_ram_bytes} and {self.cb_ram_bytes}"
            )
        if self.reserved_banks >= self.buffer_banks:
            raise ValueError(f"{self.name}: reserved_banks={self.reserved_banks} leaves no buffer_banks")

    def _check_flags(self) -> None:
        """Yes/no fields must be booleans (a config file's ``"yes"`` or ``1`` is refused, not read as true)."""
        for field in fields(self):
            value = getattr(self, field.name)
            if field.type in ("bool", bool) and not isinstance(value, bool):
                raise ValueError(f"{self.name}: {field.name} must be true or false, got {value!r}")

    def _check_numbers(self) -> None:
        positive = (
            "clock_mhz",
            "output_cycles_per_element",
            "elementwise_cycles_per_element",
            "mul_cycles_per_element",
            "maxpool_cycles_per_element",
            "lut_cycles_per_element",
            "wide_elementwise_factor",
            "weight_compression",
        )
        non_negative = (
            "sram_bytes_per_cycle",
            "sram_size_kb",
            "dram_bytes_per_cycle",
            "dram_size_kb",
            "flash_bytes_per_cycle",
            "flash_size_kb",
            "cache_kb",
            "wide_elementwise_cycles_per_element",
            "wide_accumulator_cycles_per_element",
        )
        for field in positive + non_negative:
            value = getattr(self, field)
            if not isinstance(value, (int, float)) or isinstance(value, bool):
                raise ValueError(f"{self.name}: {field} must be a number, got {value!r}")
            if field in positive and not value > 0:
                raise ValueError(f"{self.name}: {field} must be > 0, got {value!r}")
            if field in non_negative and value < 0:
                raise ValueError(f"{self.name}: {field} must be >= 0, got {value!r}")

    @property
    def ublock_outputs(self) -> int:
        """Outputs of one micro-block."""
        return self.ublock_h * self.ublock_w * self.ublock_c

    @property
    def dot_depth(self) -> int:
        """Input channels summed per output and cycle (8 on Ethos-U)."""
        return self.macs_per_cycle // self.ublock_outputs

    @property
    def peak_macs_per_cycle(self) -> int:
        """MACs per cycle over all cores."""
        return self.macs_per_cycle * self.cores

    def bandwidth(self, memory: Memory) -> float:
        """Bytes per NPU cycle of ``memory`` (0 when absent)."""
        return float(getattr(self, f"{memory.value}_bytes_per_cycle"))

    @cached_property
    def limits_channels(self) -> bool:
        """True when some DMA channel is slower than its memory's port (a read buffer or outstanding limit)."""
        limits = ("channel_read_buffer_bytes", *(f"{m.value}_max_{d}" for m in Memory for d in ("reads", "writes")))
        return any(getattr(self, name) for name in limits)

    def channel_bandwidth(
        self,
        memory: Memory,
        *,
        write: bool,
        weights: bool = False,
        fast_weights: bool = False,
        stream: bool = False,
        scales: bool = False,
        copy: bool = False,
    ) -> float:
        """Bytes per cycle one DMA channel moves to or from ``memory``: its bandwidth or the latency bound.

        A channel has at most ``min(read buffer / burst, outstanding bursts)`` bursts in flight
        (writes: the outstanding bursts only; ``weights``: the weight channel's buffer, ``fast_weights`` with it:
        the fast-decode weight channel's; ``stream``:
        the elementwise operand stream's buffer; ``scales``: the scale channel's; ``copy``: the
        memory-to-memory channel's), each taking the
        memory's latency; as Vela's
        Ethos-U85 model, 80% of the outstanding bursts are in use and 80% of the resulting rate
        is reached. Unlimited (the memory's bandwidth) when neither limit is set.
        """
        bandwidth = self.bandwidth(memory)
        outstanding = float(getattr(self, f"{memory.value}_max_{'writes' if write else 'reads'}"))
        in_flight = [outstanding * CHANNEL_EFFICIENCY] if outstanding else []
        buffer = self.channel_read_buffer_bytes
        if weights and fast_weights and self.fast_weight_read_buffer_bytes:
            buffer = self.fast_weight_read_buffer_bytes
        elif weights and self.weight_read_buffer_bytes:
            buffer = self.weight_read_buffer_bytes
        elif copy and self.copy_read_buffer_bytes:
            buffer = self.copy_read_buffer_bytes
        elif stream and self.stream_read_buffer_bytes:
            buffer = self.stream_read_buffer_bytes
        elif scales and self.scale_read_buffer_bytes:
            buffer = self.scale_read_buffer_bytes
        if not write and buffer:
            in_flight.append(buffer / self.burst(memory))
        latency = self.write_latency(memory) if write else self.read_latency(memory)
        if not in_flight or latency <= 0:
            return bandwidth
        return min(bandwidth, self.burst(memory) * min(in_flight) / latency * CHANNEL_EFFICIENCY)

    def burst(self, memory: Memory) -> int:
        """Longest burst of ``memory`` in bytes."""
        return int(getattr(self, f"{memory.value}_burst_bytes"))

    def read_latency(self, memory: Memory) -> int:
        """Read latency of ``memory`` in cycles."""
        return int(getattr(self, f"{memory.value}_read_latency"))

    def write_latency(self, memory: Memory) -> int:
        """Write latency of ``memory`` in cycles."""
        return int(getattr(self, f"{memory.value}_write_latency"))

    def size_bytes(self, memory: Memory) -> float:
        """Capacity of ``memory`` in bytes (0: unbounded)."""
        return float(getattr(self, f"{memory.value}_size_kb")) * 1024

    def supports(self, precision: Precision) -> bool:
        """True when the datapath runs activations of ``precision``."""
        return precision.value in self.precisions or (precision is Precision.INT4 and "int8" in self.precisions)

    def to_dict(self) -> dict[str, Any]:
        """Plain-data form (for JSON output and files)."""
        data = asdict(self)
        data["family"] = self.family
        data["weights_in"] = self.weights_in.value
        data["activations_in"] = self.activations_in.value
        data["precisions"] = list(self.precisions)
        data["weight_precisions"] = list(self.weight_precisions)
        return data


__all__ = ["Memory", "NpuConfig"]
