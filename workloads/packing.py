"""Weights narrower than a datapath word, packed: how many DRAM words each weight element costs.

An LLM's int4/int8 weights (with their fp16 group scales) are tensors of the graph at
their own precision (:class:`workloads.graph.Tensor`). A family whose datapath word is
wider (a fp16 systolic array, an int8 FPGA engine reading int4 weights) stores them
packed in memory and unpacks them next to the array, so its weight DRAM traffic is the
tensors' bytes, not one word per element. Weights as wide as the word or wider are
converted to the datapath (the family's own word count, as before): no fraction above 1.
"""

from __future__ import annotations

from workloads.graph import TensorKind, Workload


def packed_weight_fraction(workload: Workload, word_bytes: float) -> dict[str, float]:
    """Op name -> DRAM words per weight element (< 1) for ops whose weights are packed below ``word_bytes``.

    Only ops whose every weight tensor states its own precision are packed (a graph at one
    precision stays as the family costs it); the weights' bytes include their scale tensors.
    """
    fractions: dict[str, float] = {}
    for node in workload.nodes:
        elements = getattr(node.op, "weight_elements", 0)
        if not elements or not getattr(node.op, "weight_operand", True):
            continue
        weights = [workload.tensor(name) for name in node.inputs]
        weights = [t for t in weights if t.kind is TensorKind.WEIGHT]
        if not weights or any(t.precision is None for t in weights):
            continue
        fraction = sum(t.nbytes(workload.precision) for t in weights) / (elements * word_bytes)
        if fraction < 1:
            fractions[node.name] = fraction
    return fractions
