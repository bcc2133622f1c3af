"""Arm Vela runs on TFLite files, read back per original operator.

``vela MODEL --accelerator-config ACC --verbose-performance`` writes a
per-layer CSV whose rows are Vela's internal operations; fused activations
repeat their operator's name, and a decomposed operator (softmax) spreads over
many rows. :func:`run_vela` folds them into one :class:`VelaOp` per original
TFLite operator, in graph order, so they line up with archsim's layers.
Used by the NPU differential tests and ``benchmarks/bench_npu.py``.
"""

from __future__ import annotations

import csv
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from archsim.metrics import LayerMetrics

MODES: dict[str, tuple[str, ...]] = {"default": (), "sram_only": ("--memory-mode", "Sram_Only")}
"""Vela memory-mode options; ``default`` is Vela's default system config and memory mode for the accelerator."""

PRESET_SUFFIX = {"default": "", "sram_only": "-sram"}
"""archsim preset name suffix of each Vela memory mode (``ethos-u55-128`` + ``-sram``)."""

ETHOS_PRESETS = (
    "ethos-u55-32",
    "ethos-u55-64",
    "ethos-u55-128",
    "ethos-u55-256",
    "ethos-u65-256",
    "ethos-u65-512",
    "ethos-u85-128",
    "ethos-u85-256",
    "ethos-u85-512",
    "ethos-u85-1024",
    "ethos-u85-2048",
)
"""Every Ethos-U preset Vela is compared on (default-mode names; ``PRESET_SUFFIX`` gives the Sram_Only ones)."""

DECOMPOSED = frozenset({"Softmax"})
"""Operators Vela spreads over several internal operations with different names."""


@dataclass(frozen=True)
class VelaOp:
    """One original operator of the model as Vela estimates it (its internal operations summed)."""

    op_type: str
    name: str
    total: float
    npu: float
    sram: float
    dram: float
    flash: float


def _figures(row: dict[str, str]) -> tuple[float, float, float, float, float]:
    flash = float(row.get("OffFlash AC", 0) or 0) + float(row.get("OnFlash AC", 0) or 0)
    return float(row["Op Cycles"]), float(row["NPU"]), float(row["SRAM AC"]), float(row["DRAM AC"]), flash


def encoded_weight_bytes(out_dir: Path, model: Path, accelerator: str, mode: str) -> int:
    """Vela's ``total_npu_encoded_weights`` of a model ``run_vela`` compiled into ``out_dir``."""
    summary = next((out_dir / f"{model.stem}_{accelerator}_{mode}").glob("*summary*.csv"))
    header, values = list(csv.reader(summary.open()))[:2]
    return int(float(dict(zip(header, values, strict=True))["total_npu_encoded_weights"]))


def read_per_layer(csv_path: Path) -> list[VelaOp]:
    """One :class:`VelaOp` per original operator with cycles (fused and decomposed rows summed)."""
    ops: list[VelaOp] = []
    previous_name = ""
    with csv_path.open() as handle:
        for row in csv.DictReader(handle):
            original, name = row["Original Operator"], row["Name"]
            figures = _figures(row)
            # A fused activation Vela runs as its own pass writes the op's output; the op itself writes "<name>_act".
            split = previous_name == f"{name}_act"
            extends = ops and (
                name == previous_name or split or (original == ops[-1].op_type and original in DECOMPOSED)
            )
            if extends:
                last = ops[-1]
                summed = (
                    a + b
                    for a, b in zip((last.total, last.npu, last.sram, last.dram, last.flash), figures, strict=True)
                )
                ops[-1] = VelaOp(original, name, *summed)  # a decomposed op's last row names its output
            else:
                ops.append(VelaOp(original, name, *figures))
            previous_name = name
    return [op for op in ops if op.total > 0]


def run_vela(model: Path, accelerator: str, mode: str, out_dir: Path) -> tuple[list[VelaOp], float]:
    """Compile ``model`` with Vela (once per output folder) and return its per-operator estimates and wall seconds."""
    target = out_dir / f"{model.stem}_{accelerator}_{mode}"
    csv_path = target / f"{model.stem}_per-layer.csv"
    wall = 0.0
    if not csv_path.exists():
        # Compile into a private folder and move it in whole: test workers sharing ``out_dir`` never
        # read a half-written output, and the first to finish provides it.
        scratch = Path(tempfile.mkdtemp(prefix=f"{target.name}.", dir=out_dir))
        command = [sys.executable, "-m", "ethosu.vela", str(model), "--accelerator-config", accelerator]
        command += ["--verbose-performance", "--verbose-schedule", "--output-dir", str(scratch), *MODES[mode]]
        start = time.perf_counter()
        run = subprocess.run(command, check=True, capture_output=True, text=True, timeout=600)
        wall = time.perf_counter() - start
        (scratch / SCHEDULE_FILE).write_text(run.stdout)
        try:
            os.rename(scratch, target)
        except OSError:  # another worker's identical output is already there
            shutil.rmtree(scratch)
    return read_per_layer(csv_path), wall


SCHEDULE_FILE = "schedule.txt"
"""Where :func:`run_vela` keeps Vela's ``--verbose-schedule`` printout, in the model's output folder."""

_SCHEDULE_ENTRY = re.compile(
    r"Operation (\S+)\s+- OFM ([\d, ]+) \(.*?(?:Encoded Weights = (\d+) bytes\s+)?"
    r"(?:Weight buffer = \d+ bytes \((\w+)\).*?Depth slices = \[([\d, ]+)\].*?)?"
    r"Estimated Perf: Macs=\d+ Cycles=(\d+)",
    re.S,
)


@dataclass(frozen=True)
class ScheduleEntry:
    """One operation of Vela's final schedule as ``--verbose-schedule`` prints it."""

    op_type: str
    ofm: tuple[int, ...]
    """Output shape without the batch (height, width, depth)."""
    weight_buffer: str | None
    """``None``, ``Single`` or ``Double`` for an op with weights (its weights' SRAM buffer); None without weights."""
    estimate: int
    """regor's scheduler estimate of the op (``Estimated Perf ... Cycles``)."""
    encoded_weights: int | None = None
    """Bytes of the op's encoded weights and per-channel parameters (``Encoded Weights``); None without weights."""
    depth_slices: tuple[int, ...] = ()
    """Output depths where the op's weight slices start, and its depth (``Depth slices``); empty without weights."""


def schedule_entries(out_dir: Path, model: Path, accelerator: str, mode: str) -> list[ScheduleEntry]:
    """The operations of the schedule Vela printed when :func:`run_vela` compiled ``model`` into ``out_dir``."""
    text = (out_dir / f"{model.stem}_{accelerator}_{mode}" / SCHEDULE_FILE).read_text()
    return [
        ScheduleEntry(
            m.group(1),
            tuple(int(x) for x in m.group(2).split(","))[1:],
            m.group(4),
            int(m.group(6)),
            int(m.group(3)) if m.group(3) else None,
            tuple(int(x) for x in m.group(5).split(",")) if m.group(5) else (),
        )
        for m in _SCHEDULE_ENTRY.finditer(text)
    ]


@dataclass(frozen=True)
class OpComparison:
    """One Vela operator next to archsim's cycles for the same operator."""

    name: str
    op_type: str
    vela: float
    archsim: float

    @property
    def error(self) -> float:
        """Signed relative error of archsim against Vela."""
        return (self.archsim - self.vela) / self.vela


def align(reference: list[VelaOp], layers: Sequence[LayerMetrics]) -> list[OpComparison]:
    """Pair Vela's operators with archsim's layers by output-tensor name.

    A layer Vela has no row for (an elementwise op the U85 chains onto its
    producer, a reshape) adds its cycles to the preceding matched operator, so
    every archsim cycle is compared. Raises ``KeyError`` when a Vela operator
    has no archsim layer.
    """
    names = {op.name for op in reference}
    cycles: dict[str, float] = {}
    owner = ""
    for layer in layers:
        if layer.layer in names:
            owner = layer.layer
            cycles[owner] = float(layer.total_cycles)
        elif owner:
            cycles[owner] += layer.total_cycles
    missing = [op.name for op in reference if op.name not in cycles]
    if missing:
        raise KeyError(f"Vela operators without an archsim layer: {missing[:5]}")
    return [OpComparison(op.name, op.op_type, op.total, cycles[op.name]) for op in reference]


@dataclass(frozen=True)
class Summary:
    """Per-operator error statistics of one network on one preset and memory mode."""

    ops: int
    median: float
    worst: float
    total: float

    @classmethod
    def of(cls, rows: Sequence[OpComparison]) -> Summary:
        """Median and worst absolute per-op error, and the signed error of the network total."""
        errors = [abs(row.error) for row in rows]
        vela = sum(row.vela for row in rows)
        return cls(len(rows), statistics.median(errors), max(errors), (sum(r.archsim for r in rows) - vela) / vela)


def measure_preset(
    vela: Callable[[str, str, str], tuple[Path, list[VelaOp]]], network: str, preset: str
) -> tuple[Summary, list[OpComparison]]:
    """archsim's ``preset`` against Vela on ``network`` (the session's ``vela`` fixture), the Vela mode read off the
    preset's name (``-sram``: Sram_Only)."""
    from archsim.config.loader import load_arch
    from archsim.simulate import simulate
    from workloads.registry import load_workload

    accelerator, mode = (preset[:-5], "sram_only") if preset.endswith("-sram") else (preset, "default")
    assert accelerator + PRESET_SUFFIX[mode] == preset
    path, reference = vela(network, accelerator, mode)
    rows = align(reference, simulate(load_workload(str(path)), load_arch(preset)).layers)
    return Summary.of(rows), rows
