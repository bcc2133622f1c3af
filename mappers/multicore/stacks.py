"""Fused stacks: consecutive layers run tile by tile, with what each tile computes and holds.

A stack is a run of layers in topological order whose intermediates are read
only inside it; it runs as bands of ``tile_rows`` rows of its last layer's
output. Each layer computes, per tile, only its rows not computed before (the
rows overlapping with the previous tile's input halo stay on chip, DeFiNES's
"fully cached" mode), so fusion adds no recomputation; its cost is smaller
tiles on the array. A tile holds: the input rows each layer reads for the band
(halo included), the band of the stack's output, and the stack's weights
(or, when they do not fit beside the rows, the weights are re-read every tile).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from archsim.system.tiles import input_rows_end, output_rows, row_tileable, tensor_rows, tile_bounds
from workloads.graph import Node, TensorKind, Workload


@dataclass(frozen=True)
class Stack:
    """Layers ``nodes`` (topological order) run in bands of ``tile_rows`` rows of the last layer's output."""

    workload: Workload
    nodes: tuple[Node, ...]
    tile_rows: int | None
    """None: the stack runs whole (one tile), as layer-by-layer execution does for one layer."""

    @property
    def names(self) -> tuple[str, ...]:
        """Layer names."""
        return tuple(n.name for n in self.nodes)

    @cached_property
    def inputs(self) -> tuple[str, ...]:
        """Activation tensors read from outside the stack (graph inputs included)."""
        produced = {t for n in self.nodes for t in n.outputs}
        acts = [
            t
            for n in self.nodes
            for t in n.inputs
            if t not in produced and self.workload.tensor(t).kind is not TensorKind.WEIGHT
        ]
        return tuple(dict.fromkeys(acts))

    @property
    def output(self) -> str:
        """The tensor the stack hands on (its last layer's output)."""
        return self.nodes[-1].outputs[0]

    @cached_property
    def weights(self) -> tuple[str, ...]:
        """Weight tensors of the stack's layers."""
        return tuple(
            dict.fromkeys(t for n in self.nodes for t in n.inputs if self.workload.tensor(t).kind is TensorKind.WEIGHT)
        )

    @cached_property
    def bands(self) -> list[tuple[int, int]]:
        """Bands of the last layer's output rows, one per tile."""
        rows = output_rows(self.workload, self.nodes[-1]) or 1
        return tile_bounds(rows, self.tile_rows or rows)

    @cached_property
    def row_ends(self) -> dict[str, list[int]]:
        """Per layer, the exclusive end of its output rows computed after each tile (cumulative)."""
        ends: dict[str, list[int]] = {}
        inside = {n.name: n for n in self.nodes}
        consumers: dict[str, list[Node]] = {}
        for n in self.nodes:
            for t in n.inputs:
                consumers.setdefault(t, []).append(n)
        for node in reversed(self.nodes):
            total = output_rows(self.workload, node) or 1
            if node is self.nodes[-1]:
                ends[node.name] = [end for _, end in self.bands]
                continue
            per_tile = []
            for k in range(len(self.bands)):
                need = max(
                    input_rows_end(self.workload, c, node.outputs[0], ends[c.name][k])
                    for c in consumers[node.outputs[0]]
                    if c.name in inside
                )
                per_tile.append(min(total, max(need, per_tile[-1] if per_tile else 0)))
            per_tile[-1] = total
            ends[node.name] = per_tile
        return ends

    def rows_in_tile(self, layer: str, tile: int) -> int:
        """Output rows of ``layer`` computed in tile ``tile`` (0 when the tile needs none new)."""
        ends = self.row_ends[layer]
        return ends[tile] - (ends[tile - 1] if tile else 0)

    def input_band(self, tensor: str, tile: int) -> tuple[int, int]:
        """Rows ``[start, end)`` of stack input ``tensor`` first needed by tile ``tile`` (new rows only)."""
        end = 0
        previous = 0
        for node in self.nodes:
            if tensor in node.inputs:
                end = max(end, input_rows_end(self.workload, node, tensor, self.row_ends[node.name][tile]))
                if tile:
                    previous = max(
                        previous, input_rows_end(self.workload, node, tensor, self.row_ends[node.name][tile - 1])
                    )
        return previous, max(previous, end)

    def row_bytes(self, tensor: str) -> int:
        """Bytes of one row of ``tensor``."""
        return -(-self.workload.tensor_bytes(tensor) // tensor_rows(self.workload.tensor(tensor).shape))

    @cached_property
    def weight_bytes(self) -> int:
        """Bytes of the stack's weights."""
        return sum(self.workload.tensor_bytes(w) for w in self.weights)

    @cached_property
    def rows_bytes(self) -> int:
        """Peak on-chip bytes of activation rows over the tiles (halo windows, line buffers, output band)."""
        if self.tile_rows is None:
            tensors = {*self.inputs, *(t for n in self.nodes for t in n.outputs)}
            return sum(self.workload.tensor_bytes(t) for t in tensors)
        peak = 0
        for k in range(len(self.bands)):
            held = 0
            for node in self.nodes:
                end_out = self.row_ends[node.name][k]
                start_out = self.row_ends[node.name][k - 1] if k else 0
                for t in node.inputs:
                    if self.workload.tensor(t).kind is TensorKind.WEIGHT:
                        continue
                    first = input_rows_end(self.workload, node, t, start_out) if start_out else 0
                    halo = _halo_rows(node)
                    last = input_rows_end(self.workload, node, t, end_out)
                    held += max(0, last - max(0, first - halo)) * self.row_bytes(t)
            held += self.rows_in_tile(self.nodes[-1].name, k) * self.row_bytes(self.output)
            peak = max(peak, held)
        return peak

    def fits(self, buffer_bytes: int) -> bool:
        """True when one tile's rows fit on chip (weights may then be re-read per tile)."""
        return self.rows_bytes <= buffer_bytes

    def weights_resident(self, buffer_bytes: int) -> bool:
        """True when the weights stay on chip across tiles beside the rows."""
        return self.rows_bytes + self.weight_bytes <= buffer_bytes


def _halo_rows(node: Node) -> int:
    """Input rows a convolution's next band shares with the previous one (kernel - stride, >= 0)."""
    op = node.op
    kernel = getattr(op, "eff_kernel_h", 1)
    stride = getattr(op, "stride_h", 1)
    return max(0, kernel - stride)


def fusable_range(workload: Workload, nodes: tuple[Node, ...]) -> bool:
    """True when ``nodes`` can form a stack: every layer row-tileable, one tensor leaving it.

    Intermediates must be read only inside the stack (only the last layer's output leaves).
    """
    if not all(row_tileable(workload, n) for n in nodes):
        return False
    inside = {n.name for n in nodes}
    for node in nodes[:-1]:
        for t in node.outputs:
            readers = workload.consumers[t]
            if not readers or any(r not in inside for r in readers):
                return False
    return True


__all__ = ["Stack", "fusable_range"]
