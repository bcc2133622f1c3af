"""Validated configuration of a loop-nest accelerator (Timeloop / ZigZag class).

A PE array with named spatial dimensions, and an operand-aware memory hierarchy listed
from the innermost memory to DRAM. Each memory holds some *memory operands* (``I1``,
``I2``, ``O``: which layer operand each stands for is the mapping's operand links, by
default ``I -> I1``, ``W -> I2``, ``O -> O`` as in ZigZag), serves some array dimensions
(the memory is shared along them: multicast/reduction; along the others it is replicated
per PE), and has ports whose read/write bandwidth (bits/cycle) carry the four data
directions: ``tl`` read to the level below, ``fh`` write from the level above, ``fl``
write from below (partial sums coming up), ``th`` read to the level above.

The native TOML/YAML form has the same fields as ZigZag 3.9's hardware YAML, so
``zigzag/inputs/hardware/*.yaml`` files load as they ship (see
:mod:`archsim.config.loopnest_zigzag`); ``family = "loopnest"`` marks a native file.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, ClassVar

from workloads.ops import VectorFn

MEMORY_OPERANDS = ("I1", "I2", "O")
"""Memory operands (ZigZag's names): the two inputs and the output."""

SPATIAL_SEARCHES = ("wide", "zigzag")
"""Spatial-unrolling candidate sets of the mapper (see ``archsim.loopnest.spatial``)."""

DEFAULT_OPERAND_LINKS = {"O": "O", "W": "I2", "I": "I1"}
"""Layer operand -> memory operand, as ZigZag's default mapping links them."""


class Direction(StrEnum):
    """Data directions at a memory port (ZigZag's short names)."""

    TO_LOW = "tl"
    """read out towards the PE array"""
    FROM_HIGH = "fh"
    """written with data coming down from the level above"""
    FROM_LOW = "fl"
    """written with (partial) outputs coming up from below"""
    TO_HIGH = "th"
    """read out towards the level above"""


class PortKind(StrEnum):
    """What a physical port can do."""

    READ = "read"
    WRITE = "write"
    READ_WRITE = "read_write"


_READS = (Direction.TO_LOW, Direction.TO_HIGH)


def _positive(where: str, value: Any, *, integer: bool = False, allow_zero: bool = False) -> None:
    ok = isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
    ok = ok and (value >= 0 if allow_zero else value > 0) and (not integer or value == int(value))
    if not ok:
        kind = "an integer" if integer else "a number"
        raise ValueError(f"{where} must be {kind} {'>= 0' if allow_zero else '> 0'}, got {value!r}")


@dataclass(frozen=True)
class Port:
    """A physical memory port and the (memory operand, direction) pairs it carries."""

    name: str
    kind: PortKind
    bandwidth_min: int
    """Bits per access (the access granularity)."""
    bandwidth_max: int
    """Bits per cycle at most."""
    allocation: tuple[tuple[str, Direction], ...]

    def validate(self, where: str, operands: tuple[str, ...]) -> None:
        """Raise ``ValueError`` naming ``where`` for a bad bandwidth, operand or direction."""
        _positive(f"{where}.bandwidth_min", self.bandwidth_min)
        _positive(f"{where}.bandwidth_max", self.bandwidth_max)
        if self.bandwidth_min > self.bandwidth_max:
            raise ValueError(f"{where}: bandwidth_min {self.bandwidth_min} exceeds bandwidth_max {self.bandwidth_max}")
        for operand, direction in self.allocation:
            if operand not in operands:
                raise ValueError(
                    f"{where}.allocation: operand {operand!r} is not held by this memory; "
                    f"allowed: {', '.join(operands)}"
                )
            if self.kind is PortKind.READ and direction not in _READS:
                raise ValueError(f"{where}.allocation: read port cannot carry write direction {direction.value!r}")
            if self.kind is PortKind.WRITE and direction in _READS:
                raise ValueError(f"{where}.allocation: write port cannot carry read direction {direction.value!r}")


@dataclass(frozen=True)
class Memory:
    """One memory of the hierarchy (one instance per PE group it is replicated over)."""

    name: str
    size_bits: int
    read_energy_pj: float
    """Energy of one read access (``bandwidth_min`` bits)."""
    write_energy_pj: float
    area: float
    operands: tuple[str, ...]
    ports: tuple[Port, ...]
    served_dimensions: tuple[str, ...]
    """Array dimensions that share one instance of this memory."""
    latency: int = 1

    def port_of(self, operand: str, direction: Direction) -> Port | None:
        """The port that carries ``operand`` in ``direction`` (``None`` when none does)."""
        for port in self.ports:
            if (operand, direction) in port.allocation:
                return port
        return None


@dataclass(frozen=True)
class OperationalArray:
    """The PE array: named dimensions and sizes, MAC energy/area, systolic dimensions."""

    dimensions: tuple[str, ...]
    sizes: tuple[int, ...]
    unit_energy_pj: float
    unit_area: float = 1.0
    systolic_dimensions: tuple[str, ...] = ()

    @property
    def size_of(self) -> dict[str, int]:
        """Dimension name -> size."""
        return dict(zip(self.dimensions, self.sizes, strict=True))

    @property
    def units(self) -> int:
        """Number of MAC units."""
        return math.prod(self.sizes)


def _tuple_of_str(where: str, value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str) or not isinstance(value, (list, tuple)):
        raise ValueError(f"{where} must be a list of names, got {value!r}")
    return tuple(str(v) for v in value)


def _parse_port(where: str, raw: Any) -> Port:
    if isinstance(raw, Port):
        return raw
    if not isinstance(raw, Mapping):
        raise ValueError(f"{where} must be a table with name, type, bandwidth_min, bandwidth_max, allocation")
    missing = [k for k in ("name", "type", "bandwidth_min", "bandwidth_max", "allocation") if k not in raw]
    if missing:
        raise ValueError(f"{where}: missing field {missing[0]!r}")
    try:
        kind = PortKind(str(raw["type"]))
    except ValueError:
        raise ValueError(
            f"{where}.type: unknown port type {raw['type']!r}; allowed: {', '.join(k.value for k in PortKind)}"
        ) from None
    allocation = []
    for item in raw["allocation"] or ():
        parts = [p.strip() for p in str(item).split(",")]
        if len(parts) != 2:
            raise ValueError(f"{where}.allocation: {item!r} must read 'OPERAND, DIRECTION'")
        try:
            allocation.append((parts[0], Direction(parts[1])))
        except ValueError:
            raise ValueError(
                f"{where}.allocation: unknown direction {parts[1]!r}; allowed: {', '.join(d.value for d in Direction)}"
            ) from None
    return Port(str(raw["name"]), kind, raw["bandwidth_min"], raw["bandwidth_max"], tuple(allocation))


def _parse_memory(name: str, raw: Any) -> Memory:
    where = f"memories.{name}"
    if isinstance(raw, Memory):
        return raw
    if not isinstance(raw, Mapping):
        raise ValueError(f"{where} must be a table")
    allowed = {
        "size",
        "r_cost",
        "w_cost",
        "area",
        "latency",
        "operands",
        "ports",
        "served_dimensions",
        "auto_cost_extraction",
        "mem_type",
        "min_r_granularity",
        "min_w_granularity",
        "force_double_buffering",
    }
    unknown = sorted(set(raw) - allowed)
    if unknown:
        raise ValueError(f"{where}: unknown field {unknown[0]!r}; allowed: {', '.join(sorted(allowed))}")
    for key in ("size", "r_cost", "w_cost", "operands", "ports"):
        if key not in raw:
            raise ValueError(f"{where}: missing field {key!r}")
    if raw.get("auto_cost_extraction"):
        raise ValueError(f"{where}.auto_cost_extraction: CACTI cost extraction is not supported; give r_cost/w_cost")
    operands = _tuple_of_str(f"{where}.operands", raw["operands"])
    for op in operands:
        if op not in MEMORY_OPERANDS:
            raise ValueError(f"{where}.operands: unknown operand {op!r}; allowed: {', '.join(MEMORY_OPERANDS)}")
    ports = tuple(_parse_port(f"{where}.ports[{i}]", p) for i, p in enumerate(raw["ports"] or ()))
    return Memory(
        name=name,
        size_bits=raw["size"],
        read_energy_pj=raw["r_cost"],
        write_energy_pj=raw["w_cost"],
        area=raw.get("area", 0.0),
        operands=operands,
        ports=ports,
        served_dimensions=_tuple_of_str(f"{where}.served_dimensions", raw.get("served_dimensions", [])),
        latency=raw.get("latency", 1),
    )


def _parse_array(raw: Any) -> OperationalArray:
    if isinstance(raw, OperationalArray):
        return raw
    if not isinstance(raw, Mapping):
        raise ValueError("operational_array must be a table with unit_energy, dimensions, sizes")
    for key in ("unit_energy", "dimensions", "sizes"):
        if key not in raw:
            raise ValueError(f"operational_array: missing field {key!r}")
    if raw.get("is_imc"):
        raise ValueError("operational_array.is_imc: in-memory-compute arrays are not supported; allowed: false")
    return OperationalArray(
        dimensions=_tuple_of_str("operational_array.dimensions", raw["dimensions"]),
        sizes=tuple(raw["sizes"]),
        unit_energy_pj=raw["unit_energy"],
        unit_area=raw.get("unit_area", 1.0),
        systolic_dimensions=_tuple_of_str("operational_array.systolic_dimensions", raw.get("systolic_dimensions")),
    )


VECTOR_KINDS = tuple(fn.value for fn in VectorFn if fn is not VectorFn.RESHAPE)
"""Vector-op kinds whose ops per element a vector unit may state (``workloads.ops.VectorFn`` values;
``activation`` also prices an activation fused into an elementwise op)."""


@dataclass(frozen=True)
class VectorUnit:
    """Lanes for the ops without MACs (elementwise, activations, norms, softmax, pooling, data movement).

    ZigZag 3.9 runs its ``Add`` and ``Pooling`` layers on the PE array itself, the elements
    unrolled along one array dimension (its bundled mapping files: ``G`` over ``D1``); the
    lanes here are that slice of the array, so a vector op reads and writes through the
    memories that serve it, with their capacities, ports and access energies.
    """

    dimension: str
    """Array dimension the lanes sit along (default: the first)."""
    lanes: int
    """Elements processed per cycle, at most the dimension's size (default: all of it)."""
    energy_per_op_pj: float
    """Energy of one element operation (default: the array's ``unit_energy``, as ZigZag charges a MAC)."""
    ops_per_element: dict[str, float] = field(default_factory=dict)
    """Kind -> operations per output element; a kind not listed takes the workload's own figure
    (1 for elementwise, 5 for a norm or softmax, the window for pooling) and a fused activation 1."""


def _parse_vector_unit(raw: Any, array: OperationalArray) -> VectorUnit:
    where = "vector_unit"
    if isinstance(raw, VectorUnit):  # e.g. a design space resizing the array: check it still fits
        raw = {
            "dimension": raw.dimension,
            "lanes": raw.lanes,
            "energy_per_op_pj": raw.energy_per_op_pj,
            "ops_per_element": raw.ops_per_element,
        }
    raw = {} if raw is None else raw
    if not isinstance(raw, Mapping):
        raise ValueError(f"{where} must be a table with dimension, lanes, energy_per_op_pj, ops_per_element")
    allowed = ("dimension", "lanes", "energy_per_op_pj", "ops_per_element")
    unknown = sorted(set(raw) - set(allowed))
    if unknown:
        raise ValueError(f"{where}: unknown field {unknown[0]!r}; allowed: {', '.join(allowed)}")
    dimension = str(raw.get("dimension", array.dimensions[0] if array.dimensions else ""))
    sizes = array.size_of
    if dimension not in sizes:
        raise ValueError(f"{where}.dimension: unknown array dimension {dimension!r}; allowed: {', '.join(sizes)}")
    lanes = raw.get("lanes", sizes[dimension])
    _positive(f"{where}.lanes", lanes, integer=True)
    if lanes > sizes[dimension]:
        raise ValueError(f"{where}.lanes: {lanes} exceeds the {sizes[dimension]} units of dimension {dimension!r}")
    energy = raw.get("energy_per_op_pj", array.unit_energy_pj)
    _positive(f"{where}.energy_per_op_pj", energy, allow_zero=True)
    ops = raw.get("ops_per_element", {})
    if not isinstance(ops, Mapping):
        raise ValueError(f"{where}.ops_per_element must be a table of kind -> operations per element")
    for kind, value in ops.items():
        if kind not in VECTOR_KINDS:
            raise ValueError(f"{where}.ops_per_element: unknown kind {kind!r}; allowed: {', '.join(VECTOR_KINDS)}")
        _positive(f"{where}.ops_per_element.{kind}", value)
    return VectorUnit(dimension, int(lanes), float(energy), {str(k): float(v) for k, v in ops.items()})


@dataclass(frozen=True)
class LoopNestConfig:
    """A loop-nest accelerator: PE array + memory hierarchy (innermost first) + default spatial mapping.

    ``memories`` and ``operational_array`` accept the plain tables of a TOML/YAML file and
    are turned into :class:`Memory` / :class:`OperationalArray` here; ``spatial_mapping`` is
    the default unrolling (array dimension -> {layer dimension: factor}) used when no
    mapping file names one; empty means the mapper searches it.
    """

    family: ClassVar[str] = "loopnest"

    name: str = "custom"
    operational_array: Any = None
    memories: Any = ()
    spatial_mapping: Any = field(default_factory=dict)
    operand_links: Any = field(default_factory=lambda: dict(DEFAULT_OPERAND_LINKS))
    clock_mhz: float = 1000.0
    """Clock used only to turn cycles into seconds."""
    mapping_file: str | None = None
    """ZigZag mapping YAML fixing spatial unrollings / loop orders per layer (``--mapping``)."""
    objective: str = "latency"
    """What the per-layer mapper minimises: ``energy``, ``latency`` or ``edp`` (``--objective``)."""
    lpf_limit: int = 6
    """Temporal loop factors per layer the mapper orders (LOMA's limit; 6 gives at most 720 orders)."""
    spatial_search: str = "wide"
    """Spatial unrollings tried where the mapping leaves array dimensions open: ``wide`` (archsim's
    ranking, ties kept) or ``zigzag`` (the three ZigZag 3.9.1 generates; see ``archsim.loopnest.spatial``)."""
    zigzag_ranking: bool = False
    """Rank mappings by ZigZag's latency (before the busiest port's bound) as ZigZag 3.9 does. By default the
    mapper ranks them by the latency archsim reports, which holds that bound (no channel above its bandwidth)."""
    vector_unit: Any = None
    """Lanes for vector ops (:class:`VectorUnit`; a table in files; omitted: the whole first array
    dimension at the array's MAC energy, ZigZag's ``Add``/``Pooling`` placement)."""

    def __post_init__(self) -> None:
        array = _parse_array(self.operational_array)
        if isinstance(self.memories, Mapping):
            memories = tuple(_parse_memory(str(n), m) for n, m in self.memories.items())
        else:
            memories = tuple(_parse_memory(getattr(m, "name", f"#{i}"), m) for i, m in enumerate(self.memories))
        object.__setattr__(self, "operational_array", array)
        object.__setattr__(self, "memories", memories)
        object.__setattr__(self, "spatial_mapping", parse_spatial_mapping(self.spatial_mapping, "spatial_mapping"))
        object.__setattr__(self, "operand_links", dict(self.operand_links))
        self._validate()
        object.__setattr__(self, "vector_unit", _parse_vector_unit(self.vector_unit, array))

    def _validate(self) -> None:
        array = self.operational_array
        if len(array.dimensions) != len(array.sizes) or not array.dimensions:
            raise ValueError("operational_array: dimensions and sizes must be non-empty lists of equal length")
        for dim, size in zip(array.dimensions, array.sizes, strict=True):
            _positive(f"operational_array.sizes[{dim}]", size, integer=True)
        _positive("operational_array.unit_energy", array.unit_energy_pj, allow_zero=True)
        for dim in array.systolic_dimensions:
            if dim not in array.dimensions:
                raise ValueError(
                    f"operational_array.systolic_dimensions: unknown dimension {dim!r}; "
                    f"allowed: {', '.join(array.dimensions)}"
                )
        _positive("clock_mhz", self.clock_mhz)
        if self.objective not in ("energy", "latency", "edp"):
            raise ValueError(f"objective: unknown objective {self.objective!r}; allowed: energy, latency, edp")
        _positive("lpf_limit", self.lpf_limit, integer=True)
        if not isinstance(self.zigzag_ranking, bool):
            raise ValueError(f"zigzag_ranking must be true or false, got {self.zigzag_ranking!r}")
        if self.spatial_search not in SPATIAL_SEARCHES:
            raise ValueError(
                f"spatial_search: unknown search {self.spatial_search!r}; allowed: {', '.join(SPATIAL_SEARCHES)}"
            )
        if not self.memories:
            raise ValueError("memories: at least one memory is required")
        for mem in self.memories:
            where = f"memories.{mem.name}"
            _positive(f"{where}.size", mem.size_bits)
            _positive(f"{where}.r_cost", mem.read_energy_pj, allow_zero=True)
            _positive(f"{where}.w_cost", mem.write_energy_pj, allow_zero=True)
            for dim in mem.served_dimensions:
                if dim not in array.dimensions:
                    raise ValueError(
                        f"{where}.served_dimensions: unknown dimension {dim!r}; allowed: {', '.join(array.dimensions)}"
                    )
            for i, port in enumerate(mem.ports):
                port.validate(f"{where}.ports[{i}]", mem.operands)
            for op in mem.operands:
                if not any(op == o for port in mem.ports for o, _ in port.allocation):
                    raise ValueError(f"{where}.ports: no port carries operand {op!r}")
        for layer_op, mem_op in self.operand_links.items():
            if layer_op not in ("O", "W", "I"):
                raise ValueError(f"operand_links: unknown layer operand {layer_op!r}; allowed: O, W, I")
            if not any(mem_op in m.operands for m in self.memories):
                raise ValueError(f"operand_links.{layer_op}: memory operand {mem_op!r} is held by no memory")
        for dim in self.spatial_mapping:
            if dim not in array.dimensions:
                raise ValueError(
                    f"spatial_mapping: unknown array dimension {dim!r}; allowed: {', '.join(array.dimensions)}"
                )

    def levels(self, memory_operand: str) -> tuple[Memory, ...]:
        """Memories that hold ``memory_operand``, innermost first."""
        return tuple(m for m in self.memories if memory_operand in m.operands)

    @property
    def area(self) -> float:
        """PE area plus every memory's area times its replication."""
        sizes = self.operational_array.size_of
        total = self.operational_array.unit_area * self.operational_array.units
        for mem in self.memories:
            total += mem.area * math.prod(s for d, s in sizes.items() if d not in mem.served_dimensions)
        return total

    @property
    def peak_macs_per_cycle(self) -> int:
        """MAC units of the array."""
        return self.operational_array.units

    def summary(self) -> dict[str, Any]:
        """What JSON output says of the config: family, name, objective, array and memories (innermost first)."""
        return {
            "family": self.family,
            "name": self.name,
            "objective": self.objective,
            "array": dict(self.operational_array.size_of),
            "memories": [m.name for m in self.memories],
        }


def parse_spatial_mapping(raw: Any, where: str) -> dict[str, dict[str, int]]:
    """Array dimension -> {layer dimension: unrolling}, from ZigZag's ``D1: ["K, 32"]`` form or tables."""
    if raw is None:
        return {}
    if not isinstance(raw, Mapping):
        raise ValueError(f"{where} must be a table of array dimension -> unrollings")
    result: dict[str, dict[str, int]] = {}
    for oa_dim, items in raw.items():
        unroll: dict[str, int] = {}
        entries = items.items() if isinstance(items, Mapping) else [str(s).split(",") for s in items or ()]
        for entry in entries:
            if len(entry) != 2:
                raise ValueError(f"{where}.{oa_dim}: {entry!r} must read 'DIM, FACTOR'")
            dim, factor = str(entry[0]).strip(), entry[1]
            try:
                factor_int = int(str(factor).strip())
            except ValueError:
                raise ValueError(f"{where}.{oa_dim}.{dim}: factor must be an integer, got {factor!r}") from None
            if factor_int < 1:
                raise ValueError(f"{where}.{oa_dim}.{dim}: factor must be >= 1, got {factor_int}")
            unroll[dim] = factor_int
        result[str(oa_dim)] = unroll
    return result
