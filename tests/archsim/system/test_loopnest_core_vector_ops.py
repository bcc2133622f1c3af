"""Loop-nest cores of a system price vector ops on their vector unit and read packed low-bit weights.

A native system prices a layernorm or softmax as the single-core loop-nest family does on the core
without its off-chip memory's cost (same cycles and energy; the system's DRAM moves those bytes); a
Stream-loaded system keeps them free, as Stream drops its pooling and SIMD side cores.
"""

from __future__ import annotations

import pytest

import mappers.multicore  # noqa: F401 - registers the multi-core simulator
from archsim.config.loader import load_arch
from archsim.config.system import SystemConfig
from archsim.simulate import simulate
from archsim.system.costs import CoreCosts, LoopNestPricing, OpCost, core_pricing
from archsim.system.loopnest_cores import on_chip_view
from archsim.system.tiles import TaskOp
from tests.support.paths import REPO
from workloads.builder import GraphBuilder
from workloads.graph import Workload
from workloads.registry import load_workload

PRESETS = ("loopnest-tpu-like", "loopnest-eyeriss-like")
VECTOR = ("ln", "sm")


def block() -> Workload:
    """A layernorm, a matmul and a softmax over 64 tokens of 256 features."""
    b = GraphBuilder("block")
    x = b.layernorm(b.input((1, 64, 256)), name="ln")
    b.softmax(b.linear(x, 256, name="fc"), name="sm")
    return b.build()


@pytest.mark.parametrize("arch", PRESETS)
def test_vector_ops_cost_what_the_single_core_family_says(arch: str) -> None:
    workload, core = block(), load_arch(arch)
    single = {row.layer: row for row in simulate(workload, on_chip_view(core)).layers}
    costs = CoreCosts(workload, core, LoopNestPricing("search"))
    for name in VECTOR:
        cost = costs.cost(TaskOp(name))
        assert cost.compute_cycles > 0 and cost.energy_pj > 0 and cost.macs == 0
        assert cost.compute_cycles == single[name].total_cycles
        assert cost.energy_pj == pytest.approx(single[name].energy_pj, rel=1e-12)


def test_a_native_system_schedules_the_vector_ops_for_their_time() -> None:
    system = SystemConfig(name="two-loopnest", cores=tuple(load_arch(a) for a in PRESETS))
    rows = {row.layer: row for row in simulate(block(), system).layers}
    for name in VECTOR:
        assert rows[name].extras["end_cycle"] > rows[name].extras["start_cycle"], name
        assert rows[name].energy_pj > 0, name


def test_stream_priced_cores_keep_vector_ops_free() -> None:
    workload = block()
    system = load_arch(REPO / "tests" / "mappers" / "multicore" / "data" / "stream_hw" / "tpu_like_quad_core.yaml")
    costs = CoreCosts(workload, system.cores[0], core_pricing(system, 0))
    assert all(costs.cost(TaskOp(name)).compute_cycles == 0 for name in VECTOR)
    assert costs.cost(TaskOp("fc")).compute_cycles > 0
    zigzag = CoreCosts(workload, load_arch("loopnest-tpu-like"), LoopNestPricing("zigzag"))
    assert all(zigzag.cost(TaskOp(name)) == OpCost(0, 0.0, 0) for name in VECTOR)


def test_packed_weights_halve_a_weight_bound_matmul_on_a_core() -> None:
    """The qkv projection of a Llama-3.2-1B decode step (one token) on one ``loopnest-tpu-like`` core with the
    preset's 30 GB/s DRAM (43 B per 700 MHz cycle): the system reads the packed weights and their scales,
    3,244,032 bytes and 76,261 cycles at W4, 6,389,760 bytes and 149,418 cycles at W8."""
    system = SystemConfig(name="one", cores=(load_arch("loopnest-tpu-like"),), clock_mhz=700, dram_bytes_per_cycle=43)
    seen = {}
    for bits in (4, 8):
        workload = load_workload(f"llama3.2-1b:phase=decode,context=512,batch=1,layers=1,wbits={bits}")
        row = next(r for r in simulate(workload, system).layers if r.layer == "decode.L0.qkv")
        seen[bits] = (row.extras["dram_read_bytes"], row.total_cycles)
    assert seen == {4: (3244032, 76261), 8: (6389760, 149418)}
