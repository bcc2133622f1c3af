"""Inter-core splitting: every layer's output channels shared out over the cores, layer by layer.

The allocation Stream's fixtures use (``inter_core_tiling`` along the output
channels, every layer on every core): part ``k`` of a convolution or weight
matmul runs on core ``k`` with its share of the weights, reading the whole
input. Layers that cannot be split (vector ops, activation x activation
matmuls) run whole on core 0. An activation stays on chip when twice its bytes
fit every core's buffer and it is not a graph output: a consumer then gets the
slices of other cores over the interconnect and keeps its own; otherwise the
producer writes its slices to DRAM and each consumer reads the whole tensor.
Reads of the same tensor by several parts are broadcasts (``multicast``): the
bytes cross the DRAM port or the interconnect once, as on Stream's buses.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

from archsim.config.system import SystemConfig
from archsim.system.costs import core_buffer_bytes
from archsim.system.schedule import Channel, SystemSchedule, Task, Transfer
from archsim.system.tiles import TaskOp, channel_splittable, output_channels
from workloads.graph import TensorKind, Workload


def split_schedule(
    workload: Workload,
    system: SystemConfig,
    cores: int | None = None,
    on_chip: bool = True,
    placement: Mapping[str, Sequence[int]] | None = None,
    groups: Mapping[str, int] | None = None,
) -> SystemSchedule:
    """Layer-by-layer schedule with each splittable layer's output channels over ``cores`` cores (default all).

    ``on_chip`` False sends every activation through DRAM (Stream's mapping with one fused group per
    layer); True keeps those that fit on chip (one group of the whole network). ``placement`` gives a
    layer the cores of its parts (part ``k`` on ``placement[layer][k]``; default cores ``0..cores-1``),
    and ``groups`` a fused-group id: a tensor then stays on chip only inside one group (Stream's
    mapping YAML, see :mod:`mappers.multicore.stream_mapping`).
    """
    parts_max = cores or system.n_cores
    if not 1 <= parts_max <= system.n_cores:
        raise ValueError(f"cores must be in 1..{system.n_cores}, got {cores}")
    default = tuple(range(parts_max))
    used = set(default).union(*(set(v) for v in (placement or {}).values()))
    smallest = min(core_buffer_bytes(system.cores[c]) for c in used)
    # part -> (core, channels) per layer; the tensor each layer's part produced, with its bytes
    placed: dict[str, list[tuple[str, int, int]]] = {}
    placed_kept: dict[str, bool] = {}
    tasks: list[Task] = []
    order: list[list[str]] = [[] for _ in range(system.n_cores)]
    for node in workload.nodes:
        out = node.outputs[0]
        total_channels = output_channels(workload, node) if channel_splittable(node) else 1
        own = tuple((placement or {}).get(node.name, default))
        parts = min(len(own), total_channels) if channel_splittable(node) else 1
        share = math.ceil(total_channels / parts)
        readers = workload.consumers[out]
        same_group = groups is None or all(groups.get(r) == groups.get(node.name) for r in readers)
        kept = on_chip and same_group and bool(readers) and 2 * workload.tensor_bytes(out) <= smallest
        slices: list[tuple[str, int, int]] = []
        for k in range(parts):
            here = own[k]
            channels = min(share, total_channels - k * share)
            name = node.name if parts == 1 else f"{node.name}@{k}"
            fraction = channels / total_channels
            reads: list[Transfer] = []
            deps: list[str] = []
            for t in dict.fromkeys(node.inputs):
                nbytes = workload.tensor_bytes(t)
                if workload.tensor(t).kind is TensorKind.WEIGHT:
                    reads.append(Transfer(t, math.ceil(nbytes * fraction), Channel.DRAM_READ))
                    continue
                producer = workload.producers.get(t)
                if producer is None:
                    reads.append(Transfer(t, nbytes, Channel.DRAM_READ, multicast=f"dram:{t}"))
                    continue
                deps += [task for task, _, _ in placed[producer]]
                if placed_kept[producer]:
                    reads += [
                        Transfer(f"{t}@{core}", piece, Channel.LINK, multicast=f"link:{t}@{core}")
                        for _, core, piece in placed[producer]
                        if core != here
                    ]
                else:
                    reads.append(Transfer(t, nbytes, Channel.DRAM_READ, multicast=f"dram:{t}"))
            piece = math.ceil(workload.tensor_bytes(out) * fraction)
            writes = () if kept else (Transfer(out, piece, Channel.DRAM_WRITE),)
            op = TaskOp(node.name, None, channels if parts > 1 else None)
            tasks.append(Task(name, here, (op,), tuple(reads), writes, tuple(dict.fromkeys(deps))))
            order[here].append(name)
            slices.append((name, here, piece))
        placed[node.name] = slices
        placed_kept[node.name] = kept
    return SystemSchedule(tuple(tasks), tuple(tuple(o) for o in order), fusion="none", scheduler="split")


__all__ = ["split_schedule"]
