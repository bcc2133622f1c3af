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


@settings(max_examples=25, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
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


def test_a_full_model_cannot_slide_a_tensor_by_a_fractional_load() -> None:
    """A graph hypothesis found: with continuous loads, the model with offsets moved ``conv0:out`` 4 bytes per
    step for 4/132 of a load (a fractional lower bound of 2 bytes), and the rebuilt integer offsets then put
    ``cat6:out`` past the 132-byte scratchpad. Binary loads give a placeable optimum, proven at 32 bytes."""
    b = GraphBuilder("random")
    x = b.input((1, 2, 4, 4))
    c0 = b.conv(x, 1, 1, name="conv0")
    c1 = b.conv(x, 2, 1, name="conv1")
    b.concat([x, c0], name="cat2")
    c3 = b.conv(x, 2, 1, name="conv3")
    b.concat([c3, x], name="cat4")
    b.concat([c3, c1], name="cat5")
    b.concat([c0, c1], name="cat6")
    b.conv(x, 1, 1, name="conv7")
    workload = b.build()
    capacity = int(MappingProblem(workload, 1 << 30).peak_working_set * 0.75)
    assert capacity == 132
    result = map_workload(workload, capacity, time_limit=3)
    check(workload, capacity, result.to_payload())
    assert result.status is Status.OPTIMAL
    assert result.noncompulsory_bytes == 32 == result.solver["lower_bound_noncompulsory"]
