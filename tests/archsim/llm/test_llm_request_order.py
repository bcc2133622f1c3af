"""A request's decode step waits for its prefill (the workload's ``after``), on every scheduler.

Before the wait a system scheduled the two phases' independent sub-graphs side by side, so their
DRAM and cores were shared and the request's TTFT came out above a prefill-only spec's (77.3 ->
82.7 ms for two Llama-3.2-1B layers on ``system-quad-systolic``); now a request's TTFT and TPOT are
those of its phases run alone.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from archsim.cli import main
from archsim.config.loader import load_arch
from archsim.metrics import LayerMetrics, NetworkMetrics
from archsim.simulate import simulate
from mappers.multicore.flow import simulate_system
from mappers.problem import MappingProblem
from workloads.graph import Node, Tensor, TensorKind, Workload
from workloads.llm.build import build_llm
from workloads.llm.spec import parse_spec
from workloads.ops import VectorFn, VectorOp

MODEL = "llama3.2-1b:layers=2,wbits=8,abits=8,kvbits=8"


def _workload(phase: str) -> Workload:
    return build_llm(parse_spec(f"{MODEL},{phase}"))


def _phase_rows(metrics: NetworkMetrics, phase: str) -> list[LayerMetrics]:
    return [row for row in metrics.layers if row.layer.startswith(f"{phase}.")]


def test_a_request_orders_its_decode_roots_after_the_prefill_and_other_phases_have_no_waits() -> None:
    request = _workload("phase=request,prompt=64,tokens=8")
    last_prefill = [n.name for n in request.nodes if n.name.startswith("prefill.")][-1]
    assert last_prefill == "prefill.lm_head"
    assert request.after == (("prefill.lm_head", "decode.L0.norm1"),)
    assert _workload("phase=prefill,prompt=64").after == () == _workload("phase=decode,context=64").after


@pytest.mark.parametrize("scheduler", ["list", "genetic", "pipeline", "exact"])
def test_on_a_system_a_request_starts_its_decode_after_its_prefill(scheduler: str) -> None:
    system = load_arch("system-hetero")
    request = simulate_system(_workload("phase=request,prompt=64,tokens=8"), system, scheduler=scheduler)
    first_decode = min(row.extras["start_cycle"] for row in _phase_rows(request, "decode"))
    last_prefill = max(row.extras["end_cycle"] for row in _phase_rows(request, "prefill"))
    assert first_decode >= last_prefill > 0
    assert request.makespan_cycles == max(row.extras["end_cycle"] for row in _phase_rows(request, "decode"))


def test_request_ttft_on_a_system_equals_the_prefill_spec() -> None:
    system = load_arch("system-quad-systolic")
    spec = "llama3.2-1b:layers=2"
    request = simulate(build_llm(parse_spec(f"{spec},phase=request,prompt=128,tokens=16")), system).total()
    prefill = simulate(build_llm(parse_spec(f"{spec},phase=prefill,prompt=128")), system).total()
    assert request["ttft_s"] == pytest.approx(prefill["ttft_s"], rel=1e-12)
    assert round(1e3 * request["ttft_s"], 1) == 77.3
    assert request["latency_s"] == pytest.approx(request["ttft_s"] + request["tpot_s"], rel=1e-9)
    unordered = dataclasses.replace(build_llm(parse_spec(f"{spec},phase=request,prompt=128,tokens=16")), after=())
    assert round(1e3 * simulate(unordered, system).total()["ttft_s"], 1) == 82.7  # the phases side by side


def _two_branches(after: tuple[tuple[str, str], ...]) -> Workload:
    tensors = [Tensor(n, (4, 8), TensorKind.INPUT) for n in ("x", "y")]
    tensors += [Tensor(f"{n}:out", (4, 8), TensorKind.ACTIVATION) for n in ("a", "b")]
    nodes = (
        Node(VectorOp("a", VectorFn.ADD, 32, 32), ("x",), ("a:out",)),
        Node(VectorOp("b", VectorFn.ADD, 32, 32), ("y",), ("b:out",)),
    )
    return Workload("two", nodes, tuple(tensors), after=after)


def test_after_is_validated_and_joins_the_mappers_precedence() -> None:
    with pytest.raises(ValueError, match=r"'after' names unknown ops \['c'\]"):
        _two_branches((("a", "c"),))
    with pytest.raises(ValueError, match="'after' puts 'a' after 'b', which comes later"):
        _two_branches((("b", "a"),))
    assert MappingProblem(_two_branches(()), 1 << 20).predecessors == (frozenset(), frozenset())
    waits = MappingProblem(_two_branches((("a", "b"),)), 1 << 20).predecessors
    assert waits == (frozenset(), frozenset({0}))


def test_the_workload_command_shows_the_wait(tmp_path: Path) -> None:
    out = tmp_path / "w.json"
    spec = "llama3.2-1b:phase=request,prompt=16,tokens=4,layers=1"
    assert main(["workload", spec, "--format", "json", "-o", str(out)]) == 0
    ops = {op["name"]: op for op in json.loads(out.read_text())["ops"]}
    assert ops["decode.L0.norm1"]["after"] == ["prefill.lm_head"]
    assert [name for name, op in ops.items() if "after" in op] == ["decode.L0.norm1"]
    table = tmp_path / "w.txt"
    assert main(["workload", spec, "-o", str(table)]) == 0
    assert "after prefill.lm_head" in table.read_text()
