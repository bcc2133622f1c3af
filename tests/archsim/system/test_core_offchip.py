"""A core's own off-chip memory, inside a system, is the system's DRAM: counted once.

The ``loopnest-*`` presets and ZigZag's single-core files end in a ``dram`` memory, and an Ethos-U55
reads its weights from flash. In a system those bytes cross the system's shared DRAM channel, so a
loop-nest core is priced without its DRAM level's cost (no energy, no port stalls) and with its
largest on-chip memory as its buffer, and an NPU core without its flash energy or its own flash
capacity. Also: a ``preset = ...`` core entry works for every core family, a file path names a core,
a family that cannot be a core is refused in one line, and a loop-nest core's area counts in the
system's.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

import mappers.multicore  # noqa: F401 - registers the multi-core simulator
from archsim.area import sram_mm2
from archsim.config.loader import load_arch
from archsim.config.system import CORE_FAMILIES, SystemConfig
from archsim.errors import InputError
from archsim.simulate import simulate
from archsim.system.costs import BUFFER_BYTES, CoreCosts, LoopNestPricing, core_buffer_bytes
from archsim.system.loopnest_cores import is_offchip
from archsim.system.tiles import TaskOp
from tests.support.paths import REPO
from workloads.builder import GraphBuilder
from workloads.graph import Workload
from workloads.precision import Precision


def two_matmuls() -> Workload:
    """Two linear layers over 64 tokens of 256 features (weights 256 x 256 and 256 x 512)."""
    b = GraphBuilder("two")
    x = b.linear(b.input((1, 64, 256)), 256, name="fc1")
    b.linear(x, 512, name="fc2")
    return b.build()


def with_dram(core, read_pj: float, bits_per_cycle: int):
    """``core`` with its off-chip memory's access energy and port bandwidth replaced."""
    memories = tuple(
        dataclasses.replace(
            m,
            read_energy_pj=read_pj,
            write_energy_pj=read_pj,
            ports=tuple(dataclasses.replace(p, bandwidth_max=bits_per_cycle) for p in m.ports),
        )
        if is_offchip(m)
        else m
        for m in core.memories
    )
    return dataclasses.replace(core, memories=memories)


def test_the_presets_end_in_an_offchip_memory() -> None:
    for name in ("loopnest-tpu-like", "loopnest-eyeriss-like"):
        core = load_arch(name)
        assert [m.name for m in core.memories if is_offchip(m)] == ["dram"], name


def test_a_cores_own_dram_costs_nothing_in_a_system() -> None:
    """Ten times the core's DRAM energy or a fifth of its DRAM port: the same core cost in a system."""
    workload, core = two_matmuls(), load_arch("loopnest-tpu-like")
    base = CoreCosts(workload, core, LoopNestPricing("search"))
    costly = CoreCosts(workload, with_dram(core, 20_000.0, 64), LoopNestPricing("search"))
    for name in ("fc1", "fc2"):
        assert base.cost(TaskOp(name)) == costly.cost(TaskOp(name)), name
    # The single-core family does pay for them: the change above is not a no-op.
    single = simulate(workload, core).total()["energy_pj"]
    assert simulate(workload, with_dram(core, 20_000.0, 64)).total()["energy_pj"] > 5 * single


def test_the_system_energy_counts_dram_once() -> None:
    """The system's DRAM energy is its bytes x ``dram_pj_per_byte``; the core adds on-chip energy only, so a
    costlier core DRAM changes nothing and a costlier system DRAM adds exactly its bytes' worth."""
    workload, core = two_matmuls(), load_arch("loopnest-tpu-like")

    def run(core_config, dram_pj_per_byte: float):
        return simulate(workload, SystemConfig(name="one", cores=(core_config,), dram_pj_per_byte=dram_pj_per_byte))

    base = run(core, 20.0)
    assert run(with_dram(core, 20_000.0, 64), 20.0).total()["energy_pj"] == pytest.approx(base.total()["energy_pj"])
    dearer = run(core, 40.0)
    assert dearer.total()["energy_pj"] - base.total()["energy_pj"] == pytest.approx(20.0 * base.dram_bytes)
    assert base.dram_bytes > 0


def test_the_buffer_is_the_largest_on_chip_memory() -> None:
    tpu = load_arch("loopnest-tpu-like")
    assert core_buffer_bytes(tpu) == 24 * 2**20  # the unified buffer, not the 8 GiB DRAM
    eyeriss = load_arch("loopnest-eyeriss-like")
    on_chip = [m.size_bits // 8 for m in eyeriss.memories if not is_offchip(m)]
    assert core_buffer_bytes(eyeriss) == max(on_chip) < max(m.size_bits // 8 for m in eyeriss.memories)


def test_a_preset_entry_takes_overrides_for_a_loopnest_core(tmp_path: Path) -> None:
    path = tmp_path / "pair.toml"
    path.write_text(
        'family = "system"\nname = "pair"\n'
        'cores = [{ preset = "loopnest-tpu-like", name = "left" }, { preset = "loopnest-tpu-like", clock_mhz = 350 }]\n'
    )
    system = load_arch(path)
    preset = load_arch("loopnest-tpu-like")
    assert system.cores[0] == dataclasses.replace(preset, name="left")
    assert system.cores[1] == dataclasses.replace(preset, clock_mhz=350)


def test_a_family_that_cannot_be_a_core_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "gpu.toml"
    path.write_text('family = "system"\nname = "gpus"\ncores = ["a100-manycore", "tpu-like"]\n')
    allowed = r"gpu\.toml: cores\[0\] is a manycore config; .*systolic, npu, fpga, loopnest"
    with pytest.raises(InputError, match=allowed):
        load_arch(path)


def test_every_core_family_has_a_buffer_rule() -> None:
    assert set(CORE_FAMILIES) == set(BUFFER_BYTES)


@pytest.mark.parametrize("preset", ["loopnest-tpu-like", "loopnest-eyeriss-like"])
def test_a_loopnest_core_has_its_single_core_area_in_a_system(preset: str) -> None:
    """Both count the MACs at the workload's precision and the on-chip memories (the DRAM is off chip)."""
    workload, core = two_matmuls(), load_arch(preset)
    alone = simulate(workload, core).area_mm2
    assert alone > 0
    assert simulate(workload, SystemConfig(name="two", cores=(core, core))).area_mm2 == pytest.approx(2 * alone)


def test_a_stream_cores_top_memory_is_on_chip_area() -> None:
    """Stream's cores end in an on-chip SRAM: a system counts it, the single-core rule (outermost = DRAM) does not."""
    system = load_arch(REPO / "tests" / "mappers" / "multicore" / "data" / "stream_hw" / "tpu_like_quad_core.yaml")
    core = system.cores[0]
    assert not any(is_offchip(m) for m in core.memories)
    workload = two_matmuls()
    top = sram_mm2(core.memories[-1].size_bits / 8 / 1024)
    in_system = simulate(workload, system).area_mm2 / len(system.cores)
    assert in_system == pytest.approx(simulate(workload, core).area_mm2 + top)


def test_an_npu_cores_flash_weights_are_the_systems_dram() -> None:
    """An Ethos-U55 reads weights from flash: in a system that energy is the system's DRAM's, not the core's,
    so a core's op costs its MAC, vector and SRAM energy only."""
    workload, core = two_matmuls(), load_arch("ethos-u55-128")
    alone = {row.layer: row for row in simulate(workload, core).layers}
    costs = CoreCosts(workload, core)
    for name in ("fc1", "fc2"):
        parts = alone[name].energy_by_component_pj
        assert parts["flash"] > 0
        on_chip = parts["mac"] + parts["vector"] + parts["sram"]
        assert costs.cost(TaskOp(name)).energy_pj == pytest.approx(on_chip), name


def test_a_core_entry_may_name_a_config_file_beside_the_system(tmp_path: Path) -> None:
    """A ZigZag hardware YAML (it ends in ``dram``) as a core, by a path relative to the system's file."""
    import importlib.util
    import shutil

    spec = importlib.util.find_spec("zigzag")
    assert spec is not None and spec.origin is not None
    (tmp_path / "cores").mkdir()
    shutil.copy(Path(spec.origin).parent / "inputs" / "hardware" / "tpu_like.yaml", tmp_path / "cores" / "tpu.yaml")
    path = tmp_path / "pair.toml"
    path.write_text('family = "system"\nname = "pair"\ncores = ["cores/tpu.yaml", "loopnest-tpu-like"]\n')
    system = load_arch(str(path))
    assert system.cores[0] == load_arch(str(tmp_path / "cores" / "tpu.yaml"))
    assert [m.name for m in system.cores[0].memories if is_offchip(m)] == ["dram"]
    assert core_buffer_bytes(system.cores[0]) == 2 * 2**20  # its 2 MB SRAM
    cores = simulate(two_matmuls(), system).to_json()["arch"]["cores"]  # JSON output describes each core
    assert cores[0]["memories"] == ["rf_128B", "rf_2B", "sram_2MB", "dram"]
    assert cores[0]["array"] == {"D1": 32, "D2": 32}
    path.write_text('family = "system"\nname = "pair"\ncores = ["cores/tpu.yaml", "cores/none.yaml"]\n')
    with pytest.raises(InputError, match=r"pair\.toml: cores\[1\]: .*none\.yaml: no such file"):
        load_arch(str(path))


def test_an_npu_core_is_not_refused_for_its_own_flash_capacity() -> None:
    """32 MiB of int8 weights overflow the U55's 16 MiB flash: alone it refuses the model; in a system the
    system's DRAM (of unstated capacity) holds them, and the core is priced op by op."""
    b = GraphBuilder("wide")
    b.linear(b.input((1, 16, 4096)), 8192, name="fc")
    workload = dataclasses.replace(b.build(), precision=Precision.INT8)
    core = load_arch("ethos-u55-128")
    with pytest.raises(InputError, match=r"flash holds 16,384\.0 KiB"):
        simulate(workload, core)
    metrics = simulate(workload, SystemConfig(name="one", cores=(core,)))
    assert metrics.dram_bytes >= 4096 * 8192
    assert metrics.total_cycles > 0
