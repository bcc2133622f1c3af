"""Right operands narrower than a datapath word, packed: how many DRAM words each element costs.

An LLM's int4/int8 weights (with their fp16 group scales) and its int4/int8 KV cache (with its
scales) are tensors of the graph at their own precision (:class:`workloads.graph.Tensor`). A
family whose datapath word is wider (a fp16 systolic array, an int8 FPGA engine reading int4
weights) stores them packed in memory and unpacks them next to the array, so the DRAM traffic of
a matmul's right operand (the weights, or the cached keys/values an attention matmul reads) is
the tensors' bytes, not one word per element: int8 values with fp16 group scales on an int8 word
cost 1 + 2 / group words each (the scales are read too). Values wider than the word are converted to
the datapath (the family's own word count, as before).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from workloads.graph import Node, Tensor, TensorKind, Workload


def cached_operand(workload: Workload, node: Node) -> list[Tensor]:
    """The graph inputs an activation-activation matmul reads as its right operand (a decode step's KV
    cache and its scales, after the left operand); empty for any other op."""
    if getattr(node.op, "weight_operand", True):
        return []
    right = [workload.tensor(name) for name in node.inputs[1:]]
    return right if right and all(t.kind is TensorKind.INPUT for t in right) else []


def right_operand_bytes(workload: Workload) -> dict[str, tuple[float, float]]:
    """Op name -> (bytes per element of its right operand with its scales, bytes of one bare element), for
    ops whose every right-operand tensor states its own precision (a graph at one precision stays as the
    family costs it).

    The right operand of a weight op is its weight tensors; of an activation-activation matmul, the
    :func:`cached_operand` it reads, if any.
    """
    per_element: dict[str, tuple[float, float]] = {}
    for node in workload.nodes:
        elements = getattr(node.op, "weight_elements", 0)
        if not elements:
            continue
        if getattr(node.op, "weight_operand", True):
            right = [t for t in (workload.tensor(name) for name in node.inputs) if t.kind is TensorKind.WEIGHT]
        else:
            right = cached_operand(workload, node)
        if right and all(t.precision is not None for t in right):
            bare = max(right, key=lambda t: t.numel)  # the values; their scales are the smaller tensor
            total = sum(t.nbytes(workload.precision) for t in right) / elements
            per_element[node.name] = (total, bare.nbytes(workload.precision) / bare.numel)
    return per_element


def words_per_element(total: float, bare: float, word_bytes: Any) -> Any:
    """DRAM words per right-operand element on a ``word_bytes`` datapath (a number or an array of designs'):
    values no wider than a word are read packed, scales and all (``total / word``); wider ones are
    converted to the word (1)."""
    return np.where(bare <= word_bytes, total / word_bytes, 1.0)


def packed_weight_fraction(workload: Workload, word_bytes: float) -> dict[str, float]:
    """Op name -> DRAM words per right-operand element of the ops read packed (:func:`words_per_element`
    other than 1: above 1 only by word-wide values' scales)."""
    fractions = {
        name: float(words_per_element(total, bare, word_bytes))
        for name, (total, bare) in right_operand_bytes(workload).items()
    }
    return {name: fraction for name, fraction in fractions.items() if fraction != 1}
