"""Heterogeneous cores that cannot run an op: every scheduler places it elsewhere, and says why."""

from __future__ import annotations

import json

import pytest
from support.restricted import restricted_problem

from archsim.cli import main
from archsim.config.loader import load_arch
from archsim.system.costs import CoreCosts
from archsim.system.tiles import TaskOp
from mappers.multicore.checker import check_allocation
from mappers.multicore.cpsat import solve_exact
from mappers.multicore.genetic import genetic
from mappers.multicore.heft import heft
from mappers.multicore.problem import Allocation, SchedulingProblem
from workloads.errors import InputError
from workloads.registry import load_workload

FP16_LLM = "qwen2.5-0.5b:phase=prefill,prompt=16,layers=1"
"""An fp16 workload: the Ethos-U cores of the SoC presets run int8/int16 only."""


def on_allowed_cores(problem: SchedulingProblem, allocation: Allocation) -> bool:
    assert problem.allowed is not None
    return all(problem.allowed[u][allocation.core[u]] for u in range(problem.n))


@pytest.mark.parametrize("seed", range(4))
def test_every_scheduler_keeps_stacks_off_the_cores_that_refuse_them(seed: int) -> None:
    problem = restricted_problem(seed, n=12, cores=3)
    base = heft(problem)
    found = genetic(problem, generations=30, seed=seed)
    exact = solve_exact(problem, time_limit=20)
    for allocation in (base, found, exact.allocation):
        assert not check_allocation(problem, allocation)
        assert on_allowed_cores(problem, allocation)
    assert exact.optimal and exact.allocation.makespan <= found.makespan <= base.makespan


def test_a_zero_duration_on_a_refusing_core_would_tempt_a_scheduler_that_ignored_it() -> None:
    """The premise of the test above: the refused cores' 0 durations are where an unaware HEFT would go."""
    problem = restricted_problem(0, n=12, cores=3)
    unaware = heft(SchedulingProblem(problem.duration, problem.comm, problem.preds, False))
    assert not on_allowed_cores(problem, unaware)


def test_checker_flags_a_stack_on_a_core_that_cannot_run_it() -> None:
    problem = SchedulingProblem(((5, 0), (5, 5)), (0, 0), ((), (0,)), False, ((True, False), (True, True)))
    bad = Allocation(core=(1, 0), start=(0, 0), order=((1,), (0,)), makespan=5)
    assert any("cannot run it" in v for v in check_allocation(problem, bad))
    good = Allocation(core=(0, 1), start=(0, 5), order=((0,), (1,)), makespan=10)
    assert not check_allocation(problem, good)


def test_a_core_cost_names_the_familys_refusal() -> None:
    system = load_arch("system-soc5")
    npu = system.core_names.index("npu-u65")
    workload = load_workload(FP16_LLM)
    costs = CoreCosts(workload, system.cores[npu])
    layer = TaskOp(workload.nodes[0].name)
    reason = costs.refusal(layer)
    assert reason is not None and "int8/int16 only" in reason and "fp16" in reason
    with pytest.raises(InputError, match="cannot run"):
        costs.cost(layer)


@pytest.mark.parametrize(
    ("scheduler", "fusion"), [("list", "none"), ("exact", "auto"), ("genetic", "none"), ("pipeline", "auto")]
)
def test_fp16_llm_on_a_soc_runs_on_the_cores_that_take_fp16(scheduler: str, fusion: str, tmp_path) -> None:
    out = tmp_path / "run.json"
    argv = [
        "simulate",
        "-w",
        FP16_LLM,
        "-a",
        "system-soc5",
        "--scheduler",
        scheduler,
        "--fusion",
        fusion,
        "-o",
        str(out),
    ]
    assert main(argv) == 0
    result = json.loads(out.read_text())
    refused = result["schedule"]["refused"]
    assert set(refused) == {"npu-u65", "npu-u55"}
    assert all("int8/int16 only" in r["reason"] for r in refused.values())
    used = {layer["core"] for layer in result["layers"]}
    assert used and not used & set(refused)
    assert result["total"]["total_cycles"] > 0


def test_an_op_refused_by_one_core_alone_goes_elsewhere(tmp_path, capsys) -> None:
    """VGG-16's first layers need more activation SRAM than the Ethos-U55 core has: only that core refuses."""
    out = tmp_path / "vgg.json"
    assert main(["simulate", "-w", "vgg16", "-a", "system-soc5", "-o", str(out)]) == 0
    result = json.loads(out.read_text())
    refused = result["schedule"]["refused"]
    assert list(refused) == ["npu-u55"] and "KiB of sram" in refused["npu-u55"]["reason"]
    assert all(layer["core"] != "npu-u55" for layer in result["layers"] if layer["layer"] == "conv1_2")
    assert "note: npu-u55 cannot run 1 of the layers (first: conv1_2:" in capsys.readouterr().err


def test_a_system_no_core_of_which_runs_the_workload_exits_2_naming_each_core(capsys) -> None:
    assert main(["simulate", "-w", FP16_LLM, "-a", "system-ethos-u65-512x2"]) == 2
    err = capsys.readouterr().err
    assert "no core can run" in err and "u65-core0" in err and "u65-core1" in err and "int8/int16 only" in err


def test_a_homogeneous_system_has_no_refusals() -> None:
    from mappers.multicore.estimate import Estimator
    from mappers.multicore.fusion import no_fusion
    from mappers.multicore.problem import scheduling_problem
    from mappers.multicore.tasks import stack_graph

    system = load_arch("system-quad-systolic")
    workload = load_workload(FP16_LLM)
    est = Estimator(system, workload)
    problem = scheduling_problem(stack_graph(no_fusion(workload, system, est).stacks), system, est)
    assert problem.allowed is None and all(min(d) > 0 for d in problem.duration)


def two_u55(tmp_path) -> str:
    """A system of two Ethos-U55-128 cores, whose 4 MiB SRAM holds VGG-16's first layers in bands only."""
    path = tmp_path / "u55x2.toml"
    path.write_text('description = "two U55"\nfamily = "system"\ncores = ["ethos-u55-128", "ethos-u55-128"]\n')
    return str(path)


def test_a_layer_no_core_runs_whole_runs_fused_in_tiles_that_fit(tmp_path, capsys) -> None:
    arch = two_u55(tmp_path)
    assert main(["simulate", "-w", "vgg16", "-a", arch]) == 2
    assert "no core can run conv1_2" in capsys.readouterr().err
    out = tmp_path / "fused.json"
    assert main(["simulate", "-w", "vgg16", "-a", arch, "--fusion", "auto", "-o", str(out)]) == 0
    result = json.loads(out.read_text())
    assert "refused" not in result["schedule"]
    fused = [layer["layer"] for layer in result["layers"] if layer["layer"].startswith("conv1_1..")]
    assert fused and all("#" in name for name in fused)  # conv1_2 runs inside a stack cut into row tiles


def test_a_tiled_stack_is_judged_on_its_tiles() -> None:
    from mappers.multicore.estimate import Estimator
    from mappers.multicore.stacks import Stack

    system = load_arch("system-soc5")
    workload = load_workload("vgg16")
    est = Estimator(system, workload)
    u55 = system.core_names.index("npu-u55")
    nodes = tuple(n for n in workload.nodes if n.name in ("conv1_1", "conv1_2"))
    whole = Stack(workload, nodes, None)
    tiled = Stack(workload, nodes, 56)
    assert "KiB of sram" in (est.refusal(whole, u55) or "")
    assert est.refusal(tiled, u55) is None and u55 in est.runnable_cores(tiled)
