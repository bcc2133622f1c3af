"""The heterogeneous system space: knob names by owner, ignored knobs, the configs it builds."""

from __future__ import annotations

import dataclasses

import pytest

from archsim.system.metrics import core_peak_macs
from envs.cosearch import get_cosearch_space
from envs.hetero import MEMORY_KNOBS, HeteroSystemSpace, core_of, hetero_system_space
from envs.hetero.space import NPU_PRESETS
from envs.spaces import HardwareSpace

SPACE = hetero_system_space("test-hetero", max_cores=3)


def design(**overrides: object) -> dict[str, object]:
    return SPACE.decode(SPACE.reference) | overrides


def test_every_hardware_knob_is_owned_by_one_core_or_the_memory_system() -> None:
    cospace = get_cosearch_space("hetero-small")
    assert isinstance(cospace.hardware, HardwareSpace) and isinstance(cospace.hardware, HeteroSystemSpace)
    owners: dict[str, list[str]] = {}
    for knob in cospace.hardware.knobs:
        core = core_of(knob.name)
        owner = "memory" if core is None else f"core{core}"
        assert knob.name.startswith(f"{owner}_") or (core is None and knob.name in MEMORY_KNOBS)
        owners.setdefault(owner, []).append(knob.name.split("_", 1)[1] if core is not None else knob.name)
    assert owners.pop("memory") == list(MEMORY_KNOBS)
    assert sorted(owners) == [f"core{i}" for i in range(4)]
    assert all(knobs == ["family", "size", "dataflow", "sram_kb"] for knobs in owners.values())
    assert {k.group for k in cospace.knobs if core_of(k.name) is None and k.name not in MEMORY_KNOBS} == {"network"}


def test_cores_may_differ_in_family_size_dataflow_and_sram() -> None:
    chosen = design(
        n_cores=3,
        core0_family="systolic",
        core0_size=512,
        core0_dataflow="os",
        core0_sram_kb=256,
        core1_family="npu",
        core1_size=128,
        core1_sram_kb=64,
        core2_family="systolic",
        core2_size=128,
        core2_dataflow="is",
    )
    system = SPACE.config_for(chosen)
    assert not system.homogeneous and system.n_cores == 3
    first, npu, last = system.cores
    assert (first.rows, first.cols, first.dataflow) == (16, 32, "os")
    assert first.ifmap_sram_kb + first.filter_sram_kb + first.ofmap_sram_kb == 256
    assert npu.family == "npu" and npu.cache_kb == 64 and "int4" in npu.weight_precisions
    assert (last.rows, last.cols, last.dataflow) == (8, 16, "is")
    assert [core_peak_macs(c) for c in system.cores] == [512, 128, 128]  # size = peak MACs/cycle, either family
    assert system.dram_bytes_per_cycle == chosen["dram_bw"] and system.link_bytes_per_cycle == chosen["link_bw"]


@pytest.mark.parametrize("size", sorted(NPU_PRESETS))
def test_npu_cores_never_compute_faster_than_their_peak(size: int) -> None:
    """Each NPU class runs a network through the checked system simulator (its referee rejects any task that beats
    the core's peak MACs/cycle) at no more than ``size`` MACs per cycle."""
    from archsim.simulate import simulate
    from workloads.registry import families

    family = families()["ofa_mbv2"]
    network = family.build(family.choices({"resolution": 128, "width": 0.5, "depth": 1, "expand": 3}))
    system = SPACE.config_for(design(n_cores=1, core0_family="npu", core0_size=size))
    metrics = simulate(network, system)
    assert system.cores[0].peak_macs_per_cycle == size
    assert metrics.makespan_cycles >= network.total_macs / size


def test_ignored_knobs_are_inactive_cores_and_an_npu_dataflow_and_change_nothing() -> None:
    chosen = design(n_cores=2, core0_family="npu", core1_family="systolic")
    ignored = set(SPACE.ignored(chosen))
    assert ignored == {"core0_dataflow", "core2_family", "core2_size", "core2_dataflow", "core2_sram_kb"}
    other = chosen | {"core0_dataflow": "os", "core2_family": "npu", "core2_size": 512, "core2_sram_kb": 64}
    assert SPACE.canonical(other) == SPACE.canonical(chosen)
    assert dataclasses.replace(SPACE.config_for(other), name="") == dataclasses.replace(
        SPACE.config_for(chosen), name=""
    )
    changed = chosen | {"core1_dataflow": "os"}  # an active systolic core's dataflow matters
    assert SPACE.config_for(changed) != SPACE.config_for(chosen)


def test_restricting_keeps_the_space_kind_and_bad_values_name_the_knob() -> None:
    sub = SPACE.restrict({"n_cores": [1, 2], "core0_family": ["npu"]})
    assert isinstance(sub, HeteroSystemSpace) and sub.max_cores == 3
    with pytest.raises(ValueError, match="core0_size: no NPU class of 64"):
        SPACE.config_for(design(core0_family="npu", core0_size=64))
    with pytest.raises(ValueError, match=r"n_cores values must be in 1\.\.2"):
        hetero_system_space(max_cores=2, n_cores=(1, 3))


def test_the_system_space_searched_alone_counts_core_sram_like_co_search() -> None:
    """The default evaluator of a HeteroSystemSpace on a fixed network (hardware-only search, e.g. per-core agents)."""
    from archsim.area import sram_mm2
    from archsim.system.metrics import system_area_mm2
    from envs.evaluate import shared_evaluator
    from workloads.precision import Precision

    small = hetero_system_space("test-alone", max_cores=2, sizes=(128,), sram_kb=(64,), link_bw=(32,), dram_bw=(16,))
    evaluator = shared_evaluator(small, "ofa_mbv2:resolution=128,width=0.5,depth=1,expand=3")
    chosen = small.decode(small.reference) | {"n_cores": 2, "core0_family": "npu", "core1_family": "systolic"}
    metrics = evaluator.evaluate(small.encode(chosen))
    system = small.config_for(chosen)
    assert metrics.valid and metrics.area_mm2 == pytest.approx(system_area_mm2(system, Precision.INT8) + sram_mm2(64))
    assert metrics.extra["sram_kb"] == 128 and metrics.extra["n_cores"] == 2


def test_the_shared_buffer_knob_builds_the_buffer_and_counts_its_sram_and_area() -> None:
    """``shared_kb`` (a memory-system knob) is the system's shared buffer: in its config, ``sram_kb`` and area."""
    from archsim.area import sram_mm2
    from envs.evaluate import shared_evaluator

    assert "shared_kb" in MEMORY_KNOBS and core_of("shared_kb") is None
    assert get_cosearch_space("hetero-small").hardware.knob("shared_kb").values == (0, 64, 128, 256)
    assert get_cosearch_space("hetero-2core").hardware.knob("shared_kb").values == (0, 128)
    assert SPACE.decode(SPACE.reference)["shared_kb"] == 0
    small = hetero_system_space(
        "test-shared", max_cores=2, sizes=(128,), sram_kb=(64,), link_bw=(32,), dram_bw=(16,), shared_kb=(0, 128)
    )
    evaluator = shared_evaluator(small, "ofa_mbv2:resolution=128,width=0.5,depth=1,expand=3")
    plain = small.decode(small.reference) | {"n_cores": 2}
    metrics = {kb: evaluator.evaluate(small.encode(plain | {"shared_kb": kb})) for kb in (0, 128)}
    assert small.config_for(plain | {"shared_kb": 128}).shared_buffer_kb == 128
    assert small.config_for(plain).shared_buffer_kb == 0
    assert metrics[128].extra["sram_kb"] == metrics[0].extra["sram_kb"] + 128
    assert metrics[128].area_mm2 == pytest.approx(metrics[0].area_mm2 + sram_mm2(128))
