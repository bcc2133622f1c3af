"""One workload over many systolic designs at once (numpy broadcasting): the sweep/search fast path.

Usage::

    from archsim.systolic.vectorised import Designs, evaluate
    designs = Designs.from_arrays(rows=[16, 32, 128], cols=[16, 32, 128], dataflow=["os", "ws", "is"])
    result = evaluate(workload, designs)
    result.total_cycles, result.energy_pj, result.latency_s, result.area_mm2

Every field of :class:`Designs` is an array of one value per design (scalars
broadcast). The model is the same code as the scalar path
(:mod:`archsim.systolic.model` evaluated over numpy arrays instead of Python numbers), so each design's
numbers equal ``simulate(workload, SystolicConfig(...))`` exactly. The
corrected model only: ``scalesim_quirks`` is a scalar-path option.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, fields
from typing import Any

import numpy as np

from archsim.area import sram_mm2
from archsim.config.systolic import Dataflow
from archsim.energy import DRAM_PJ_PER_BYTE, MAC_PJ, VECTOR_OP_PJ, precision_for_word, sram_pj_per_byte
from archsim.errors import InputError
from archsim.systolic.backend import NUMPY
from archsim.systolic.costs import area_mm2
from archsim.systolic.gemm import gemm_job
from archsim.systolic.memory import ReadSram, WriteSram
from archsim.systolic.model import ActivationTraffic, Hardware, OpCost, gemm_cost, vector_cost
from archsim.traffic import LayerTraffic, TrafficPlan
from workloads.graph import Workload
from workloads.ops import VectorOp
from workloads.packing import right_operand_bytes, words_per_element

DATAFLOW_CODES: tuple[Dataflow, ...] = (Dataflow.OS, Dataflow.WS, Dataflow.IS)
"""Dataflow of each integer code (0 = os, 1 = ws, 2 = is)."""


@dataclass(frozen=True)
class Designs:
    """Many systolic designs as equal-length arrays (fields as in :class:`SystolicConfig`).

    ``dataflow`` holds integer codes (see :data:`DATAFLOW_CODES`); build with
    :meth:`from_arrays`, which accepts names, validates and broadcasts.
    """

    rows: np.ndarray
    cols: np.ndarray
    dataflow: np.ndarray
    ifmap_sram_kb: np.ndarray
    filter_sram_kb: np.ndarray
    ofmap_sram_kb: np.ndarray
    ifmap_dram_bw: np.ndarray
    filter_dram_bw: np.ndarray
    ofmap_dram_bw: np.ndarray
    word_bytes: np.ndarray
    clock_mhz: np.ndarray
    cores: np.ndarray
    dram_shared_bw: np.ndarray
    vector_lanes: np.ndarray

    @classmethod
    def from_arrays(
        cls,
        rows: Any,
        cols: Any,
        dataflow: Any = "os",
        ifmap_sram_kb: Any = 6144.0,
        filter_sram_kb: Any = 6144.0,
        ofmap_sram_kb: Any = 2048.0,
        ifmap_dram_bw: Any = 10.0,
        filter_dram_bw: Any = 10.0,
        ofmap_dram_bw: Any = 10.0,
        word_bytes: Any = 1,
        clock_mhz: Any = 1000.0,
        cores: Any = 1,
        dram_shared_bw: Any = 0.0,
        vector_lanes: Any = 0,
    ) -> Designs:
        """Validate and broadcast per-design values (scalars or sequences; dataflow names or codes)."""
        flows = np.asarray(dataflow)
        if flows.dtype.kind in "US":
            names = [d.value for d in DATAFLOW_CODES]
            bad = sorted(set(np.unique(flows).tolist()) - set(names))
            if bad:
                raise InputError(f"dataflow: unknown value {bad[0]!r}; allowed: {', '.join(names)}")
            flows = np.searchsorted(np.array(names), flows, sorter=np.argsort(names))
            flows = np.argsort(names)[flows]
        ints = {
            "rows": rows,
            "cols": cols,
            "dataflow": flows,
            "word_bytes": word_bytes,
            "cores": cores,
            "vector_lanes": vector_lanes,
        }
        floats = {
            "ifmap_sram_kb": ifmap_sram_kb,
            "filter_sram_kb": filter_sram_kb,
            "ofmap_sram_kb": ofmap_sram_kb,
            "ifmap_dram_bw": ifmap_dram_bw,
            "filter_dram_bw": filter_dram_bw,
            "ofmap_dram_bw": ofmap_dram_bw,
            "clock_mhz": clock_mhz,
            "dram_shared_bw": dram_shared_bw,
        }
        arrays = np.broadcast_arrays(
            *(np.asarray(v, dtype=np.int64) for v in ints.values()),
            *(np.asarray(v, dtype=np.float64) for v in floats.values()),
        )
        data = {name: np.atleast_1d(a).ravel().copy() for name, a in zip([*ints, *floats], arrays, strict=True)}
        for name in ("rows", "cols", "cores"):
            if (data[name] <= 0).any():
                raise InputError(f"{name}: must be positive integers, got {data[name].min()}")
        if (data["vector_lanes"] < 0).any():
            raise InputError(f"vector_lanes: must be integers >= 0, got {data['vector_lanes'].min()}")
        if (data["dram_shared_bw"] < 0).any():
            raise InputError(f"dram_shared_bw: must be numbers >= 0, got {data['dram_shared_bw'].min()}")
        for name in (f for f in floats if f != "dram_shared_bw"):
            if not (data[name] > 0).all():
                raise InputError(f"{name}: must be numbers > 0, got {data[name].min()}")
        if not np.isin(data["word_bytes"], (1, 2, 4)).all():
            raise InputError("word_bytes: allowed values are 1, 2 and 4")
        if not np.isin(data["dataflow"], range(len(DATAFLOW_CODES))).all():
            raise InputError("dataflow: codes must be 0 (os), 1 (ws) or 2 (is)")
        for name in ("ifmap_sram_kb", "filter_sram_kb", "ofmap_sram_kb"):
            if ((data[name] * 1024).astype(np.int64) < data["word_bytes"]).any():
                raise InputError(f"{name}: must hold at least one word (>= word_bytes / 1024 KB)")
        return cls(**data)

    def __len__(self) -> int:
        return len(self.rows)

    def subset(self, index: np.ndarray) -> Designs:
        """The designs at ``index``."""
        return Designs(**{f.name: getattr(self, f.name)[index] for f in fields(self)})

    def area_mm2(self) -> np.ndarray:
        """Area of every design (PEs plus SRAMs, all cores)."""
        sram_kb = self.ifmap_sram_kb + self.filter_sram_kb + self.ofmap_sram_kb
        pe_unit = _lookup(self.word_bytes, lambda wb: area_mm2(1, 1, 1, int(wb), 0.0))
        return self.cores * (self.rows * self.cols * pe_unit + sram_mm2(sram_kb))

    def hardware(self) -> Hardware:
        """The model's arrays: SRAM words, bandwidths, per-access energies."""
        wb = self.word_bytes
        return Hardware(
            rows=self.rows,
            cols=self.cols,
            cores=self.cores,
            ifmap=ReadSram.build((self.ifmap_sram_kb * 1024).astype(np.int64) // wb, self.ifmap_dram_bw),
            filter=ReadSram.build((self.filter_sram_kb * 1024).astype(np.int64) // wb, self.filter_dram_bw),
            ofmap=WriteSram.build((self.ofmap_sram_kb * 1024).astype(np.int64) // wb, self.ofmap_dram_bw),
            word_bytes=wb,
            clock_hz=self.clock_mhz * 1e6,
            mac_pj=_lookup(wb, lambda w: MAC_PJ[precision_for_word(int(w))]),
            vector_pj=_lookup(wb, lambda w: VECTOR_OP_PJ[precision_for_word(int(w))]),
            ifmap_sram_pj_per_byte=_lookup(self.ifmap_sram_kb, sram_pj_per_byte),
            filter_sram_pj_per_byte=_lookup(self.filter_sram_kb, sram_pj_per_byte),
            ofmap_sram_pj_per_byte=_lookup(self.ofmap_sram_kb, sram_pj_per_byte),
            dram_pj_per_byte=DRAM_PJ_PER_BYTE,
            dram_shared_bw=self.dram_shared_bw,
            vector_lanes=self.vector_lanes,
        )


def _lookup(values: np.ndarray, table: Callable[[Any], float]) -> np.ndarray:
    """Apply a scalar table to each distinct value (the same function the scalar path calls)."""
    unique, inverse = np.unique(values, return_inverse=True)
    return np.array([table(v.item()) for v in unique], dtype=np.float64)[inverse]


@dataclass(frozen=True)
class SweepResult:
    """Network totals per design (arrays of ``len(designs)``)."""

    compute_cycles: np.ndarray
    stall_cycles: np.ndarray
    total_cycles: np.ndarray
    energy_pj: np.ndarray
    latency_s: np.ndarray
    area_mm2: np.ndarray
    overall_util: np.ndarray
    macs: int

    @property
    def edp(self) -> np.ndarray:
        """Energy-delay product in joule-seconds."""
        return self.energy_pj * 1e-12 * self.latency_s


def op_costs(op: Any, designs: Designs, traffic: TrafficPlan | None = None) -> OpCost:
    """One op over all designs (fields are arrays in design order)."""
    return _op_costs(op, _by_dataflow(designs), len(designs), (traffic or {}).get(op.name))


_Group = tuple[np.ndarray, Designs, Hardware, Dataflow]


def _by_dataflow(designs: Designs) -> list[_Group]:
    """Designs split by dataflow (the model is evaluated once per dataflow present)."""
    groups = []
    for code, flow in enumerate(DATAFLOW_CODES):
        index = np.flatnonzero(designs.dataflow == code)
        if len(index):
            part = designs.subset(index)
            groups.append((index, part, part.hardware(), flow))
    return groups


def _group_cost(
    op: Any, group: _Group, plan: LayerTraffic | None, right_bytes: tuple[float, float] | None = None
) -> OpCost:
    """One op on one dataflow's designs; ``right_bytes``: (bytes per right-operand element with scales, bytes
    of a bare element) when its operand states its precision (:mod:`workloads.packing`: values no wider than
    a design's word are read packed, scales and all; wider ones are converted to the word)."""
    _, part, hw, flow = group
    words = None
    if plan is not None:
        wb = part.word_bytes
        words = ActivationTraffic(-(-plan.dram_read_bytes // wb), -(-plan.dram_write_bytes // wb))
    if isinstance(op, VectorOp):
        return vector_cost(NUMPY, op, hw, words)
    packing = 1 if right_bytes is None else words_per_element(*right_bytes, part.word_bytes)
    return gemm_cost(NUMPY, gemm_job(op), hw, flow, words, filter_words_per_element=packing)


def _op_costs(op: Any, groups: list[_Group], n: int, plan: LayerTraffic | None) -> OpCost:
    out: dict[str, np.ndarray] = {}
    for group in groups:
        cost = _group_cost(op, group, plan)
        for f in fields(OpCost):
            value = getattr(cost, f.name)
            column = out.setdefault(f.name, np.zeros(n, dtype=np.asarray(value).dtype))
            column[group[0]] = value
    return OpCost(**out)


def evaluate(workload: Workload, designs: Designs, traffic: TrafficPlan | None = None) -> SweepResult:
    """Network totals of ``workload`` on every design in ``designs`` (summed per dataflow, then placed)."""
    n = len(designs)
    compute = np.zeros(n, dtype=np.int64)
    stall = np.zeros(n, dtype=np.int64)
    energy = np.zeros(n)
    latency = np.zeros(n)
    plan = traffic or {}
    packed = right_operand_bytes(workload)
    for group in _by_dataflow(designs):
        group_compute, group_stall, group_energy, group_latency = 0, 0, 0.0, 0.0
        for op in workload.ops:
            cost = _group_cost(op, group, plan.get(op.name), packed.get(op.name))
            group_compute = group_compute + cost.compute_cycles
            group_stall = group_stall + cost.stall_cycles
            group_energy = group_energy + cost.energy_pj
            group_latency = group_latency + cost.latency_s
        index = group[0]
        compute[index] = group_compute
        stall[index] = group_stall
        energy[index] = group_energy
        latency[index] = group_latency
    total = compute + stall
    macs = sum(op.macs for op in workload.ops)
    pes = designs.rows * designs.cols * designs.cores
    return SweepResult(
        compute_cycles=compute,
        stall_cycles=stall,
        total_cycles=total,
        energy_pj=energy,
        latency_s=latency,
        area_mm2=designs.area_mm2(),
        overall_util=macs / (pes * np.maximum(total, 1)),
        macs=macs,
    )


def designs_from_configs(configs: Sequence[Any]) -> Designs:
    """Designs from a list of :class:`SystolicConfig` (handy for tests and small sweeps).

    The vectorised path is the default USER-mode model of dense layers: compat mode, CALC mode
    and SCALE-Sim sparsity are ``simulate()`` options, refused here rather than ignored.
    """
    for c in configs:
        if c.scalesim_quirks or c.sparsity_support or c.bandwidth_mode.value != "user" or c.int4_macs_per_pe != 1:
            raise InputError(
                f"{c.name}: the vectorised path evaluates the default model only (scalesim_quirks false, "
                "sparsity_support false, bandwidth_mode user, int4_macs_per_pe 1); use simulate() for this config"
            )
    return Designs.from_arrays(
        rows=[c.rows for c in configs],
        cols=[c.cols for c in configs],
        dataflow=[c.dataflow.value for c in configs],
        ifmap_sram_kb=[c.ifmap_sram_kb for c in configs],
        filter_sram_kb=[c.filter_sram_kb for c in configs],
        ofmap_sram_kb=[c.ofmap_sram_kb for c in configs],
        ifmap_dram_bw=[c.ifmap_dram_bw for c in configs],
        filter_dram_bw=[c.filter_dram_bw for c in configs],
        ofmap_dram_bw=[c.ofmap_dram_bw for c in configs],
        word_bytes=[c.word_bytes for c in configs],
        clock_mhz=[c.clock_mhz for c in configs],
        cores=[c.cores for c in configs],
        dram_shared_bw=[c.dram_shared_bw for c in configs],
        vector_lanes=[c.vector_lanes for c in configs],
    )
