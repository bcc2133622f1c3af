"""A heterogeneous multi-core system as a hardware space: per-core family, size, dataflow and SRAM.

Every design is a :class:`SystemConfig` whose active cores may differ in family
(a systolic array or an NPU), size, dataflow and on-chip SRAM, sharing one
interconnect, an optional shared buffer and one DRAM; it is evaluated by ``archsim.simulate``'s ``system``
simulator (``mappers.multicore``: HEFT allocates each layer to the core where it
finishes first, with per-core durations priced by each core's own family model,
then the timeline runs with DRAM and link contention).

Knob names follow one rule so that multi-agent wrappers can split a design by
owner: ``core<i>_<knob>`` belongs to core ``i``; the memory-system knobs
(``n_cores``, ``link_bw``, ``dram_bw``, ``shared_kb``) carry no core prefix. Knobs that cannot
matter are *ignored*, deterministically: those of cores ``i >= n_cores`` and a
systolic-only knob (``dataflow``) of an NPU core. :meth:`HeteroSystemSpace.canonical`
resets them to their reference values, so equal systems are one design.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from archsim.config.npu import Memory, NpuConfig
from archsim.config.system import SystemConfig
from archsim.config.systolic import SystolicConfig
from envs.spaces import Design, HardwareSpace, Knob

CORE_FAMILIES: tuple[str, ...] = ("systolic", "npu")
"""Families a core may take."""

NPU_PRESETS: dict[int, str] = {128: "ethos-u55-128", 256: "ethos-u65-256", 512: "ethos-u85-512"}
"""MACs/cycle -> the Ethos-U class an NPU core of that size is: its micro-block and dot depth come with its
MAC count (an Ethos-U65 with its MAC count alone scaled would compute faster than its peak). Every NPU core
runs at the system clock with the searched SRAM arena, and its weight decoder also takes int4 weights (a custom
decoder, :mod:`archsim.npu.precision`; the Ethos-U presets accept int8 only, as Vela does). Weights and
activations live in the system's DRAM (the system moves them; the arena caches them), as in Vela's U65/U85
Dedicated_Sram systems."""

SYSTEM_EVALUATOR = "envs.hetero.evaluate:system_evaluator"
"""How the search framework evaluates a hetero system space searched alone (core SRAM counted in the area)."""

SYSTEM_CLOCK_MHZ = 1000.0
"""Clock of the system and of every core (cores compare at one clock)."""

SYSTOLIC_ONLY: tuple[str, ...] = ("dataflow",)
"""Per-core knobs an NPU core ignores."""

MEMORY_KNOBS: tuple[str, ...] = ("n_cores", "link_bw", "dram_bw", "shared_kb")
"""Knobs of the memory system (owned by no core)."""


REFERENCE: dict[str, Any] = {
    "n_cores": 2,
    "link_bw": 32,
    "dram_bw": 16,
    "shared_kb": 0,
    "family": "systolic",
    "size": 256,
    "dataflow": "ws",
    "sram_kb": 128,
}
"""The reference design (normalisation baseline, and the sequential flow's hardware while it searches the network):
two 16x16 weight-stationary systolic cores of 128 KB each on a 32 B/cycle link and a 16 B/cycle DRAM, no shared
buffer."""


def core_knob(core: int, knob: str) -> str:
    """Name of core ``core``'s knob ``knob`` (``core1_dataflow``)."""
    return f"core{core}_{knob}"


def core_of(knob_name: str) -> int | None:
    """The core index owning ``knob_name`` (``core2_size`` -> 2), None for a memory-system knob."""
    head, sep, _ = knob_name.partition("_")
    if sep and head.startswith("core") and head[4:].isdigit():
        return int(head[4:])
    return None


def _generic(knob_name: str) -> str:
    """A knob's name without its core prefix (``core1_size`` -> ``size``)."""
    return knob_name.split("_", 1)[1] if core_of(knob_name) is not None else knob_name


def _reference_index(knob: Knob) -> int:
    """Index of the knob's :data:`REFERENCE` value when it offers it, else of its middle value."""
    value = REFERENCE.get(_generic(knob.name))
    return knob.values.index(value) if value in knob.values else len(knob) // 2


@dataclass(frozen=True)
class HeteroSystemSpace(HardwareSpace):
    """Knobs of a system of up to ``max_cores`` cores, each of its own family, size, dataflow and SRAM.

    Per core: ``family`` (systolic or npu), ``size`` (peak MACs per cycle: a square
    systolic array of ``size`` PEs, :func:`systolic_shape`, or the Ethos-U class of ``size`` MACs/cycle,
    :data:`NPU_PRESETS`), ``dataflow``
    (os/ws/is; systolic cores only) and ``sram_kb`` (on-chip KB: a systolic core's
    ifmap/filter/ofmap SRAMs split 1/2, 1/4, 1/4; an NPU core's SRAM arena). The
    memory system: ``n_cores``, ``link_bw``, ``dram_bw`` and ``shared_kb`` (the
    system's shared buffer, KB; 0 = none).
    """

    family: str = "system"
    max_cores: int = 4

    def _replace(self, name: str, knobs: tuple[Knob, ...]) -> HeteroSystemSpace:
        return HeteroSystemSpace(
            name, knobs, description=self.description, evaluator=self.evaluator, max_cores=self.max_cores
        )

    def active_cores(self, design: Mapping[str, Any]) -> int:
        """Cores the design builds: its ``n_cores``, at most ``max_cores``."""
        return min(int(design["n_cores"]), self.max_cores)

    def ignored(self, design: Mapping[str, Any]) -> tuple[str, ...]:
        """Knobs of ``design`` that cannot change its system (inactive cores, an NPU core's dataflow)."""
        active = self.active_cores(design)
        out = []
        for knob in self.knobs:
            core = core_of(knob.name)
            if core is None:
                continue
            inactive = core >= active
            not_its_family = design[core_knob(core, "family")] != "systolic" and _generic(knob.name) in SYSTOLIC_ONLY
            if inactive or not_its_family:
                out.append(knob.name)
        return tuple(out)

    def canonical(self, design: Mapping[str, Any]) -> Design:
        """``design`` with every ignored knob at its reference value (one representative per system)."""
        reference = self.decode(self.reference)
        out = dict(design)
        for name in self.ignored(design):
            out[name] = reference[name]
        return out

    def config_for(self, design: Mapping[str, Any]) -> SystemConfig:
        """The system of ``design``; a ``ValueError`` means an invalid design."""
        import mappers.multicore  # noqa: F401  (registers simulate()'s system simulator; loaded when first used)

        active = self.active_cores(design)
        cores = tuple(core_config(design, k) for k in range(active))
        label = "-".join(f"{c.name}" for c in cores)
        shared = float(design["shared_kb"])
        return SystemConfig(
            name=f"hetero-{label}-l{design['link_bw']}-d{design['dram_bw']}" + (f"-s{shared:g}" if shared else ""),
            cores=cores,
            core_names=tuple(f"core{k}" for k in range(active)),
            clock_mhz=SYSTEM_CLOCK_MHZ,
            dram_bytes_per_cycle=float(design["dram_bw"]),
            link_bytes_per_cycle=float(design["link_bw"]),
            shared_buffer_kb=shared,
        )


def systolic_shape(size: int) -> tuple[int, int]:
    """Rows and columns of a systolic core of ``size`` PEs: square, or twice as wide as tall (128 -> 8 x 16)."""
    if size < 1 or size & (size - 1):
        raise ValueError(f"a systolic core's size must be a power of two, got {size}")
    rows = 1 << (size.bit_length() - 1) // 2
    return rows, size // rows


def core_config(design: Mapping[str, Any], core: int) -> SystolicConfig | NpuConfig:
    """Core ``core``'s family config from its ``core<i>_*`` knobs (at the system clock, 1 GHz)."""
    family = str(design[core_knob(core, "family")])
    size = int(design[core_knob(core, "size")])
    sram = float(design[core_knob(core, "sram_kb")])
    if family == "systolic":
        rows, cols = systolic_shape(size)
        dataflow = str(design[core_knob(core, "dataflow")])
        return SystolicConfig(
            name=f"sa{rows}x{cols}{dataflow}",
            rows=rows,
            cols=cols,
            dataflow=dataflow,
            ifmap_sram_kb=sram / 2,
            filter_sram_kb=sram / 4,
            ofmap_sram_kb=sram / 4,
            clock_mhz=SYSTEM_CLOCK_MHZ,
        )
    if family == "npu":
        if size not in NPU_PRESETS:
            allowed = ", ".join(str(s) for s in NPU_PRESETS)
            raise ValueError(f"{core_knob(core, 'size')}: no NPU class of {size} MACs/cycle; allowed: {allowed}")
        return dataclasses.replace(
            _npu_preset(NPU_PRESETS[size]),
            name=f"npu{size}",
            clock_mhz=SYSTEM_CLOCK_MHZ,
            sram_size_kb=sram,
            cache_kb=sram,
            weights_in=Memory.DRAM,
            activations_in=Memory.DRAM,
            dram_bytes_per_cycle=float(design["dram_bw"]),
            dram_size_kb=0.0,
            weight_precisions=("int4", "int8"),
        )
    raise ValueError(f"{core_knob(core, 'family')}: unknown family {family!r}; allowed: {', '.join(CORE_FAMILIES)}")


@lru_cache(maxsize=8)
def _npu_preset(name: str) -> NpuConfig:
    from archsim.config.loader import load_preset

    return load_preset(name)


def hetero_system_space(
    name: str = "hetero",
    max_cores: int = 4,
    sizes: tuple[int, ...] = (128, 256, 512),
    sram_kb: tuple[int, ...] = (64, 128, 256),
    dataflows: tuple[str, ...] = ("os", "ws", "is"),
    families: tuple[str, ...] = CORE_FAMILIES,
    n_cores: tuple[int, ...] | None = None,
    link_bw: tuple[int, ...] = (8, 32, 64),
    dram_bw: tuple[int, ...] = (8, 16, 32),
    shared_kb: tuple[int, ...] = (0,),
) -> HeteroSystemSpace:
    """The heterogeneous system space: memory-system knobs, then ``family/size/dataflow/sram_kb`` per core.

    ``shared_kb`` defaults to no shared buffer (one value), so spaces built before it existed keep their size.
    """
    if max_cores < 1:
        raise ValueError(f"max_cores must be >= 1, got {max_cores}")
    counts = tuple(range(1, max_cores + 1)) if n_cores is None else n_cores
    if not counts or max(counts) > max_cores or min(counts) < 1:
        raise ValueError(f"n_cores values must be in 1..{max_cores}, got {counts}")
    knobs = [Knob("n_cores", counts), Knob("link_bw", link_bw), Knob("dram_bw", dram_bw), Knob("shared_kb", shared_kb)]
    for k in range(max_cores):
        knobs += [
            Knob(core_knob(k, "family"), families, fields=(), ordinal=False),
            Knob(core_knob(k, "size"), sizes, fields=()),
            Knob(core_knob(k, "dataflow"), dataflows, fields=(), ordinal=False),
            Knob(core_knob(k, "sram_kb"), sram_kb, fields=()),
        ]
    reference = tuple(_reference_index(k) for k in knobs)
    return HeteroSystemSpace(
        name,
        tuple(knobs),
        reference,
        evaluator=SYSTEM_EVALUATOR,
        description=f"heterogeneous system of 1-{max_cores} cores (systolic or NPU, each its own size, dataflow, "
        "SRAM), shared link and DRAM bytes/cycle and shared-buffer KB",
        max_cores=max_cores,
    )


__all__ = [
    "CORE_FAMILIES",
    "MEMORY_KNOBS",
    "HeteroSystemSpace",
    "core_config",
    "core_knob",
    "core_of",
    "hetero_system_space",
]
