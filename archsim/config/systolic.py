"""Validated configuration of a SCALE-Sim-style systolic array."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from enum import StrEnum
from typing import Any, ClassVar


class Dataflow(StrEnum):
    """Which operand stays in the PEs: outputs, weights or inputs."""

    OS = "os"
    WS = "ws"
    IS = "is"


class BandwidthMode(StrEnum):
    """SCALE-Sim's interface-bandwidth modes.

    USER: DRAM bandwidth per operand is given (words/cycle).
    CALC: bandwidth is whatever makes the layer stall-free (SCALE-Sim reports it).
    """

    USER = "user"
    CALC = "calc"


class SparseRep(StrEnum):
    """SCALE-Sim v3's compressed formats for sparse filters (they set the metadata it reports)."""

    CSR = "csr"
    CSC = "csc"
    ELLPACK_BLOCK = "ellpack_block"


@dataclass(frozen=True)
class SystolicConfig:
    """A rows x cols systolic array with double-buffered ifmap/filter/ofmap SRAMs.

    Bandwidths are DRAM words per cycle per operand (SCALE-Sim USER mode);
    ``word_bytes`` is the size of one element; ``clock_mhz`` converts cycles to seconds.
    SRAM sizes and bandwidths are per core. ``scalesim_quirks`` reproduces SCALE-Sim
    3.0.0's bookkeeping bugs (see docs/systolic.md) instead of the corrected model.
    ``sparsity_support`` is SCALE-Sim v3's ``[sparsity] SparsitySupport``: layers with
    N:M ``weight_sparsity`` skip the zero weights (layer-wise mapping), and
    ``sparse_rep`` sets the filter metadata reported. ``sparsity_rowwise`` is its
    ``OptimizedMapping`` (row-wise N:M, ws only, as in SCALE-Sim 3.0.0): each filter
    column keeps a random ``N`` in ``1..sparsity_block_size / 2`` of every
    ``sparsity_block_size`` weights, drawn from ``sparsity_seed``.
    """

    family: ClassVar[str] = "systolic"

    name: str = "custom"
    rows: int = 32
    cols: int = 32
    dataflow: Dataflow = Dataflow.OS
    ifmap_sram_kb: float = 6144.0
    filter_sram_kb: float = 6144.0
    ofmap_sram_kb: float = 2048.0
    ifmap_dram_bw: float = 10.0
    filter_dram_bw: float = 10.0
    ofmap_dram_bw: float = 10.0
    bandwidth_mode: BandwidthMode = BandwidthMode.USER
    word_bytes: int = 1
    clock_mhz: float = 1000.0
    cores: int = 1
    scalesim_quirks: bool = False
    sparsity_support: bool = False
    sparse_rep: SparseRep = SparseRep.ELLPACK_BLOCK
    sparsity_rowwise: bool = False
    sparsity_block_size: int = 8
    """``M`` of the row-wise N:M mapping (SCALE-Sim's ``[sparsity] BlockSize``)."""
    sparsity_seed: int = 40
    """Seed of the row-wise mapping's per-column ``N`` (SCALE-Sim's ``RandomNumberGeneratorSeed``)."""
    dram_capacity_mb: float = 0.0
    """Off-chip memory size (MiB; 0 = not stated): what an LLM's weights and KV cache are held against."""
    dram_shared_bw: float = 0.0
    """Words per cycle that the three DRAM channels share (one memory behind them, e.g. a GPU's HBM);
    0 = independent channels, as SCALE-Sim models them."""
    vector_lanes: int = 0
    """Element operations per cycle of each core's vector unit (softmax, norms, elementwise);
    0 = one lane per array column (the default model's)."""
    int4_macs_per_pe: int = 1
    """int4 MACs a PE runs per cycle on the 1-byte datapath: 1 (int4 runs as int8) or 2 (two int4 values per
    operand byte, a bit-flexible PE after Bit Fusion, ISCA 2018: :mod:`archsim.systolic.lowbit`)."""

    def __post_init__(self) -> None:
        for field in ("scalesim_quirks", "sparsity_support", "sparsity_rowwise"):
            if not isinstance(getattr(self, field), bool):
                raise ValueError(f"{self.name}: {field} must be true or false, got {getattr(self, field)!r}")
        try:
            object.__setattr__(self, "sparse_rep", SparseRep(str(self.sparse_rep).lower()))
        except ValueError:
            allowed = ", ".join(r.value for r in SparseRep)
            raise ValueError(f"{self.name}: unknown sparse_rep {self.sparse_rep!r}; allowed: {allowed}") from None
        for field in ("rows", "cols", "cores"):
            value = getattr(self, field)
            if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
                raise ValueError(f"{self.name}: {field} must be a positive integer, got {value!r}")
        lanes = self.vector_lanes
        if not isinstance(lanes, int) or isinstance(lanes, bool) or lanes < 0:
            raise ValueError(f"{self.name}: vector_lanes must be an integer >= 0 (0 = one per column), got {lanes!r}")
        if (
            not isinstance(self.dram_capacity_mb, (int, float))
            or isinstance(self.dram_capacity_mb, bool)
            or (self.dram_capacity_mb < 0)
        ):
            raise ValueError(f"{self.name}: dram_capacity_mb must be a number >= 0, got {self.dram_capacity_mb!r}")
        shared = self.dram_shared_bw
        if not isinstance(shared, (int, float)) or isinstance(shared, bool) or not shared >= 0:
            raise ValueError(f"{self.name}: dram_shared_bw must be a number >= 0 (0 = no shared limit), got {shared!r}")
        for field in (
            "ifmap_sram_kb",
            "filter_sram_kb",
            "ofmap_sram_kb",
            "ifmap_dram_bw",
            "filter_dram_bw",
            "ofmap_dram_bw",
            "clock_mhz",
        ):
            value = getattr(self, field)
            if not isinstance(value, (int, float)) or isinstance(value, bool) or not value > 0:
                raise ValueError(f"{self.name}: {field} must be a number > 0, got {value!r}")
        if self.int4_macs_per_pe not in (1, 2) or isinstance(self.int4_macs_per_pe, bool):
            raise ValueError(f"{self.name}: int4_macs_per_pe must be 1 or 2, got {self.int4_macs_per_pe!r}")
        if self.int4_macs_per_pe > 1 and (self.word_bytes != 1 or self.scalesim_quirks):
            raise ValueError(
                f"{self.name}: int4_macs_per_pe 2 packs int4 pairs into 1-byte words: needs word_bytes 1 and "
                "scalesim_quirks false"
            )
        if self.word_bytes not in (1, 2, 4):
            raise ValueError(f"{self.name}: word_bytes must be 1, 2 or 4, got {self.word_bytes!r}")
        for field in ("ifmap_sram_kb", "filter_sram_kb", "ofmap_sram_kb"):
            if int(getattr(self, field) * 1024) < self.word_bytes:  # the model's SRAMs hold whole words
                raise ValueError(
                    f"{self.name}: {field} must hold at least one {self.word_bytes}-byte word "
                    f"(>= {self.word_bytes / 1024:g} KB), got {getattr(self, field)!r}"
                )
        try:
            object.__setattr__(self, "dataflow", Dataflow(str(self.dataflow).lower()))
        except ValueError:
            raise ValueError(f"{self.name}: unknown dataflow {self.dataflow!r}; allowed: os, ws, is") from None
        try:
            object.__setattr__(self, "bandwidth_mode", BandwidthMode(str(self.bandwidth_mode).lower()))
        except ValueError:
            raise ValueError(
                f"{self.name}: unknown bandwidth_mode {self.bandwidth_mode!r}; allowed: user, calc"
            ) from None
        self._check_rowwise()

    def _check_rowwise(self) -> None:
        """The row-wise N:M mapping's limits (SCALE-Sim 3.0.0 fails or asserts outside them)."""
        block, seed = self.sparsity_block_size, self.sparsity_seed
        if not isinstance(seed, int) or isinstance(seed, bool) or not 0 <= seed < 2**32:
            raise ValueError(f"{self.name}: sparsity_seed must be an integer in 0..2**32-1, got {seed!r}")
        if not isinstance(block, int) or isinstance(block, bool) or block < 2 or block % 2:
            raise ValueError(f"{self.name}: sparsity_block_size must be an even integer >= 2, got {block!r}")
        if not self.sparsity_rowwise:
            return
        if not self.sparsity_support:
            raise ValueError(f"{self.name}: sparsity_rowwise (row-wise N:M) needs sparsity_support true")
        if block > self.rows or (2 * self.rows) % block:
            raise ValueError(
                f"{self.name}: sparsity_block_size must divide twice the array height ({self.rows}) "
                f"and not exceed it, got {block}"
            )
        if self.dataflow is not Dataflow.WS:
            raise ValueError(
                f"{self.name}: sparsity_rowwise (row-wise N:M) needs Dataflow ws, got {self.dataflow.value}"
            )

    @property
    def pes(self) -> int:
        """Processing elements over all cores."""
        return self.rows * self.cols * self.cores

    def to_dict(self) -> dict[str, Any]:
        """Plain-data form (for JSON output and files)."""
        data = asdict(self)
        data["family"] = self.family
        data["dataflow"] = self.dataflow.value
        data["bandwidth_mode"] = self.bandwidth_mode.value
        data["sparse_rep"] = self.sparse_rep.value
        return data
