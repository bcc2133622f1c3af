"""Validated configuration of a multi-core system: cores of any family, links, shared DRAM.

A system composes family configs: each core is a :class:`SystolicConfig`,
:class:`NpuConfig`, :class:`FpgaConfig` (or any registered family). Cores talk
over one on-chip interconnect (``link_bytes_per_cycle`` shared by every
concurrent core-to-core transfer, ``link_latency_cycles`` per transfer) and share
one off-chip DRAM (``dram_bytes_per_cycle`` shared by every concurrent DRAM
transfer of every core). Time is counted in system cycles at ``clock_mhz``; a
core with its own clock has its compute cycles rescaled to it.

In a file (TOML or YAML), ``cores`` is a list whose entries are preset names, config
files (a path relative to the system's file, read by the loader) or tables of a family
config, e.g. ``cores = ["systolic-32x32", "cores/tpu_like.yaml", {family = "npu", ...}]``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

from archsim.energy import DRAM_PJ_PER_BYTE

CORE_FAMILIES = ("systolic", "npu", "fpga", "loopnest")
"""Families a system's cores may be (each has a core pricing and an on-chip buffer rule)."""

LINK_PJ_PER_BYTE = 4.0
"""On-chip interconnect energy per byte: ~0.5 pJ/bit over a few mm of 45 nm wire (4 pJ/byte).

Order of magnitude from Dally's wire-energy figures (~0.1-0.2 pJ/bit/mm at 45 nm,
quoted from memory) for a 3-5 mm hop; a parameter of the config, not a fitted value.
"""


@dataclass(frozen=True)
class SystemConfig:
    """N cores, an on-chip interconnect, an optional shared buffer and one shared DRAM.

    ``cores`` holds family configs (already validated by their own classes);
    ``core_buffer_kb`` overrides the on-chip bytes each core may keep between
    tasks (0 = what its family config says). ``shared_buffer_kb`` is an on-chip
    buffer every core reaches over the interconnect (0 = none): the mapper hands
    tensors over through it instead of DRAM when they fit
    (``mappers.multicore.shared``), the system's area counts its SRAM.
    ``dram_capacity_mb`` is the shared DRAM's size (0 = not stated), what an LLM's
    weights and KV cache are checked against.
    """

    family: ClassVar[str] = "system"

    name: str = "custom-system"
    cores: tuple[Any, ...] = ()
    clock_mhz: float = 1000.0
    dram_bytes_per_cycle: float = 32.0
    dram_latency_cycles: int = 100
    link_bytes_per_cycle: float = 64.0
    link_latency_cycles: int = 10
    shared_buffer_kb: float = 0.0
    dram_capacity_mb: float = 0.0
    dram_pj_per_byte: float = DRAM_PJ_PER_BYTE
    link_pj_per_byte: float = LINK_PJ_PER_BYTE
    core_names: tuple[str, ...] = field(default=())
    """Display names of the cores (default ``core0``, ``core1``...)."""
    core_accumulator_bits: tuple[int, ...] = field(default=())
    """Partial-sum bits of each loop-nest core (0 or empty: the family default, twice the operand bits)."""
    loopnest_spatial: str = "search"
    """How a loop-nest core's spatial unrolling is chosen: ``search`` (the fastest of the candidates) or
    ``zigzag`` (the one ZigZag's generator ranks first, as Stream prices its cores)."""

    SPATIAL_MODES: ClassVar[tuple[str, ...]] = ("search", "zigzag")

    def __post_init__(self) -> None:
        cores = tuple(_core_from_data(entry, k) for k, entry in enumerate(self.cores))
        if not cores:
            raise ValueError(f"{self.name}: cores must list at least one core config")
        for k, core in enumerate(cores):
            family = getattr(core, "family", None)
            if family not in CORE_FAMILIES:
                raise ValueError(
                    f"{self.name}: cores[{k}] is a {family} config; a core's family must be one of "
                    f"{', '.join(CORE_FAMILIES)}"
                )
        object.__setattr__(self, "cores", cores)
        for name in ("clock_mhz", "dram_bytes_per_cycle", "link_bytes_per_cycle"):
            value = getattr(self, name)
            if not isinstance(value, (int, float)) or isinstance(value, bool) or not value > 0:
                raise ValueError(f"{self.name}: {name} must be a number > 0, got {value!r}")
        for name in ("shared_buffer_kb", "dram_capacity_mb", "dram_pj_per_byte", "link_pj_per_byte"):
            value = getattr(self, name)
            if not isinstance(value, (int, float)) or isinstance(value, bool) or value < 0:
                raise ValueError(f"{self.name}: {name} must be a number >= 0, got {value!r}")
        for name in ("dram_latency_cycles", "link_latency_cycles"):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value < 0:
                raise ValueError(f"{self.name}: {name} must be an integer >= 0, got {value!r}")
        names = tuple(self.core_names) or tuple(f"core{k}" for k in range(len(cores)))
        if len(names) != len(cores) or len(set(names)) != len(names):
            raise ValueError(f"{self.name}: core_names must be {len(cores)} distinct names, got {list(names)}")
        object.__setattr__(self, "core_names", names)
        bits = tuple(self.core_accumulator_bits)
        if bits and (len(bits) != len(cores) or any(not isinstance(b, int) or b < 0 for b in bits)):
            raise ValueError(f"{self.name}: core_accumulator_bits must be {len(cores)} integers >= 0, got {list(bits)}")
        object.__setattr__(self, "core_accumulator_bits", bits or (0,) * len(cores))
        if self.loopnest_spatial not in self.SPATIAL_MODES:
            raise ValueError(
                f"{self.name}: loopnest_spatial must be one of {', '.join(self.SPATIAL_MODES)}, "
                f"got {self.loopnest_spatial!r}"
            )

    @property
    def n_cores(self) -> int:
        """Number of cores."""
        return len(self.cores)

    @property
    def homogeneous(self) -> bool:
        """True when every core has the same config apart from its name (cores are interchangeable)."""
        first = dataclasses.replace(self.cores[0], name="")
        return all(dataclasses.replace(core, name="") == first for core in self.cores)

    def core_clock_ratio(self, core: int) -> float:
        """System cycles per cycle of ``core`` (its clock over the system's)."""
        return self.clock_mhz / float(self.cores[core].clock_mhz)

    def to_dict(self) -> dict[str, Any]:
        """Plain-data form (for JSON output and files)."""
        return {
            "family": self.family,
            "name": self.name,
            "cores": [_core_dict(core) for core in self.cores],
            "core_names": list(self.core_names),
            "clock_mhz": self.clock_mhz,
            "dram_bytes_per_cycle": self.dram_bytes_per_cycle,
            "dram_latency_cycles": self.dram_latency_cycles,
            "link_bytes_per_cycle": self.link_bytes_per_cycle,
            "link_latency_cycles": self.link_latency_cycles,
            "shared_buffer_kb": self.shared_buffer_kb,
            "dram_pj_per_byte": self.dram_pj_per_byte,
            "link_pj_per_byte": self.link_pj_per_byte,
            "core_accumulator_bits": list(self.core_accumulator_bits),
            "loopnest_spatial": self.loopnest_spatial,
        }


def _core_dict(core: Any) -> dict[str, Any]:
    """A core's plain data: its family's ``to_dict``, else its ``summary`` (a loop-nest core), else family and name."""
    if hasattr(core, "to_dict"):
        return core.to_dict()
    if hasattr(core, "summary"):
        return core.summary()
    return {"family": core.family, "name": core.name}


def _core_fields(core: Any) -> dict[str, Any]:
    """Every field of a core config with its family: what a ``preset = ...`` entry starts from."""
    if hasattr(core, "to_dict"):
        return core.to_dict()
    return {"family": core.family, **{f.name: getattr(core, f.name) for f in dataclasses.fields(core)}}


def _core_from_data(entry: Any, index: int) -> Any:
    """A core from a validated config, a preset name, or a table of a family config."""
    from archsim.config.loader import from_mapping, load_preset

    where = f"cores[{index}]"
    if isinstance(entry, str):
        return load_preset(entry)
    if isinstance(entry, Mapping):
        data = dict(entry)
        base = data.pop("preset", None)
        if base is not None:
            preset = _core_fields(load_preset(str(base)))
            preset.update(data)
            data = preset
        data.setdefault("name", f"core{index}")
        return from_mapping(data, where)
    if hasattr(entry, "family") and dataclasses.is_dataclass(entry):
        return entry
    raise ValueError(f"{where} must be a preset name, a table of a family config or a config, got {entry!r}")


__all__ = ["CORE_FAMILIES", "LINK_PJ_PER_BYTE", "SystemConfig"]
