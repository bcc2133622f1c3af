"""Problem set-up: bytes at a precision, the streaming rule, the too-small error, compulsory bytes."""

from __future__ import annotations

import pytest

from mappers.problem import MappingProblem, row_slice_bytes
from workloads.builder import GraphBuilder
from workloads.errors import InputError
from workloads.graph import Workload
from workloads.precision import Precision


def test_compulsory_bytes_are_weights_inputs_and_outputs(residual: Workload) -> None:
    problem = MappingProblem(residual, 1 << 20)
    weights = sum(problem.tensor_bytes[t.name] for t in residual.tensors if t.kind.value == "weight")
    assert problem.compulsory_bytes == weights + problem.tensor_bytes["input"] + problem.tensor_bytes["fc:out"]


def test_precision_scales_bytes(residual: Workload) -> None:
    int8 = MappingProblem(residual, 1 << 20, Precision.INT8)
    fp16 = MappingProblem(residual, 1 << 20, Precision.FP16)
    assert fp16.tensor_bytes["stem:out"] == 2 * int8.tensor_bytes["stem:out"]


def test_ops_over_capacity_are_streamed(residual: Workload) -> None:
    problem = MappingProblem(residual, 1000)
    streamed = {op.name for op in problem.ops if op.streamed}
    assert "b0.add" in streamed  # three 512-byte tensors
    assert "fc" not in streamed
    for op in problem.ops:
        assert op.streamed == (op.working_bytes > 1000)


def test_conv_window_covers_the_filter_height() -> None:
    b = GraphBuilder("one")
    b.conv(b.input((1, 4, 16, 16)), 4, 3, name="c")
    problem = MappingProblem(b.build(), 600)
    op = problem.ops[0]
    assert op.streamed
    assert op.window_bytes == 3 * (4 * 16) + 4 * 16


def test_too_small_scratchpad_names_the_op_and_bytes() -> None:
    b = GraphBuilder("one")
    b.conv(b.input((1, 4, 16, 16)), 4, 3, name="c")
    with pytest.raises(InputError, match=r"op 'c' needs at least 256 bytes"):
        MappingProblem(b.build(), 100)


def test_row_slice_rule() -> None:
    assert row_slice_bytes((1, 8, 10, 12), 960) == 96
    assert row_slice_bytes((2, 128, 64), 16384) == 128
    assert row_slice_bytes((4, 10), 40) == 10
    assert row_slice_bytes((7,), 7) == 7


def test_peak_working_set_of_a_chain() -> None:
    b = GraphBuilder("chain")
    x = b.conv(b.input((1, 1, 4, 4)), 2, 1, name="a")
    b.conv(x, 4, 1, name="b")
    assert MappingProblem(b.build(), 1 << 20).peak_working_set == 32 + 64


def test_bad_scratchpad_size(residual: Workload) -> None:
    with pytest.raises(InputError, match="scratchpad"):
        MappingProblem(residual, 0)
