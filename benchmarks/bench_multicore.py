"""Multi-core benchmarks: fusion vs layer-by-layer, and list vs exact vs genetic allocation.

    python benchmarks/bench_multicore.py fusion      # ResNet-18, MobileNetV2, a BERT layer on the presets
    python benchmarks/bench_multicore.py schedulers  # makespans of HEFT, CP-SAT, GA; ResNet-50 timing
    python benchmarks/bench_multicore.py residency   # scratchpad mapper: row bands vs whole tensors

Every schedule passes the allocation checker and the timeline checker (physics) before it is printed.
"""

from __future__ import annotations

import argparse
import time

from archsim.config.loader import load_arch
from mappers.multicore.checker import check_allocation
from mappers.multicore.cpsat import solve_exact
from mappers.multicore.estimate import Estimator
from mappers.multicore.flow import evaluate_checked, plan_system
from mappers.multicore.fusion import no_fusion
from mappers.multicore.genetic import genetic
from mappers.multicore.heft import heft
from mappers.multicore.problem import SchedulingProblem, scheduling_problem
from mappers.multicore.synthetic import random_dag
from mappers.multicore.tasks import stack_graph
from workloads.registry import load_workload

WORKLOADS = ("resnet18", "mobilenet_v2", "transformer_encoder")
SYSTEMS = ("system-quad-systolic", "system-hetero", "system-ethos-u65-512x2")


def fusion_table() -> None:
    """DRAM bytes, energy, latency and EDP, layer-by-layer vs fused (and fused pipelined), per workload and system."""
    print("| workload | system | mode | DRAM MB | energy uJ | latency ms | EDP uJ*ms | search s |")
    print("|---|---|---|---:|---:|---:|---:|---:|")
    for name in WORKLOADS:
        workload = load_workload(name)
        for arch in SYSTEMS:
            system = load_arch(arch)
            for fusion, scheduler in (("none", "list"), ("auto", "list"), ("auto", "pipeline")):
                began = time.perf_counter()
                plan = plan_system(workload, system, fusion=fusion, scheduler=scheduler)
                seconds = time.perf_counter() - began
                m = evaluate_checked(workload, system, plan)
                mode = fusion if scheduler == "list" else "auto + pipeline"
                energy_uj, latency_ms = m.energy_pj / 1e6, m.latency_s * 1e3
                print(
                    f"| {name} | {arch} | {mode} | {m.dram_bytes / 1e6:.3f} | {energy_uj:,.1f} | "
                    f"{latency_ms:.3f} | {energy_uj * latency_ms:,.1f} | {seconds:.2f} |"
                )


def scheduler_table() -> None:
    """HEFT vs CP-SAT vs GA makespans (scheduling model) on random DAGs and zoo graphs."""
    print("| instance | stacks | cores | list (HEFT) | exact (CP-SAT) | proven | exact s | GA | GA s |")
    print("|---|---:|---:|---:|---:|---|---:|---:|---:|")
    cases: list[tuple[str, SchedulingProblem]] = []
    for n in (10, 20, 30):
        for seed in range(2):
            cases.append((f"random n={n} seed={seed}", random_dag(seed, n, 4)))
    for name, arch in (
        ("resnet18", "system-hetero"),
        ("mobilenet_v2", "system-hetero"),
        ("resnet50", "system-quad-systolic"),
    ):
        workload, system = load_workload(name), load_arch(arch)
        est = Estimator(system, workload)
        cases.append(
            (f"{name} on {arch}", scheduling_problem(stack_graph(no_fusion(workload, system, est).stacks), system, est))
        )
    for label, problem in cases:
        base = heft(problem)
        exact = solve_exact(problem, time_limit=60)
        began = time.perf_counter()
        ga = genetic(problem, seed=0)
        ga_s = time.perf_counter() - began
        for allocation in (base, exact.allocation, ga):
            assert not check_allocation(problem, allocation)
        print(
            f"| {label} | {problem.n} | {problem.cores} | {base.makespan:,} | {exact.allocation.makespan:,} | "
            f"{'yes' if exact.optimal else 'no (bound ' + format(exact.lower_bound, ',') + ')'} | "
            f"{exact.seconds:.1f} | {ga.makespan:,} | {ga_s:.1f} |"
        )
    workload, system = load_workload("resnet50"), load_arch("system-quad-systolic")
    for scheduler in ("list", "genetic"):
        began = time.perf_counter()
        plan = plan_system(workload, system, scheduler=scheduler)
        metrics = evaluate_checked(workload, system, plan)
        print(
            f"resnet50 on system-quad-systolic, {scheduler}: {len(plan.schedule.tasks)} tasks, "
            f"makespan {metrics.makespan_cycles:,.0f} cycles, mapped+evaluated in {time.perf_counter() - began:.2f} s"
        )


def residency_table(time_limit: float = 30.0) -> None:
    """Non-compulsory bytes of the scratchpad mapper, whole tensors vs row bands, at 25/50/75 % of peak."""
    from mappers.mapper import map_workload
    from mappers.problem import MappingProblem
    from mappers.tiles import tiled_workload

    print("| workload | scratchpad | whole: status, MB | 2 bands: status, MB | 4 bands: status, MB | best vs whole |")
    print("|---|---|---|---|---|---:|")
    for name in ("resnet18", "mobilenet_v2"):
        workload = load_workload(name)
        peak = MappingProblem(workload, 10**12).peak_working_set
        for fraction in (0.25, 0.5, 0.75):
            scratchpad = int(peak * fraction)
            cells, best = [], None
            whole = None
            for tiles in (1, 2, 4):
                graph = workload if tiles == 1 else tiled_workload(workload, tiles)
                result = map_workload(graph, scratchpad, time_limit=time_limit)
                value = result.noncompulsory_bytes
                whole = value if tiles == 1 else whole
                best = value if best is None else min(best, value)
                cells.append(f"{result.status.value}, {value / 1e6:.3f}")
            saved = 100 * (1 - best / whole) if whole else 0.0
            print(f"| {name} | {fraction:.0%} ({scratchpad / 1024:,.0f} KiB) | {' | '.join(cells)} | -{saved:.0f}% |")


TABLES = {"fusion": fusion_table, "schedulers": scheduler_table, "residency": residency_table}

if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("table", nargs="?", default="fusion", choices=sorted(TABLES), help="which table to print")
    TABLES[parser.parse_args().table]()
