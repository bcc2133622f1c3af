"""A system's results: one row per task, totals over the makespan, and the per-core schedule.

:class:`SystemMetrics` is a :class:`NetworkMetrics` whose layers are the
schedule's tasks, so the CSV, table and JSON writers work unchanged; its cycles
and latency are the makespan (tasks overlap across cores), and its JSON adds
``schedule``: per core, the tasks with their start, compute and end times, and
every transfer on the shared DRAM and interconnect (shared-buffer writes and
reads included). The shared buffer's bytes are priced twice: the interconnect's
``link_pj_per_byte`` and an SRAM access of the buffer's size
(:func:`archsim.energy.sram_pj_per_byte`, the families' SRAM energy).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from archsim.area import sram_mm2
from archsim.config.system import SystemConfig
from archsim.energy import sram_pj_per_byte
from archsim.metrics import LayerMetrics, NetworkMetrics
from archsim.system.engine import Timeline, run_schedule
from archsim.system.schedule import Channel, SystemSchedule
from workloads.graph import Workload
from workloads.precision import Precision

PEAK_MACS: dict[str, Any] = {
    "systolic": lambda c: c.pes,
    "npu": lambda c: c.peak_macs_per_cycle,
    "loopnest": lambda c: c.peak_macs_per_cycle,
}
"""Family -> MACs per core cycle at peak (families whose peak does not depend on a searched design)."""


def _systolic_area(config: Any, precision: Precision) -> float:
    """The array and its SRAMs (the config states its word width)."""
    from archsim.systolic.costs import config_area_mm2

    return config_area_mm2(config)


def _npu_area(config: Any, precision: Precision) -> float:
    """The int8 MAC array and its shared buffer."""
    from archsim.npu.network import npu_area_mm2

    return npu_area_mm2(config)


def _loopnest_area(config: Any, precision: Precision) -> float:
    """The MACs at the workload's precision and the on-chip memories."""
    from archsim.system.loopnest_cores import loopnest_core_area_mm2

    return loopnest_core_area_mm2(config, precision)


CORE_AREA: dict[str, Callable[[Any, Precision], float]] = {
    "systolic": _systolic_area,
    "npu": _npu_area,
    "loopnest": _loopnest_area,
}
"""Family -> ``fn(config, workload precision) -> mm^2`` (a loop-nest core's MACs take the workload's
precision, as the single-core family's do; families without an area model, the FPGA's, count 0)."""


def system_area_mm2(system: SystemConfig, precision: Precision) -> float:
    """Sum of the cores' areas and the shared buffer's SRAM (the interconnect and DRAM controller are not modelled).

    The shared buffer is priced as the cores' buffers are (:func:`archsim.area.sram_mm2`: the 45 nm 6T cell of
    Mistry et al., IEDM 2007, at 50% array efficiency).
    """
    total = sram_mm2(system.shared_buffer_kb) if system.shared_buffer_kb else 0.0
    for core in system.cores:
        area = CORE_AREA.get(core.family)
        if area:
            total += float(area(core, precision))
    return total


def core_peak_macs(config: Any, workload: Workload | None = None) -> float | None:
    """Peak MACs per cycle of a core in its own clock: an FPGA core's is its engine's, fixed or designed for
    ``workload`` (None without one)."""
    if config.family == "fpga":
        if config.fixed_design is not None:
            return float(config.fixed_design[0] * config.fixed_design[1])
        if workload is None:
            return None
        from archsim.system.costs import fpga_engine

        engine = fpga_engine(config, workload)
        return float(engine.tm * engine.tn)
    peak = PEAK_MACS.get(config.family)
    return float(peak(config)) if peak else None


@dataclass(frozen=True)
class SystemMetrics(NetworkMetrics):
    """Tasks of a schedule on a system; cycles and latency are the makespan."""

    makespan_cycles: float = 0.0
    schedule: dict[str, Any] = field(default_factory=dict)

    @property
    def total_cycles(self) -> int:
        """Cycles until the last task is done."""
        return round(self.makespan_cycles)

    @property
    def latency_s(self) -> float:
        """Makespan at the system clock."""
        return self.makespan_cycles / self.clock_hz

    @property
    def dram_bytes(self) -> int:
        """Bytes that crossed the DRAM interface (reads and writes, weights included)."""
        return int(sum(layer.extras["dram_read_bytes"] + layer.extras["dram_write_bytes"] for layer in self.layers))

    def total(self) -> dict[str, Any]:
        """The network totals, with cycles as the makespan and the system's traffic."""
        total = super().total()
        total["total_cycles"] = self.total_cycles
        total["makespan_cycles"] = self.makespan_cycles
        total["dram_bytes"] = self.dram_bytes
        total["link_bytes"] = int(sum(layer.extras["link_bytes"] for layer in self.layers))
        total["shared_buffer_bytes"] = {
            "write": int(sum(layer.extras["shared_write_bytes"] for layer in self.layers)),
            "read": int(sum(layer.extras["shared_read_bytes"] for layer in self.layers)),
        }
        return total

    def to_json(self) -> dict[str, Any]:
        """DESIGN.md's JSON plus ``schedule``."""
        data = super().to_json()
        data["schedule"] = self.schedule
        return data


def evaluate(workload: Workload, system: SystemConfig, schedule: SystemSchedule) -> SystemMetrics:
    """Run ``schedule`` on ``system`` and collect its metrics (the schedule is data; nothing is chosen here)."""
    timeline = run_schedule(workload, system, schedule)
    return metrics_of(workload, system, schedule, timeline)


def _bytes(timeline: Timeline, task: str, channel: Channel) -> int:
    return sum(t.nbytes for t in timeline.transfers if t.task == task and t.channel is channel)


def metrics_of(workload: Workload, system: SystemConfig, schedule: SystemSchedule, timeline: Timeline) -> SystemMetrics:
    """Per-task rows, totals and the JSON schedule of a finished timeline."""
    clock_hz = system.clock_mhz * 1e6
    rows: list[LayerMetrics] = []
    by_task = {t.task: t for t in timeline.tasks}
    shared_pj = sram_pj_per_byte(system.shared_buffer_kb)
    peaks = [core_peak_macs(c, workload) for c in system.cores]  # once: an FPGA core's needs its engine
    for task in schedule.tasks:
        timing = by_task[task.name]
        reads = _bytes(timeline, task.name, Channel.DRAM_READ)
        writes = _bytes(timeline, task.name, Channel.DRAM_WRITE)
        link = _bytes(timeline, task.name, Channel.LINK)
        shared_writes = _bytes(timeline, task.name, Channel.SHARED_WRITE)
        shared_reads = _bytes(timeline, task.name, Channel.SHARED_READ)
        energy = {
            "core": timing.energy_pj,
            "dram": (reads + writes) * system.dram_pj_per_byte,
            "link": (link + shared_writes + shared_reads) * system.link_pj_per_byte,
        }
        if system.shared_buffer_kb:
            energy["shared_buffer"] = (shared_writes + shared_reads) * shared_pj
        peak = peaks[task.core]
        busy = timing.compute_cycles / system.core_clock_ratio(task.core)
        util = timing.macs / (busy * peak) if peak and busy else 0.0
        span = timing.end - timing.start
        rows.append(
            LayerMetrics(
                layer=task.name,
                kind="task",
                macs=timing.macs,
                compute_cycles=round(timing.compute_cycles),
                stall_cycles=round(span - timing.compute_cycles),
                total_cycles=round(span),
                fill_drain_cycles=0,
                overall_util=util * timing.compute_cycles / span if span else 0.0,
                mapping_efficiency=util,
                compute_util=util,
                ifmap_sram_reads=0,
                filter_sram_reads=0,
                ofmap_sram_writes=0,
                ifmap_dram_reads=reads,
                filter_dram_reads=0,
                ofmap_dram_writes=writes,
                energy_by_component_pj=energy,
                latency_s=span / clock_hz,
                extras={
                    "core": system.core_names[task.core],
                    "start_cycle": timing.start,
                    "end_cycle": timing.end,
                    "dram_read_bytes": reads,
                    "dram_write_bytes": writes,
                    "link_bytes": link,
                    "shared_write_bytes": shared_writes,
                    "shared_read_bytes": shared_reads,
                },
            )
        )
    peak_total = sum((peak or 0.0) / system.core_clock_ratio(k) for k, peak in enumerate(peaks))
    return SystemMetrics(
        workload=workload.name,
        arch=system.to_dict(),
        layers=tuple(rows),
        clock_hz=clock_hz,
        peak_macs_per_cycle=peak_total or 1.0,
        area_mm2=system_area_mm2(system, workload.precision),
        dram_bytes_per_cycle=system.dram_bytes_per_cycle,
        word_bytes=1.0,
        makespan_cycles=timeline.makespan,
        schedule=schedule_json(system, schedule, timeline),
    )


def schedule_json(system: SystemConfig, schedule: SystemSchedule, timeline: Timeline) -> dict[str, Any]:
    """Per-core timeline (tasks with their phases, transfers) for the JSON output and the Gantt plot."""
    cores: list[dict[str, Any]] = []
    for core, names in enumerate(schedule.order):
        timings = {t.task: t for t in timeline.tasks if t.core == core}
        cores.append(
            {
                "core": system.core_names[core],
                "family": system.cores[core].family,
                "tasks": [
                    {
                        "task": name,
                        "layers": [op.layer for op in schedule.task(name).ops],
                        "start": timings[name].start,
                        "compute_start": timings[name].compute_start,
                        "compute_end": timings[name].compute_end,
                        "end": timings[name].end,
                    }
                    for name in names
                ],
            }
        )
    core_of = {t.name: t.core for t in schedule.tasks}
    transfers = [
        {
            "task": t.task,
            "core": system.core_names[core_of[t.task]],
            "tensor": t.tensor,
            "channel": t.channel.value,
            "bytes": t.nbytes,
            "start": t.start,
            "end": t.end,
        }
        for t in timeline.transfers
    ]
    return {**schedule.summary(), "makespan_cycles": timeline.makespan, "cores": cores, "transfers": transfers}


__all__ = [
    "CORE_AREA",
    "PEAK_MACS",
    "SystemMetrics",
    "core_peak_macs",
    "evaluate",
    "metrics_of",
    "schedule_json",
    "system_area_mm2",
]
