"""Read Stream 2.1's mapping YAML into a schedule: each layer's cores and output-channel split, fused groups.

A Stream mapping lists ``layers`` (``name``, ``core_allocation``: a list holding one list of core
ids, ``inter_core_tiling``: a list holding one list of ``{dim, split}``) and ``fused_groups``
(``name``, ``layers``, ``intra_core_tiling``). It becomes :func:`split_schedule`'s inputs: a
layer split ``split`` ways runs part ``k`` on its ``k``-th core with its share of the output
channels (Stream's ``D6`` of a convolution, the only split dimension read here), a layer with
one core runs whole there; an activation stays on chip only between layers of one fused group
(Stream keeps a group's intermediates on chip, and a group boundary goes through DRAM).
Core ids are Stream's; they name the system's cores ``core<id>``, as
:mod:`archsim.config.stream_yaml` names them. Intra-core tiling is not read (the rows of a fused
group here are computed layer by layer; Stream's fixtures tile the batch of 1, which is the same).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from archsim.config.system import SystemConfig
from archsim.errors import InputError
from archsim.system.schedule import SystemSchedule
from mappers.multicore.split import split_schedule
from workloads.graph import Workload

OUTPUT_CHANNEL_DIMS = ("D6",)
"""Stream's dimension names of a convolution's output channels (its ONNX parser's K)."""


def _layer_cores(entry: Mapping[str, Any], cores: Mapping[int, int], where: str) -> tuple[int, ...]:
    allocation = entry.get("core_allocation")
    if not (isinstance(allocation, list) and len(allocation) == 1 and isinstance(allocation[0], list)):
        raise InputError(f"{where}.core_allocation must be a list holding one list of core ids")
    unknown = [c for c in allocation[0] if c not in cores]
    if unknown or not allocation[0]:
        raise InputError(f"{where}.core_allocation: core ids {unknown or '[]'} not compute cores {sorted(cores)}")
    tiling = entry.get("inter_core_tiling") or [[]]
    splits = [t for t in tiling[0] if int(t.get("split", 1)) > 1]
    if any(t.get("dim") not in OUTPUT_CHANNEL_DIMS for t in splits):
        raise InputError(f"{where}.inter_core_tiling: only output-channel splits ({', '.join(OUTPUT_CHANNEL_DIMS)})")
    parts = 1
    for t in splits:
        parts *= int(t["split"])
    if parts not in (1, len(allocation[0])):
        raise InputError(f"{where}.inter_core_tiling: a split of {parts} needs as many cores, got {allocation[0]}")
    return tuple(cores[c] for c in allocation[0][:parts])


def read_stream_mapping(path: Path, workload: Workload, system: SystemConfig) -> SystemSchedule:
    """The schedule Stream's mapping at ``path`` describes for ``workload`` on ``system``."""
    import yaml

    try:
        data = yaml.safe_load(Path(path).read_text())
    except (OSError, yaml.YAMLError) as exc:
        raise InputError(f"{path}: cannot read a mapping: {str(exc).splitlines()[0]}") from None
    if not isinstance(data, Mapping) or not isinstance(data.get("layers"), list):
        raise InputError(f"{path}: layers must be a list of per-layer mappings")
    cores = {int(name.removeprefix("core")): k for k, name in enumerate(system.core_names) if name[4:].isdigit()}
    names = {n.name for n in workload.nodes}
    placement: dict[str, tuple[int, ...]] = {}
    for k, entry in enumerate(data["layers"]):
        where = f"{path}: layers[{k}]"
        if entry.get("name") not in names:
            raise InputError(f"{where}.name {entry.get('name')!r} is not a layer of {workload.name}")
        placement[entry["name"]] = _layer_cores(entry, cores, where)
    groups = {layer: g for g, group in enumerate(data.get("fused_groups") or []) for layer in group.get("layers", [])}
    missing = sorted(names - set(placement))
    if missing:
        raise InputError(f"{path}: layers: no mapping for {missing[:3]}")
    return split_schedule(workload, system, placement=placement, groups=groups)


__all__ = ["read_stream_mapping"]
