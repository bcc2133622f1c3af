"""Which agent owns which knobs: the split of a design space among cooperating agents.

Convention (shared with the heterogeneous co-search space): a knob named ``core<i>_<knob>``
belongs to agent ``core<i>``, a network knob (``group == "network"``) to agent ``network``,
and every other hardware knob to agent ``memory``. Spaces whose knob names carry no core
prefix (one array, or a homogeneous multi-core system) get an explicit split from
:data:`KNOWN_SPLITS`, the first whose knob names cover the space's hardware knobs, so that
restricted subspaces and co-search spaces over a few of those knobs inherit it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from archsim.errors import InputError
from envs.spaces import DesignSpace, Knob

CORE_PREFIX = re.compile(r"^(core\d+)_")
"""A per-core knob: ``core0_rows`` belongs to agent ``core0``."""

NETWORK_AGENT = "network"
MEMORY_AGENT = "memory"

KNOWN_SPLITS: tuple[Mapping[str, tuple[str, ...]], ...] = (
    # archsim/SystemDSE-v0: the core's array and SRAM, the interconnect and DRAM, the number of cores.
    {"core": ("rows", "cols", "sram_kb", "dataflow"), "memory": ("link_bw", "dram_bw"), "system": ("cores",)},
    # systolic, systolic-bench, llm-serving: the array against its buffers and DRAM bandwidth.
    {
        "core": ("rows", "cols", "dataflow"),
        "memory": ("ifmap_sram_kb", "filter_sram_kb", "ofmap_sram_kb", "dram_bw"),
    },
    # npu: MAC array and clock against SRAM and DRAM bandwidth.
    {"core": ("macs_per_cycle", "clock_mhz"), "memory": ("sram_size_kb", "dram_bytes_per_cycle")},
    # fpga: the engine's unrolling and precision against the board (its memory and resources).
    {"core": ("tm", "tn", "precision"), "memory": ("board",)},
    # loopnest: the PE array against the buffer and DRAM width.
    {"core": ("rows", "cols"), "memory": ("buffer_kb", "dram_bits")},
)
"""Explicit splits of archsim's hardware spaces whose knobs carry no ``core<i>_`` prefix."""


@dataclass(frozen=True)
class AgentSplit:
    """Agents in order, each with the names of the knobs it sets.

    Attributes:
        owners: ``(agent, knob names)`` pairs; every agent owns at least one knob and no knob has two owners.
    """

    owners: tuple[tuple[str, tuple[str, ...]], ...]

    def __post_init__(self) -> None:
        if not self.owners:
            raise InputError("split: give at least one agent")
        seen: dict[str, str] = {}
        agents = [agent for agent, _ in self.owners]
        if len(set(agents)) != len(agents):
            raise InputError(f"split: agent names repeat: {', '.join(agents)}")
        for agent, knobs in self.owners:
            if not agent or not knobs:
                raise InputError(f"split: agent {agent!r} needs a name and at least one knob")
            for knob in knobs:
                if knob in seen:
                    raise InputError(f"split: knob {knob!r} is owned by both {seen[knob]!r} and {agent!r}")
                seen[knob] = agent

    @classmethod
    def from_mapping(cls, mapping: Mapping[str, Sequence[str]]) -> AgentSplit:
        """A split from ``{agent: [knob, ...]}`` (agents keep the mapping's order)."""
        return cls(tuple((str(agent), tuple(str(k) for k in knobs)) for agent, knobs in mapping.items()))

    @property
    def agents(self) -> tuple[str, ...]:
        """Agent names in order."""
        return tuple(agent for agent, _ in self.owners)

    def indices(self, space: DesignSpace) -> dict[str, tuple[int, ...]]:
        """Per agent, the positions of its knobs in ``space`` (InputError unless every knob has exactly one owner)."""
        owned = {knob for _, knobs in self.owners for knob in knobs}
        missing = [name for name in space.names if name not in owned]
        if missing:
            raise InputError(f"split: knob(s) {', '.join(missing)} of space {space.name} have no agent")
        position = {name: j for j, name in enumerate(space.names)}
        unknown = sorted(owned - position.keys())
        if unknown:
            raise InputError(f"split: space {space.name} has no knob {unknown[0]!r}; knobs: {', '.join(space.names)}")
        return {agent: tuple(position[k] for k in knobs) for agent, knobs in self.owners}


def conventional_agent(knob: Knob) -> str:
    """The agent a knob belongs to by the naming convention (``core<i>``, ``network`` or ``memory``)."""
    match = CORE_PREFIX.match(knob.name)
    if match:
        return match.group(1)
    return NETWORK_AGENT if knob.group == "network" else MEMORY_AGENT


def convention_split(space: DesignSpace) -> AgentSplit:
    """The naming convention's split; agents in the order their first knob appears in the space."""
    owners: dict[str, list[str]] = {}
    for knob in space.knobs:
        owners.setdefault(conventional_agent(knob), []).append(knob.name)
    return AgentSplit.from_mapping(owners)


def default_split(space: DesignSpace) -> AgentSplit:
    """The first of :data:`KNOWN_SPLITS` that covers every hardware knob of the space (agents left without knobs
    dropped), else the convention. Network knobs of a co-search space go to agent ``network`` either way."""
    hardware = [k.name for k in space.knobs if k.group != "network"]
    network = tuple(k.name for k in space.knobs if k.group == "network")
    for known in KNOWN_SPLITS:
        if set(hardware) <= {name for names in known.values() for name in names}:
            owners = {NETWORK_AGENT: network} if network else {}
            for agent, names in known.items():
                kept = tuple(name for name in names if name in hardware)
                if kept:
                    owners[agent] = kept
            return AgentSplit.from_mapping(owners)
    return convention_split(space)


def resolve_split(space: DesignSpace, split: AgentSplit | Mapping[str, Sequence[str]] | None) -> AgentSplit:
    """``split`` as an :class:`AgentSplit` (the space's default when None), checked against the space."""
    if split is None:
        resolved = default_split(space)
    elif isinstance(split, AgentSplit):
        resolved = split
    else:
        resolved = AgentSplit.from_mapping(split)
    resolved.indices(space)
    return resolved


__all__ = ["KNOWN_SPLITS", "AgentSplit", "convention_split", "conventional_agent", "default_split", "resolve_split"]
