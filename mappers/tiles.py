"""Tiles as units of residency: a workload rewritten so that row bands are tensors of their own.

The graph-level mapper keeps or spills whole tensors, so on chain-like networks
a feature map either fits or does not. Cutting every row-tileable layer into
``tiles`` bands of output rows (each band an op of its own, each band of a
feature map a tensor of its own) lets the same mapper, exact search and
checker keep parts of a feature map on chip across layers: a band op reads the
bands of its input that hold the rows it needs (the halo of a convolution may
reach into the neighbouring band), so running band 0 of several layers before
band 1 of the first is depth-first fusion, found by the mapper's own search.

MACs are preserved (each band op computes its rows once); weights are shared
by a layer's band ops, so they stay compulsory once. Layers that are not
row-tileable (global pooling, classifiers, activation x activation matmuls)
stay whole and read every band of their input.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING

from archsim.system.tiles import cut_layer, input_rows_end, output_rows, row_tileable, tile_bounds
from workloads.errors import InputError
from workloads.graph import Node, Tensor, TensorKind, Workload

if TYPE_CHECKING:
    from mappers.result import MappingResult


def band_name(tensor: str, k: int) -> str:
    """Name of band ``k`` of ``tensor``."""
    return f"{tensor}#{k}"


def tiled_workload(workload: Workload, tiles: int) -> Workload:
    """``workload`` with every row-tileable layer of at least ``tiles`` output rows cut into ``tiles`` bands."""
    if not isinstance(tiles, int) or tiles < 1:
        raise ValueError(f"tiles must be a positive integer, got {tiles!r}")
    bands: dict[str, list[tuple[int, int]]] = {}
    for tensor in workload.tensors:
        if tensor.kind is TensorKind.INPUT and len(tensor.shape) >= 2 and tensor.shape[-2] >= tiles:
            bands[tensor.name] = tile_bounds(tensor.shape[-2], math.ceil(tensor.shape[-2] / tiles))
    split = {
        node.name
        for node in workload.nodes
        if row_tileable(workload, node) and (output_rows(workload, node) or 0) >= tiles
    }
    for node in workload.nodes:
        if node.name in split:
            rows = output_rows(workload, node) or 1
            bands[node.outputs[0]] = tile_bounds(rows, math.ceil(rows / tiles))
    tensors: dict[str, Tensor] = {}
    nodes: list[Node] = []

    def band_tensor(name: str, k: int) -> str:
        tensor = workload.tensor(name)
        start, end = bands[name][k]
        shape = (*tensor.shape[:-2], end - start, tensor.shape[-1])
        fresh = band_name(name, k)
        tensors.setdefault(fresh, Tensor(fresh, shape, tensor.kind, tensor.precision))
        return fresh

    def whole(name: str) -> list[str]:
        if name in bands:
            return [band_tensor(name, k) for k in range(len(bands[name]))]
        tensors.setdefault(name, workload.tensor(name))
        return [name]

    for node in workload.nodes:
        if node.name not in split:
            inputs = [t for name in node.inputs for t in whole(name)]
            for t in node.outputs:
                tensors.setdefault(t, workload.tensor(t))
            nodes.append(Node(node.op, tuple(dict.fromkeys(inputs)), node.outputs))
            continue
        out = node.outputs[0]
        for k, (start, end) in enumerate(bands[out]):
            inputs: list[str] = []
            for name in node.inputs:
                tensor = workload.tensor(name)
                if tensor.kind is TensorKind.WEIGHT or name not in bands:
                    inputs += whole(name)
                    continue
                first = input_rows_end(workload, node, name, start) if start else 0
                first = max(0, first - _halo(node))
                last = input_rows_end(workload, node, name, end)
                inputs += [
                    band_tensor(name, j)
                    for j, (lo, hi) in enumerate(bands[name])
                    if lo < max(last, first + 1) and hi > first
                ]
            band_op, _ = cut_layer(workload, node, end - start, f"{node.name}#{k}")
            nodes.append(Node(band_op.op, tuple(dict.fromkeys(inputs)), (band_tensor(out, k),)))
    band_count = {node.name: len(bands[node.outputs[0]]) for node in workload.nodes if node.name in split}

    def piece(name: str, last: bool) -> str:
        """The first or last band of op ``name`` (the op itself when it is not cut)."""
        return f"{name}#{band_count[name] - 1 if last else 0}" if name in split else name

    after = tuple((piece(first, last=True), piece(then, last=False)) for first, then in workload.after)
    return Workload(
        f"{workload.name}:tiles{tiles}",
        tuple(nodes),
        tuple(tensors.values()),
        workload.precision,
        workload.source,
        after=after,
    )


def best_tiling(
    workload: Workload,
    scratchpad_bytes: int,
    candidates: Sequence[int] = (1, 2, 4),
    time_limit: float = 60.0,
    solver: str | None = None,
) -> tuple[int, MappingResult]:
    """The band count (1 = whole tensors) whose mapping has the fewest non-compulsory bytes, and that mapping.

    Bands are not a relaxation of whole tensors: a convolution's halo makes a
    band op read two bands of its input, and a whole-tensor op too large for
    the scratchpad streams at no extra cost, so at small scratchpads whole
    tensors can win, and a band count whose ops need more scratchpad than
    there is is skipped (named in the result's ``solver["skipped_tilings"]``);
    only when every candidate is, the first one's input error is raised.
    Every candidate is mapped (and checked) with ``time_limit / len(candidates)``
    seconds; ties keep the fewer bands.
    """
    from mappers.ilp import DEFAULT_SOLVER
    from mappers.mapper import map_workload

    if not candidates:
        raise ValueError("candidates must name at least one band count")
    best: tuple[int, MappingResult] | None = None
    skipped: dict[str, InputError] = {}
    for tiles in candidates:
        graph = workload if tiles == 1 else tiled_workload(workload, tiles)
        try:
            result = map_workload(
                graph, scratchpad_bytes, time_limit=time_limit / len(candidates), solver=solver or DEFAULT_SOLVER
            )
        except InputError as exc:
            skipped[str(tiles)] = exc
            continue
        if best is None or result.noncompulsory_bytes < best[1].noncompulsory_bytes:
            best = (tiles, result)
    if best is None:
        raise next(iter(skipped.values()))
    if skipped:
        best[1].solver["skipped_tilings"] = {tiles: str(exc) for tiles, exc in skipped.items()}
    return best


def _halo(node: Node) -> int:
    """Input rows a band shares with the band above it (kernel - stride of a convolution, else 0)."""
    kernel = getattr(node.op, "eff_kernel_h", 1)
    stride = getattr(node.op, "stride_h", 1)
    return max(0, kernel - stride)


__all__ = ["band_name", "best_tiling", "tiled_workload"]
