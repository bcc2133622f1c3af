"""How a system prices its cores' ops: independent of what is priced beside them, FPGA cores included.

An op's cost is a property of the op and the core. An NPU plans a whole graph (weights copied under the
op before, its pass order), so its ops are priced one graph each; an FPGA core runs every op on one
engine, designed once for the workload as the FPGA family designs it for a network.
"""

from __future__ import annotations

import pytest

import mappers.multicore  # noqa: F401 - registers the multi-core simulator
from archsim.config.loader import load_arch
from archsim.config.system import SystemConfig
from archsim.simulate import simulate
from archsim.system.costs import CoreCosts, core_buffer_bytes
from archsim.system.metrics import core_peak_macs
from archsim.system.tiles import TaskOp
from workloads.registry import load_workload

PRESETS = ("ethos-u55-128", "ethos-u85-512", "fpga-zcu102-int8", "systolic-32x32", "loopnest-tpu-like")


@pytest.mark.parametrize("preset", PRESETS)
def test_an_ops_cost_does_not_depend_on_what_is_priced_beside_it(preset: str) -> None:
    workload, core = load_workload("mobilenet_v2"), load_arch(preset)
    together = CoreCosts(workload, core)
    together.prepare([TaskOp(node.name) for node in workload.nodes])
    for node in workload.nodes:
        assert CoreCosts(workload, core).cost(TaskOp(node.name)) == together.cost(TaskOp(node.name)), node.name


def test_an_fpga_core_runs_each_layer_on_the_engine_its_family_designs() -> None:
    """One FPGA core: its engine and every layer's compute cycles are the single-core family's."""
    workload, core = load_workload("mobilenet_v2"), load_arch("fpga-zcu102-int8")
    alone = simulate(workload, core)
    assert core_peak_macs(core, workload) == alone.peak_macs_per_cycle
    assert core_peak_macs(core) is None  # no workload, no engine
    costs = CoreCosts(workload, core)
    for row in alone.layers:
        assert costs.cost(TaskOp(row.layer)).compute_cycles == row.compute_cycles, row.layer


def test_a_system_with_an_fpga_core_runs_within_its_peaks() -> None:
    """MobileNetV2 and a GPT-2 decode step on an FPGA core beside a systolic array: the timeline passes the
    physics referee (every task under its core's peak) and utilization stays under 100%."""
    system = SystemConfig(name="pair", cores=(load_arch("fpga-zcu102-int8"), load_arch("systolic-32x32")))
    for spec in ("mobilenet_v2", "gpt2:phase=decode,layers=1"):
        metrics = simulate(load_workload(spec), system)
        total = metrics.total()
        assert 0 < total["overall_util_pct"] <= 100, spec
        assert metrics.peak_macs_per_cycle == pytest.approx(
            core_peak_macs(system.cores[0], load_workload(spec)) / system.core_clock_ratio(0) + 1024
        )


def test_an_fpga_cores_buffer_is_the_block_ram_a_design_may_use() -> None:
    core = load_arch("fpga-zcu102-int8")
    assert core_buffer_bytes(core) == int(core.board_spec.bram18k * 18 * 1024 / 8 * core.utilization_cap)
