"""Per-layer and per-network results shared by every hardware family.

Counts of SRAM/DRAM accesses are in words (elements), as SCALE-Sim reports
them; energies in picojoules; latency in seconds. Utilizations are fractions
in [0, 1]; the CSV/JSON rows show them as percentages (``*_pct``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

Scalar = int | float | str

LAYER_COLUMNS: tuple[str, ...] = (
    "layer",
    "kind",
    "macs",
    "compute_cycles",
    "stall_cycles",
    "total_cycles",
    "fill_drain_cycles",
    "overall_util_pct",
    "mapping_eff_pct",
    "compute_util_pct",
    "ifmap_sram_reads",
    "filter_sram_reads",
    "ofmap_sram_writes",
    "ifmap_dram_reads",
    "filter_dram_reads",
    "ofmap_dram_writes",
    "energy_pj",
    "latency_s",
)
"""The CSV columns every family reports, in order (DESIGN.md's contract)."""


@dataclass(slots=True)
class LayerMetrics:
    """What one op costs on one design.

    Treat it as immutable. It is not a frozen dataclass only because it is built
    once per layer in hot loops, where a frozen 19-field init costs ~5 us against
    ~1 us for a slotted one (a third of a systolic layer's whole evaluation).

    ``energy_by_component_pj`` names where energy goes (``mac``, ``sram``,
    ``dram``, ``vector``, ``static``...). ``extras`` holds family-specific
    figures (an NPU's per-memory access cycles, an FPGA layer's tiling) that are
    appended to the CSV/JSON row after the common columns.
    """

    layer: str
    kind: str
    macs: int
    compute_cycles: int
    stall_cycles: int
    total_cycles: int
    fill_drain_cycles: int
    overall_util: float
    mapping_efficiency: float
    compute_util: float
    ifmap_sram_reads: int
    filter_sram_reads: int
    ofmap_sram_writes: int
    ifmap_dram_reads: int
    filter_dram_reads: int
    ofmap_dram_writes: int
    energy_by_component_pj: Mapping[str, float]
    latency_s: float
    extras: Mapping[str, Scalar] = field(default_factory=dict)

    @property
    def energy_pj(self) -> float:
        """Total energy of the layer."""
        return float(sum(self.energy_by_component_pj.values()))

    def copy_with(self, layer: str | None = None, extras: Mapping[str, Scalar] | None = None) -> LayerMetrics:
        """A copy under another name and/or with other extras (5x faster than ``copy.copy`` on this slotted class)."""
        return LayerMetrics(
            self.layer if layer is None else layer,
            self.kind,
            self.macs,
            self.compute_cycles,
            self.stall_cycles,
            self.total_cycles,
            self.fill_drain_cycles,
            self.overall_util,
            self.mapping_efficiency,
            self.compute_util,
            self.ifmap_sram_reads,
            self.filter_sram_reads,
            self.ofmap_sram_writes,
            self.ifmap_dram_reads,
            self.filter_dram_reads,
            self.ofmap_dram_writes,
            self.energy_by_component_pj,
            self.latency_s,
            self.extras if extras is None else extras,
        )

    def row(self) -> dict[str, Scalar]:
        """One CSV/JSON row: the common columns, then the extras."""
        row: dict[str, Scalar] = {
            "layer": self.layer,
            "kind": self.kind,
            "macs": self.macs,
            "compute_cycles": self.compute_cycles,
            "stall_cycles": self.stall_cycles,
            "total_cycles": self.total_cycles,
            "fill_drain_cycles": self.fill_drain_cycles,
            "overall_util_pct": 100.0 * self.overall_util,
            "mapping_eff_pct": 100.0 * self.mapping_efficiency,
            "compute_util_pct": 100.0 * self.compute_util,
            "ifmap_sram_reads": self.ifmap_sram_reads,
            "filter_sram_reads": self.filter_sram_reads,
            "ofmap_sram_writes": self.ofmap_sram_writes,
            "ifmap_dram_reads": self.ifmap_dram_reads,
            "filter_dram_reads": self.filter_dram_reads,
            "ofmap_dram_writes": self.ofmap_dram_writes,
            "energy_pj": self.energy_pj,
            "latency_s": self.latency_s,
        }
        row.update(self.extras)
        return row

    def json_row(self) -> dict[str, Any]:
        """The CSV row plus the energy split by component (JSON only: CSV cells stay scalar)."""
        row: dict[str, Any] = dict(self.row())
        row["energy_by_component_pj"] = dict(self.energy_by_component_pj)
        return row

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> LayerMetrics:
        """Rebuild from a JSON row (the inverse of :meth:`json_row`)."""
        common = set(LAYER_COLUMNS) | {"energy_by_component_pj"}
        return cls(
            layer=str(row["layer"]),
            kind=str(row["kind"]),
            macs=int(row["macs"]),
            compute_cycles=int(row["compute_cycles"]),
            stall_cycles=int(row["stall_cycles"]),
            total_cycles=int(row["total_cycles"]),
            fill_drain_cycles=int(row["fill_drain_cycles"]),
            overall_util=float(row["overall_util_pct"]) / 100,
            mapping_efficiency=float(row["mapping_eff_pct"]) / 100,
            compute_util=float(row["compute_util_pct"]) / 100,
            ifmap_sram_reads=int(row["ifmap_sram_reads"]),
            filter_sram_reads=int(row["filter_sram_reads"]),
            ofmap_sram_writes=int(row["ofmap_sram_writes"]),
            ifmap_dram_reads=int(row["ifmap_dram_reads"]),
            filter_dram_reads=int(row["filter_dram_reads"]),
            ofmap_dram_writes=int(row["ofmap_dram_writes"]),
            energy_by_component_pj=dict(row.get("energy_by_component_pj") or {"total": float(row["energy_pj"])}),
            latency_s=float(row["latency_s"]),
            extras={k: v for k, v in row.items() if k not in common},
        )


_SUMMED = (
    "macs",
    "compute_cycles",
    "stall_cycles",
    "total_cycles",
    "fill_drain_cycles",
    "ifmap_sram_reads",
    "filter_sram_reads",
    "ofmap_sram_writes",
    "ifmap_dram_reads",
    "filter_dram_reads",
    "ofmap_dram_writes",
)


@dataclass(frozen=True)
class NetworkMetrics:
    """A workload's layers on one design, with per-design area and resources.

    ``peak_macs_per_cycle`` is the design's MAC throughput (PEs for a systolic
    array), used for the network's overall utilization; ``dram_bytes_per_cycle``
    is its off-chip bandwidth and ``word_bytes`` the size of the words the DRAM
    counts are in (both place layers on a roofline). ``design`` and
    ``resources`` are filled by families that have them (FPGA tiling and
    DSP/BRAM use; NPU memory setup).
    """

    workload: str
    arch: Mapping[str, Any]
    layers: tuple[LayerMetrics, ...]
    clock_hz: float
    peak_macs_per_cycle: float
    area_mm2: float
    dram_bytes_per_cycle: float = 0.0
    word_bytes: float = 1.0
    design: Mapping[str, Any] = field(default_factory=dict)
    resources: Mapping[str, Any] = field(default_factory=dict)
    extra_total: Mapping[str, Any] = field(default_factory=dict)
    """Workload-specific totals appended to ``total()`` (an LLM's ``ttft_s``, ``tpot_s``...)."""

    def _sum(self, name: str) -> int:
        return int(sum(getattr(layer, name) for layer in self.layers))

    @property
    def total_cycles(self) -> int:
        """Cycles of the whole network, layers run one after another."""
        return self._sum("total_cycles")

    @property
    def macs(self) -> int:
        """MACs of the whole network."""
        return self._sum("macs")

    @property
    def energy_pj(self) -> float:
        """Energy of the whole network."""
        return float(sum(layer.energy_pj for layer in self.layers))

    @property
    def latency_s(self) -> float:
        """Wall-clock time of one inference."""
        return float(sum(layer.latency_s for layer in self.layers))

    @property
    def edp(self) -> float:
        """Energy-delay product in joule-seconds."""
        return self.energy_pj * 1e-12 * self.latency_s

    @property
    def energy_by_component_pj(self) -> dict[str, float]:
        """Energy summed per component over the layers."""
        total: dict[str, float] = {}
        for layer in self.layers:
            for name, value in layer.energy_by_component_pj.items():
                total[name] = total.get(name, 0.0) + float(value)
        return total

    @property
    def overall_util(self) -> float:
        """MACs over (cycles x peak MACs per cycle)."""
        cycles = self.total_cycles
        return self.macs / (cycles * self.peak_macs_per_cycle) if cycles else 0.0

    def total(self) -> dict[str, Any]:
        """The ``total`` object of the JSON output."""
        total: dict[str, Any] = {name: self._sum(name) for name in _SUMMED}
        total.update(
            {
                "overall_util_pct": 100.0 * self.overall_util,
                "energy_pj": self.energy_pj,
                "energy_by_component_pj": self.energy_by_component_pj,
                "latency_s": self.latency_s,
                "edp_js": self.edp,
                "inferences_per_s": 1.0 / self.latency_s if self.latency_s else 0.0,
                "area_mm2": self.area_mm2,
            }
        )
        total.update(self.extra_total)
        return total

    def to_json(self) -> dict[str, Any]:
        """DESIGN.md's JSON: arch, workload, layers, total (plus design/resources when present)."""
        data: dict[str, Any] = {
            "arch": dict(self.arch),
            "workload": self.workload,
            "layers": [layer.json_row() for layer in self.layers],
            "total": self.total(),
            "machine": {
                "clock_hz": self.clock_hz,
                "peak_macs_per_cycle": self.peak_macs_per_cycle,
                "dram_bytes_per_cycle": self.dram_bytes_per_cycle,
                "word_bytes": self.word_bytes,
            },
        }
        if self.design:
            data["design"] = dict(self.design)
        if self.resources:
            data["resources"] = dict(self.resources)
        return data

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> NetworkMetrics:
        """Rebuild from :meth:`to_json` output (e.g. a saved ``archsim simulate --format json``)."""
        machine = data.get("machine", {})
        computed = set(_SUMMED) | _COMPUTED_TOTALS
        return cls(
            workload=str(data["workload"]),
            arch=dict(data["arch"]),
            layers=tuple(LayerMetrics.from_row(row) for row in data["layers"]),
            clock_hz=float(machine.get("clock_hz", 1e9)),
            peak_macs_per_cycle=float(machine.get("peak_macs_per_cycle", 1.0)),
            area_mm2=float(data["total"].get("area_mm2", 0.0)),
            dram_bytes_per_cycle=float(machine.get("dram_bytes_per_cycle", 0.0)),
            word_bytes=float(machine.get("word_bytes", 1.0)),
            design=dict(data.get("design", {})),
            resources=dict(data.get("resources", {})),
            extra_total={k: v for k, v in data["total"].items() if k not in computed},
        )


_COMPUTED_TOTALS = frozenset(
    {"overall_util_pct", "energy_pj", "energy_by_component_pj", "latency_s", "edp_js", "inferences_per_s", "area_mm2"}
)
"""Keys of ``total()`` computed from the layers (the rest are ``extra_total``)."""
