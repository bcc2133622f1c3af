"""Who owns which knobs: the naming convention, the known splits of archsim's spaces, explicit splits."""

from __future__ import annotations

import pytest
from toy import TOY_COSEARCH_SPACE, TOY_SPACE

from archsim.errors import InputError
from envs.catalog import get_space
from envs.marl.agent import parse_split
from envs.marl.split import AgentSplit, convention_split, default_split, resolve_split
from envs.spaces import DesignSpace, Knob
from envs.system_space import SYSTEM_SPACE

HETERO_LIKE = DesignSpace(
    "hetero-like",
    (
        Knob("width", (0.5, 1.0), group="network"),
        Knob("core0_rows", (8, 16)),
        Knob("core1_rows", (8, 16)),
        Knob("core0_dataflow", ("os", "ws"), ordinal=False),
        Knob("shared_buffer_kb", (0, 256)),
        Knob("link_bw", (8, 32)),
    ),
)
"""Per-core knobs named ``core<i>_<knob>`` as in HeteroCoSearch-v0, plus a network and two memory knobs."""


def test_convention_gives_one_agent_per_core_plus_network_and_memory() -> None:
    split = default_split(HETERO_LIKE)
    assert split == convention_split(HETERO_LIKE)
    assert dict(split.owners) == {
        "network": ("width",),
        "core0": ("core0_rows", "core0_dataflow"),
        "core1": ("core1_rows",),
        "memory": ("shared_buffer_kb", "link_bw"),
    }


def test_system_space_has_core_memory_and_system_agents() -> None:
    split = default_split(SYSTEM_SPACE)
    assert dict(split.owners) == {
        "core": ("rows", "cols", "sram_kb", "dataflow"),
        "memory": ("link_bw", "dram_bw"),
        "system": ("cores",),
    }
    restricted = SYSTEM_SPACE.restrict({"cores": (1, 2), "rows": (8, 16)})
    assert default_split(restricted) == split


@pytest.mark.parametrize("name", ["systolic", "systolic-bench", "npu", "fpga", "llm-serving", "loopnest"])
def test_every_catalog_hardware_space_splits_into_core_and_memory(name: str) -> None:
    space = get_space(name)
    split = default_split(space)
    assert split.agents == ("core", "memory")
    owned = sorted(k for _, knobs in split.owners for k in knobs)
    assert owned == sorted(space.names)


def test_cosearch_space_adds_a_network_agent_over_its_hardware_split() -> None:
    split = default_split(TOY_COSEARCH_SPACE)
    assert split.agents == ("network", "core", "memory")
    assert dict(split.owners)["network"] == ("width", "bits")
    assert dict(split.owners)["core"] == ("rows", "cols", "dataflow")
    assert "ifmap_sram_kb" in dict(split.owners)["memory"]


def test_explicit_split_is_checked_against_the_space() -> None:
    split = resolve_split(TOY_SPACE, {"a": ["rows", "cols"], "b": ["ifmap_sram_kb", "dram_bw", "dataflow"]})
    assert split.indices(TOY_SPACE) == {"a": (0, 1), "b": (2, 3, 4)}
    with pytest.raises(InputError, match="knob\\(s\\) dataflow of space toy have no agent"):
        resolve_split(TOY_SPACE, {"a": ["rows", "cols", "ifmap_sram_kb", "dram_bw"]})
    with pytest.raises(InputError, match="space toy has no knob 'depth'"):
        resolve_split(TOY_SPACE, {"a": list(TOY_SPACE.names), "b": ["depth"]})
    with pytest.raises(InputError, match="knob 'rows' is owned by both 'a' and 'b'"):
        AgentSplit.from_mapping({"a": ["rows"], "b": ["rows"]})
    with pytest.raises(InputError, match="agent 'b' needs a name and at least one knob"):
        AgentSplit.from_mapping({"a": ["rows"], "b": []})


def test_command_line_split_text() -> None:
    assert parse_split("core=rows+cols, memory=dram_bw") == {"core": ["rows", "cols"], "memory": ["dram_bw"]}
    with pytest.raises(InputError, match="expected AGENT=KNOB\\+KNOB"):
        parse_split("core:rows")
