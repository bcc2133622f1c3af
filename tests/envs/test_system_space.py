"""The multi-core design space: each point is a validated system of identical systolic cores."""

from __future__ import annotations

from envs.catalog import get_space


def test_points_decode_to_systems_with_the_chosen_core_count() -> None:
    space = get_space("system")
    for point in ([0] * len(space.knobs), [len(k.values) - 1 for k in space.knobs]):
        design = space.decode(point)
        system = space.config(point)
        assert system.family == "system"
        assert system.n_cores == design["cores"]
        assert system.homogeneous
        assert system.cores[0].rows == design["rows"]
        assert system.dram_bytes_per_cycle == design["dram_bw"]
