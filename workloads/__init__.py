"""Workload IR (ops, tensors, DAG) and where workloads come from (zoo, families, files)."""

from workloads.builder import GraphBuilder
from workloads.errors import InputError
from workloads.graph import Node, Tensor, TensorKind, Workload
from workloads.ops import Activation, Conv2d, MatMul, Op, VectorFn, VectorOp
from workloads.precision import Precision
from workloads.registry import load_workload, zoo_names

__all__ = [
    "Activation",
    "Conv2d",
    "GraphBuilder",
    "InputError",
    "MatMul",
    "Node",
    "Op",
    "Precision",
    "Tensor",
    "TensorKind",
    "VectorFn",
    "VectorOp",
    "Workload",
    "load_workload",
    "zoo_names",
]
