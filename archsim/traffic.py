"""Off-chip traffic decided by a graph-level schedule, handed to the simulators.

A mapper (``mappers/``) decides which activations stay in the scratchpad between
ops; what remains is, per op, the activation bytes it must read from DRAM and
write back. Simulators take this plan instead of their default assumption that
every layer reads its inputs from and writes its outputs to DRAM. Weights are
not in the plan: each layer's weight traffic stays the simulator's own.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class LayerTraffic:
    """Activation bytes one op moves across the DRAM interface under a schedule."""

    dram_read_bytes: int
    dram_write_bytes: int

    def __post_init__(self) -> None:
        if self.dram_read_bytes < 0 or self.dram_write_bytes < 0:
            raise ValueError(f"traffic must be >= 0 bytes, got {self.dram_read_bytes}, {self.dram_write_bytes}")


TrafficPlan = Mapping[str, LayerTraffic]
"""Op name -> its activation traffic. Ops missing from the plan use the simulator's default."""
