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


def weight_bytes_per_element(workload: Workload) -> dict[str, float]:
    """Op name -> bytes per weight element of its weights and their scales, for ops whose every
    weight tensor states its own precision (a graph at one precision stays as the family costs it)."""
    per_element: dict[str, float] = {}
    for node in workload.nodes:
        elements = getattr(node.op, "weight_elements", 0)
        if not elements or not getattr(node.op, "weight_operand", True):
            continue
        weights = [workload.tensor(name) for name in node.inputs]
        weights = [t for t in weights if t.kind is TensorKind.WEIGHT]
        if weights and all(t.precision is not None for t in weights):
            per_element[node.name] = sum(t.nbytes(workload.precision) for t in weights) / elements
    return per_element


def packed_weight_fraction(workload: Workload, word_bytes: float) -> dict[str, float]:
    """Op name -> DRAM words per weight element (< 1) for ops whose weights are packed below ``word_bytes``."""
    fractions = {name: b / word_bytes for name, b in weight_bytes_per_element(workload).items()}
    return {name: fraction for name, fraction in fractions.items() if fraction < 1}
