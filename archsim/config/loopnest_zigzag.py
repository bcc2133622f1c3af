"""Readers of ZigZag 3.9's hardware and mapping YAML, as the ``zigzag-dse`` wheel ships them.

Hardware files (``zigzag/inputs/hardware/*.yaml``: ``name``, ``memories`` innermost first,
``operational_array``) become a :class:`~archsim.config.loopnest.LoopNestConfig`; mapping
files (``zigzag/inputs/mapping/*.yaml``: a list of entries named after a layer or an
operator type, with ``spatial_mapping``, optional ``temporal_ordering`` innermost first,
``memory_operand_links``) become :class:`MappingEntry` records. Errors name the file and field.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from archsim.config.loopnest import DEFAULT_OPERAND_LINKS, MEMORY_OPERANDS, LoopNestConfig, parse_spatial_mapping
from archsim.errors import InputError

HARDWARE_KEYS = ("name", "memories", "operational_array")


def is_zigzag_hardware(data: Mapping[str, Any]) -> bool:
    """Whether a parsed file looks like ZigZag's hardware YAML (or our native form of it)."""
    return "operational_array" in data and "memories" in data


def hardware_from_dict(data: Mapping[str, Any], where: str) -> LoopNestConfig:
    """A validated loop-nest config from ZigZag-form hardware data."""
    options = (
        "spatial_mapping",
        "operand_links",
        "clock_mhz",
        "mapping_file",
        "objective",
        "lpf_limit",
        "spatial_search",
        "zigzag_ranking",
        "vector_unit",
    )
    allowed = (*HARDWARE_KEYS, "family", "dataflows", *options)
    unknown = sorted(set(data) - set(allowed))
    if unknown:
        raise InputError(f"{where}: unknown field {unknown[0]!r}; allowed: {', '.join(allowed)}")
    if not isinstance(data.get("memories"), Mapping):
        raise InputError(f"{where}: memories must be a table of memory name -> fields (innermost first)")
    kwargs = {k: data[k] for k in ("name", "operational_array", "memories", *options) if k in data}
    try:
        return LoopNestConfig(**kwargs)
    except (TypeError, ValueError) as exc:
        raise InputError(f"{where}: {exc}") from None


@dataclass(frozen=True)
class MappingEntry:
    """One entry of a ZigZag mapping file: what it fixes for the layers it names."""

    name: str
    """A layer name, an operator type (``Conv``, ``Gemm``) or ``default``."""
    spatial: dict[str, dict[str, int]]
    temporal_ordering: tuple[tuple[str, int | None], ...]
    """Loops innermost first; ``None`` size = all that is left of the dimension (ZigZag's ``*``)."""
    operand_links: dict[str, str]


def _links(raw: Any, where: str) -> dict[str, str]:
    if raw is None:
        return dict(DEFAULT_OPERAND_LINKS)
    if not isinstance(raw, Mapping):
        raise InputError(f"{where}.memory_operand_links must be a table, e.g. {{O: O, W: I2, I: I1}}")
    links = {}
    for layer_op, mem_op in raw.items():
        if str(layer_op) not in ("O", "W", "I"):
            raise InputError(f"{where}.memory_operand_links: unknown layer operand {layer_op!r}; allowed: O, W, I")
        if str(mem_op) not in MEMORY_OPERANDS:
            raise InputError(
                f"{where}.memory_operand_links.{layer_op}: unknown memory operand {mem_op!r}; "
                f"allowed: {', '.join(MEMORY_OPERANDS)}"
            )
        links[str(layer_op)] = str(mem_op)
    return links


def read_mapping_file(path: Path) -> tuple[MappingEntry, ...]:
    """Entries of a ZigZag mapping YAML file."""
    import yaml

    if not path.is_file():
        raise InputError(f"{path}: no such file")
    try:
        data = yaml.safe_load(path.read_text())
    except Exception as exc:  # yaml.YAMLError has no common base with ValueError
        raise InputError(f"{path}: not valid YAML: {str(exc).splitlines()[0]}") from None
    if not isinstance(data, list):
        raise InputError(f"{path}: expected a list of mapping entries (each with name, spatial_mapping)")
    entries = []
    for i, raw in enumerate(data):
        where = f"{path}: entry {i}"
        if not isinstance(raw, Mapping) or "name" not in raw:
            raise InputError(f"{where}: each entry must be a table with a 'name'")
        where = f"{path}: {raw['name']}"
        allowed = {"name", "spatial_mapping", "temporal_ordering", "memory_operand_links", "spatial_mapping_hint"}
        unknown = sorted(set(raw) - allowed)
        if unknown:
            raise InputError(f"{where}: unknown field {unknown[0]!r}; allowed: {', '.join(sorted(allowed))}")
        try:
            spatial = parse_spatial_mapping(raw.get("spatial_mapping"), "spatial_mapping")
        except ValueError as exc:
            raise InputError(f"{where}.{exc}") from None
        ordering = []
        for j, item in enumerate(raw.get("temporal_ordering") or ()):
            if not isinstance(item, (list, tuple)) or len(item) != 2:
                raise InputError(f"{where}.temporal_ordering[{j}]: expected [DIM, SIZE], got {item!r}")
            dim, size = str(item[0]), item[1]
            if size == "*":
                ordering.append((dim, None))
            elif isinstance(size, int) and size >= 1:
                ordering.append((dim, size))
            else:
                raise InputError(f"{where}.temporal_ordering[{j}]: size must be an integer >= 1 or '*', got {size!r}")
        entries.append(
            MappingEntry(str(raw["name"]), spatial, tuple(ordering), _links(raw.get("memory_operand_links"), where))
        )
    return tuple(entries)


def entry_for(entries: tuple[MappingEntry, ...], layer_name: str, operator_type: str) -> MappingEntry | None:
    """The entry naming the layer, else its operator type, else ``default`` (ZigZag's lookup order)."""
    by_name = {e.name: e for e in entries}
    for key in (layer_name, operator_type, "default"):
        if key in by_name:
            return by_name[key]
    return None
