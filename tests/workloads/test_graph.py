"""The workload DAG: validation, edges, bytes."""

from __future__ import annotations

import pytest

from workloads.builder import GraphBuilder
from workloads.graph import Node, Tensor, TensorKind, Workload
from workloads.ops import Activation, MatMul, VectorFn
from workloads.precision import Precision


def _residual_block() -> Workload:
    b = GraphBuilder("block")
    x = b.input((1, 16, 8, 8))
    y = b.conv(x, 16, 3, activation=Activation.RELU, name="c1")
    y = b.conv(y, 16, 3, name="c2")
    z = b.add(x, y, name="add")
    z = b.global_avgpool(z, name="gap")
    b.linear(z, 10, name="fc")
    return b.build()


def test_builder_makes_a_valid_dag_with_edges() -> None:
    w = _residual_block()
    assert [n.name for n in w] == ["c1", "c2", "add", "gap", "fc"]
    assert w.consumers["input"] == ("c1", "add")
    assert w.producers["c2:out"] == "c2"
    assert w.graph_outputs == ("fc:out",)
    assert w.tensor_role("fc:out") == "output"
    assert w.tensor_role("c1:w") == "weight"
    assert w.total_macs == 2 * 8 * 8 * 16 * 16 * 9 + 16 * 10


def test_bytes_follow_precision() -> None:
    w = _residual_block()
    assert w.tensor_bytes("c1:w") == 16 * 16 * 9
    assert w.with_precision(Precision.FP32).tensor_bytes("c1:w") == 4 * 16 * 16 * 9
    assert w.tensor_bytes("c1:w", Precision.INT4) == 16 * 16 * 9 // 2


def test_out_of_order_nodes_are_rejected() -> None:
    op = MatMul("a", 1, 4, 4)
    op2 = MatMul("b", 1, 4, 4)
    tensors = (
        Tensor("x", (1, 4), TensorKind.INPUT),
        Tensor("a:w", (4, 4), TensorKind.WEIGHT),
        Tensor("b:w", (4, 4), TensorKind.WEIGHT),
        Tensor("a:out", (1, 4), TensorKind.ACTIVATION),
        Tensor("b:out", (1, 4), TensorKind.ACTIVATION),
    )
    nodes = (Node(op2, ("a:out", "b:w"), ("b:out",)), Node(op, ("x", "a:w"), ("a:out",)))
    with pytest.raises(ValueError, match="before any op writes it"):
        Workload("bad", nodes, tensors)


def test_tensor_written_twice_is_rejected() -> None:
    tensors = (
        Tensor("x", (1, 4), TensorKind.INPUT),
        Tensor("w", (4, 4), TensorKind.WEIGHT),
        Tensor("y", (1, 4), TensorKind.ACTIVATION),
    )
    nodes = (Node(MatMul("a", 1, 4, 4), ("x", "w"), ("y",)), Node(MatMul("b", 1, 4, 4), ("x", "w"), ("y",)))
    with pytest.raises(ValueError, match="written by two ops"):
        Workload("bad", nodes, tensors)


def test_attention_shapes_through_builder() -> None:
    b = GraphBuilder("attn")
    x = b.input((1, 128, 768))
    q = b.reshape(b.linear(x, 768, name="q"), (12, 128, 64), name="q_heads")
    k = b.reshape(b.linear(x, 768, name="k"), (12, 128, 64), name="k_heads")
    s = b.matmul(q, k, transpose_b=True, name="qk")
    b.softmax(s, name="softmax")
    w = b.build()
    qk = next(n.op for n in w if n.name == "qk")
    assert (qk.batch, qk.m, qk.n, qk.k, qk.weight_operand) == (12, 128, 128, 64, False)
    assert w.tensor("softmax:out").shape == (12, 128, 128)
    assert next(n.op for n in w if n.name == "softmax").fn is VectorFn.SOFTMAX


def test_same_padding_matches_tensorflow() -> None:
    b = GraphBuilder("pad")
    x = b.input((1, 3, 224, 224))
    y = b.conv(x, 32, 3, stride=2, padding="same")
    assert b.shape(y) == (1, 32, 112, 112)
    z = b.pool(y, VectorFn.MAXPOOL, 3, 2, padding="same")
    assert b.shape(z) == (1, 32, 56, 56)
