"""Validated configuration of a many-core accelerator (a GPU-class device): cores of tensor arrays, a shared L2, HBM.

A device of ``cores`` identical cores (an SM of an NVIDIA GPU, a compute unit of an AMD
one). Each core has ``arrays_per_core`` matrix arrays of ``array_rows x array_cols``
MACs per cycle (tensor/matrix cores), ``vector_lanes_per_core`` FP32 lanes for
elementwise work (and as many integer/logic lanes), ``sfu_lanes_per_core`` special-function
lanes, ``issue_per_core`` thread-instructions issued per cycle, ``core_sram_kb`` of
shared memory that stages the tiles of a matmul and ``register_file_kb`` of registers that hold
a tile's accumulators. All cores share one L2 (``l2_kb``,
delivering ``l2_bytes_per_cycle`` to the cores together) in front of one DRAM
(``dram_gb_per_s`` peak, of which the share ``dram_refresh_fraction`` is lost to
refresh). A kernel library computes a matmul in output tiles of ``tile_sizes`` edges
(one tile per core at a time, in waves) and runs a row-wise op (softmax, normalisation)
one row per block of ``row_block_threads``, as many blocks per core as
``threads_per_core`` holds; :mod:`archsim.manycore.model` prices an op from these facts
alone.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, ClassVar

ACCUMULATOR_BYTES = 4
"""Bytes of one output's accumulator in a matmul tile: fp16 products sum in fp32 (cuBLAS's and PyTorch's
default compute type for half-precision GEMMs), int8 products in int32."""


@dataclass(frozen=True)
class ManyCoreConfig:
    """A GPU-class device from its datasheet: cores x matrix arrays, per-core SRAM, shared L2, DRAM."""

    family: ClassVar[str] = "manycore"

    name: str = "custom-manycore"
    cores: int = 108
    arrays_per_core: int = 4
    array_rows: int = 16
    array_cols: int = 16
    vector_lanes_per_core: int = 64
    sfu_lanes_per_core: int = 16
    """Special-function results (exp2, reciprocal, rsqrt) and type conversions per cycle per core."""
    issue_per_core: int = 128
    """Thread-instructions the core's schedulers issue per cycle (4 schedulers x one 32-wide warp instruction)."""
    core_sram_kb: float = 192.0
    register_file_kb: float = 256.0
    """Registers per core: a matmul tile's 4-byte accumulators live there, beside the operands its matrix
    instructions read, so they must take less than all of it."""
    l2_kb: float = 40960.0
    l2_bytes_per_cycle: float = 5120.0
    dram_gb_per_s: float = 2039.0
    dram_refresh_fraction: float = 0.0
    """Share of time the DRAM spends refreshing and cannot transfer (tRFC / tREFI of its standard)."""
    clock_mhz: float = 1410.0
    word_bytes: int = 2
    tile_sizes: tuple[int, ...] = (64, 128, 256)
    """Edges (M and N) of the output tiles the kernel library has; each kernel takes the fastest that fits."""
    tile_k: int = 32
    """Depth of one staged slice of a tile's operands (double-buffered in the core's SRAM)."""
    split_k_max: int = 16
    """Most slices a matmul's K may be split into (split-K: each slice's tiles run on their own cores and
    write fp32 partial sums that a reduction adds), so a matmul with fewer output tiles than cores (a
    decode step's GEMV) can still use them all; 1 = never split."""
    threads_per_core: int = 2048
    """Threads one core holds resident at once (its occupancy limit)."""
    row_block_threads: int = 128
    """Threads of the kernel library's row-wise kernels (softmax, normalisation): one row per block."""
    dram_capacity_mb: float = 0.0
    """0 = not stated."""

    _POSITIVE_INTS: ClassVar[tuple[str, ...]] = (
        "cores",
        "arrays_per_core",
        "array_rows",
        "array_cols",
        "vector_lanes_per_core",
        "sfu_lanes_per_core",
        "issue_per_core",
        "tile_k",
        "split_k_max",
        "threads_per_core",
        "row_block_threads",
    )
    _POSITIVE_NUMBERS: ClassVar[tuple[str, ...]] = (
        "core_sram_kb",
        "register_file_kb",
        "l2_kb",
        "l2_bytes_per_cycle",
        "dram_gb_per_s",
        "clock_mhz",
    )

    def __post_init__(self) -> None:
        for field in self._POSITIVE_INTS:
            value = getattr(self, field)
            if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
                raise ValueError(f"{self.name}: {field} must be a positive integer, got {value!r}")
        for field in self._POSITIVE_NUMBERS:
            value = getattr(self, field)
            if not isinstance(value, (int, float)) or isinstance(value, bool) or not value > 0:
                raise ValueError(f"{self.name}: {field} must be a number > 0, got {value!r}")
        refresh = self.dram_refresh_fraction
        if not isinstance(refresh, (int, float)) or isinstance(refresh, bool) or not 0 <= refresh < 1:
            raise ValueError(f"{self.name}: dram_refresh_fraction must be a number in [0, 1), got {refresh!r}")
        capacity = self.dram_capacity_mb
        if not isinstance(capacity, (int, float)) or isinstance(capacity, bool) or capacity < 0:
            raise ValueError(f"{self.name}: dram_capacity_mb must be a number >= 0, got {capacity!r}")
        if self.word_bytes not in (1, 2, 4):
            raise ValueError(f"{self.name}: word_bytes must be 1, 2 or 4, got {self.word_bytes!r}")
        sizes = tuple(self.tile_sizes) if isinstance(self.tile_sizes, (list, tuple)) else ()
        if not sizes or any(not isinstance(s, int) or isinstance(s, bool) or s <= 0 for s in sizes):
            raise ValueError(f"{self.name}: tile_sizes must be a list of positive integers, got {self.tile_sizes!r}")
        object.__setattr__(self, "tile_sizes", tuple(sorted(set(sizes))))
        if self.row_block_threads > self.threads_per_core:
            raise ValueError(
                f"{self.name}: row_block_threads={self.row_block_threads} must be at most "
                f"threads_per_core={self.threads_per_core}"
            )
        smallest = min(self.tile_sizes)
        if 2 * 2 * smallest * self.tile_k * self.word_bytes > self.core_sram_kb * 1024:
            raise ValueError(
                f"{self.name}: core_sram_kb={self.core_sram_kb} cannot double-buffer even a "
                f"{smallest}x{smallest} tile of depth tile_k={self.tile_k}"
            )
        if ACCUMULATOR_BYTES * smallest * smallest >= self.register_file_kb * 1024:
            raise ValueError(
                f"{self.name}: register_file_kb={self.register_file_kb} cannot hold even a "
                f"{smallest}x{smallest} tile's accumulators"
            )

    @property
    def macs_per_core_cycle(self) -> int:
        """MACs one core's matrix arrays do per cycle."""
        return self.arrays_per_core * self.array_rows * self.array_cols

    @property
    def peak_macs_per_cycle(self) -> int:
        """MACs of the whole device per cycle."""
        return self.cores * self.macs_per_core_cycle

    @property
    def dram_bytes_per_cycle(self) -> float:
        """DRAM bytes per core clock cycle the memory can deliver (its peak less the refresh time)."""
        return self.dram_gb_per_s * 1e9 * (1 - self.dram_refresh_fraction) / (self.clock_mhz * 1e6)

    def to_dict(self) -> dict[str, Any]:
        """Plain-data form (JSON output, files)."""
        data = asdict(self)
        data["tile_sizes"] = list(self.tile_sizes)
        return {"family": self.family, **data}


__all__ = ["ACCUMULATOR_BYTES", "ManyCoreConfig"]
