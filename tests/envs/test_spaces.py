"""Design spaces: points <-> designs <-> configs, and bad input."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from toy import TOY_SPACE

from archsim.errors import InputError
from envs.catalog import SPACES, get_space
from envs.spaces import DesignSpace, HardwareSpace, Knob


@given(st.integers(0, TOY_SPACE.size - 1))
def test_rank_point_design_round_trip(rank: int) -> None:
    point = TOY_SPACE.point_at(rank)
    assert TOY_SPACE.flat_index(point) == rank
    assert TOY_SPACE.encode(TOY_SPACE.decode(point)) == point
    normalised = TOY_SPACE.normalise(point)
    assert normalised.min() >= -1 and normalised.max() <= 1


def test_points_enumerates_every_design_once() -> None:
    points = list(TOY_SPACE.points())
    assert len(points) == len(set(points)) == TOY_SPACE.size == 4 * 4 * 3 * 3 * 3


def test_encode_accepts_strings_for_numbers_and_fills_reference() -> None:
    point = TOY_SPACE.encode({"rows": "16", "dataflow": "WS"})
    design = TOY_SPACE.decode(point)
    assert design["rows"] == 16 and design["dataflow"] == "ws"
    assert design["cols"] == TOY_SPACE.decode(TOY_SPACE.reference)["cols"]


def test_unknown_knob_and_value_are_input_errors() -> None:
    with pytest.raises(InputError, match="unknown knob 'depth'; allowed: rows"):
        TOY_SPACE.encode({"depth": 3})
    with pytest.raises(InputError, match="unknown value 12; allowed: 4, 8, 16, 32"):
        TOY_SPACE.encode({"rows": 12})
    with pytest.raises(InputError, match="unknown design space 'nope'"):
        get_space("nope")


def test_point_out_of_range_names_the_knob() -> None:
    with pytest.raises(ValueError, match="knob cols"):
        TOY_SPACE.check_point((0, 9, 0, 0, 0))


def test_knob_sets_several_fields_and_config_validates() -> None:
    config = TOY_SPACE.config(TOY_SPACE.encode({"rows": 8, "cols": 32, "dram_bw": 4, "dataflow": "is"}))
    assert (config.rows, config.cols, config.dataflow.value) == (8, 32, "is")
    assert config.ifmap_dram_bw == config.filter_dram_bw == config.ofmap_dram_bw == 4


@pytest.mark.parametrize("name", sorted(SPACES))
def test_every_catalog_space_builds_a_valid_reference_config(name: str) -> None:
    space = SPACES[name]
    assert isinstance(space, HardwareSpace)
    config = space.config(space.reference)
    assert config.family == space.family


def test_fpga_tm_tn_knobs_compose_the_design_field() -> None:
    space = SPACES["fpga"]
    config = space.config(space.encode({"board": "vc707", "tm": 64, "tn": 7, "precision": "fp32"}))
    assert (config.board, config.design, config.precision.value) == ("vc707", "64x7", "fp32")


def test_npu_space_overrides_its_preset() -> None:
    space = SPACES["npu"]
    config = space.config(space.encode({"macs_per_cycle": 1024, "sram_size_kb": 1024}))
    assert config.macs_per_cycle == 1024 and config.sram_size_kb == config.cache_kb == 1024
    assert config.dram_read_latency == 500  # from the ethos-u65-256 preset


def test_restrict_keeps_listed_values_and_fixes_the_rest() -> None:
    sub = TOY_SPACE.restrict({"rows": [4, 32], "dataflow": ["os"]})
    assert sub.cardinalities == (2, 1, 1, 1, 1)
    assert isinstance(sub, HardwareSpace) and sub.family == "systolic"
    with pytest.raises(InputError):
        TOY_SPACE.restrict({"banks": [1]})


def test_combine_concatenates_knobs_of_network_and_hardware_spaces() -> None:
    net = DesignSpace("net", (Knob("width", (0.5, 1.0), group="network"),))
    both = DesignSpace.combine("co", net, TOY_SPACE)
    assert both.names[0] == "width" and both.size == 2 * TOY_SPACE.size
    design = both.decode(both.reference)
    config = TOY_SPACE.config_for(design)  # the hardware part reads only its own knobs
    assert config.rows == design["rows"]


def test_bad_space_definitions_raise() -> None:
    with pytest.raises(ValueError, match="repeat"):
        Knob("rows", (1, 1))
    with pytest.raises(ValueError, match="knob names repeat"):
        DesignSpace("dup", (Knob("a", (1,)), Knob("a", (2,))))
