"""The multi-core system as a design space: core count, per-core array and SRAM, interconnect and DRAM.

Every design is a :class:`SystemConfig` of identical systolic cores; it is
evaluated through ``archsim.simulate`` (the ``system`` simulator mappers.multicore registers: layer-by-layer
stacks allocated by HEFT, timed with DRAM contention), so the existing agents,
rewards and runner work unchanged.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from archsim.config.system import SystemConfig
from archsim.config.systolic import SystolicConfig
from envs.spaces import HardwareSpace, Knob


@dataclass(frozen=True)
class SystemSpace(HardwareSpace):
    """Knobs of a homogeneous multi-core systolic system (``cores`` copies of one array)."""

    family: str = "system"

    def _replace(self, name: str, knobs: tuple[Knob, ...]) -> SystemSpace:
        return SystemSpace(name, knobs, description=self.description, evaluator=self.evaluator)

    def config_for(self, design: Mapping[str, Any]) -> Any:
        """The system of ``design``; a ``ValueError`` means an invalid design."""
        import mappers.multicore  # noqa: F401  (registers simulate()'s system simulator; loaded when first used)

        label = "-".join(f"{k.name}{design[k.name]}" for k in self.knobs)
        sram = float(design["sram_kb"])
        core = SystolicConfig(
            name="core",
            rows=int(design["rows"]),
            cols=int(design["cols"]),
            dataflow=str(design["dataflow"]),
            ifmap_sram_kb=sram / 2,
            filter_sram_kb=sram / 4,
            ofmap_sram_kb=sram / 4,
        )
        return SystemConfig(
            name=label,
            cores=(core,) * int(design["cores"]),
            dram_bytes_per_cycle=float(design["dram_bw"]),
            link_bytes_per_cycle=float(design["link_bw"]),
        )


SYSTEM_SPACE = SystemSpace(
    "system",
    (
        Knob("cores", (1, 2, 4)),
        Knob("rows", (8, 16, 32, 64)),
        Knob("cols", (8, 16, 32, 64)),
        Knob("sram_kb", (128, 256, 512, 1024)),
        Knob("dataflow", ("os", "ws", "is"), ordinal=False),
        Knob("link_bw", (8, 16, 32, 64)),
        Knob("dram_bw", (8, 16, 32, 64)),
    ),
    description="homogeneous multi-core systolic system: cores, array, SRAM per core (KB), link and DRAM bytes/cycle",
)
"""The ``system`` design space (registered in :mod:`envs.catalog`)."""

__all__ = ["SYSTEM_SPACE", "SystemSpace"]
