"""Hypothesis over random small DAGs: every result passes the checker and beats or ties every baseline."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mappers.checker import check
from mappers.mapper import map_workload
from mappers.problem import MappingProblem
from mappers.result import Status
from workloads.builder import GraphBuilder
from workloads.graph import Workload


@st.composite
def dags(draw: st.DrawFn) -> Workload:
    """4-8 ops on 4x4 maps: 1x1 convs of random width, and concats of two earlier tensors."""
    b = GraphBuilder("random")
    tensors = [b.input((1, draw(st.integers(1, 3)), 4, 4))]
    for k in range(draw(st.integers(4, 8))):
        if len(tensors) >= 2 and draw(st.booleans()):
            i, j = draw(st.lists(st.integers(0, len(tensors) - 1), min_size=2, max_size=2, unique=True))
            tensors.append(b.concat([tensors[i], tensors[j]], name=f"cat{k}"))
        else:
            src = tensors[draw(st.integers(0, len(tensors) - 1))]
            tensors.append(b.conv(src, draw(st.integers(1, 4)), 1, name=f"conv{k}"))
    return b.build()


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(workload=dags(), fraction=st.floats(0.3, 1.0))
def test_mapper_results_are_valid_and_never_worse(workload: Workload, fraction: float) -> None:
    peak = MappingProblem(workload, 1 << 30).peak_working_set
    smallest = max(op.window_bytes or op.working_bytes for op in MappingProblem(workload, 1 << 30).ops)
    capacity = max(int(peak * fraction), 64)
    try:
        result = map_workload(workload, capacity, time_limit=3)
    except ValueError as exc:
        assert "needs at least" in str(exc)
        assert capacity < smallest
        return
    replayed = check(workload, capacity, result.to_payload())
    assert replayed.offchip_bytes == result.offchip_bytes
    assert result.status in set(Status)
    for baseline in result.baselines.values():
        assert result.noncompulsory_bytes <= baseline.noncompulsory_bytes
