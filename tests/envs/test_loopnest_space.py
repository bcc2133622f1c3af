"""The loop-nest design space and its co-search recipe build valid loop-nest configs."""

from __future__ import annotations

import pytest

from archsim.config.loopnest import LoopNestConfig
from envs.catalog import get_space
from envs.cosearch.catalog import get_cosearch_space


def test_every_knob_reaches_the_config() -> None:
    space = get_space("loopnest")
    design = {"rows": 8, "cols": 16, "buffer_kb": 256, "dram_bits": 128}
    config = space.config_for(design)
    assert isinstance(config, LoopNestConfig)
    assert config.operational_array.sizes == (8, 16)
    assert {m.name: m.size_bits for m in config.memories}["global_buffer"] == 256 * 8192
    assert max(p.bandwidth_max for p in config.memories[-1].ports) == 128
    assert config.spatial_mapping == {"D1": {"K": 8}, "D2": {"C": 16}}


def test_cosearch_recipe_pairs_networks_with_loop_nest_hardware() -> None:
    space = get_cosearch_space("cosearch-loopnest")
    names = [k.name for k in space.knobs]
    assert names[:6] == ["resolution", "width", "depth", "kernel", "expand", "bits"]
    assert names[6:] == ["rows", "cols", "buffer_kb", "dram_bits"]
    design = space.decode(space.reference)
    assert isinstance(space.hardware.config_for(design), LoopNestConfig)
    with pytest.raises(ValueError):
        space.check_point((0,) * 6 + (9, 0, 0, 0))
