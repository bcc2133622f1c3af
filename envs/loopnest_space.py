"""The loop-nest design space: array shape, global-buffer size and DRAM bandwidth over a preset.

Loop-nest configs nest their memories, so a design is applied by rebuilding the preset's
array and memories rather than by replacing flat fields (what :class:`HardwareSpace` does).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from envs.spaces import HardwareSpace, Knob, _preset


@dataclass(frozen=True)
class LoopNestSpace(HardwareSpace):
    """Knobs ``rows``/``cols`` (array), ``buffer_kb`` (the shared on-chip buffer named ``buffer``),
    ``dram_bits`` (outermost memory's port width, bits/cycle); the default unrolling is ``K``
    over rows and ``C`` over columns, so the mapper searches loop orders and allocations."""

    buffer: str = "global_buffer"
    lpf_limit: int = 4

    def _replace(self, name: str, knobs: tuple[Knob, ...]) -> LoopNestSpace:
        return dataclasses.replace(self, name=name, knobs=knobs, reference=())  # reference: middle of each knob

    def config_for(self, design: Mapping[str, Any]) -> Any:
        """The loop-nest config of ``design`` (a ``ValueError`` means an invalid design)."""
        base = _preset(self.preset)
        rows, cols = int(design["rows"]), int(design["cols"])
        array = dataclasses.replace(base.operational_array, sizes=(rows, cols))
        memories = []
        for mem in base.memories:
            if mem.name == self.buffer:
                mem = dataclasses.replace(mem, size_bits=int(design["buffer_kb"]) * 8192)
            if mem is base.memories[-1] or mem.name == base.memories[-1].name:
                ports = tuple(dataclasses.replace(p, bandwidth_max=int(design["dram_bits"])) for p in mem.ports)
                mem = dataclasses.replace(mem, ports=ports)
            memories.append(mem)
        name = "-".join(f"{k.name}{design[k.name]}" for k in self.knobs)
        unit = base.vector_unit  # its lanes keep their share of their array dimension
        share = array.size_of[unit.dimension] / base.operational_array.size_of[unit.dimension]
        return dataclasses.replace(
            base,
            name=name,
            operational_array=array,
            vector_unit=dataclasses.replace(unit, lanes=max(1, int(unit.lanes * share))),
            memories=tuple(memories),
            spatial_mapping={"D1": {"K": rows}, "D2": {"C": cols}},
            lpf_limit=self.lpf_limit,
        )


LOOPNEST_SPACE = LoopNestSpace(
    "loopnest",
    (
        Knob("rows", (4, 8, 12, 16, 32)),
        Knob("cols", (4, 8, 14, 16, 32)),
        Knob("buffer_kb", (32, 64, 108, 256, 512)),
        Knob("dram_bits", (32, 64, 128, 256)),
    ),
    description="Eyeriss-like loop-nest accelerator: array rows x cols, global buffer KB, DRAM bits/cycle",
    family="loopnest",
    preset="loopnest-eyeriss-like",
)
"""The space behind ``archsim/LoopNestDSE-v0``."""
