"""Validated configuration of an FPGA loop-tiling engine (Zhang et al., FPGA 2015) and its boards.

A config names a board (its device resources and off-chip bandwidth), a datapath
precision, a clock, and either a fixed unroll design ``"TmxTn"`` or ``"search"``
(the default: the simulator runs the paper's cross-layer design search).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, ClassVar

from workloads.precision import Precision


class MacImpl(StrEnum):
    """What a MAC lane's multiplier is built from."""

    DSP = "dsp"  # DSP slices (packed per precision, archsim/fpga/resources.py)
    LUT = "lut"  # fabric LUTs (integer precisions only): frees the DSPs for larger engines at low bit-widths


class DspKind(StrEnum):
    """Xilinx DSP slice generation: sets what one slice can multiply."""

    DSP48E1 = "dsp48e1"  # 7-series / Zynq-7000: 25x18 multiplier, 48-bit accumulator (UG479)
    DSP48E2 = "dsp48e2"  # UltraScale(+): 27x18 multiplier, 48-bit accumulator (UG579)


@dataclass(frozen=True)
class Board:
    """One FPGA board: its device's resources, its off-chip memory bandwidth and a typical HLS clock.

    ``bram18k`` counts 18 Kb block RAMs (two per 36 Kb block). UltraRAM is not
    modelled: buffers are placed in block RAM only. ``bandwidth_gbps`` is the
    theoretical peak of the board's DRAM interface (bus width x transfer rate);
    ``dram_gb`` the capacity of the DRAM behind it (what an LLM's weights and KV
    cache are checked against; 0 = not stated).
    """

    name: str
    device: str
    dsp: int
    bram18k: int
    lut: int
    ff: int
    bandwidth_gbps: float
    clock_mhz: float
    dsp_kind: DspKind
    hard_memory_controller: bool
    source: str
    dram_gb: float = 0.0


BOARDS: dict[str, Board] = {
    # Xilinx DS180 (7 Series FPGAs Overview), XC7VX485T: 2,800 DSP48E1, 1,030 x 36 Kb BRAM,
    # 303,600 LUTs, 607,200 FFs. Board UG885 (VC707): 1 GB DDR3 SODIMM, 64-bit, 1600 MT/s = 12.8 GB/s.
    # Clock: the 100 MHz of Zhang et al., FPGA 2015 (Vivado HLS 2013.4, fp32).
    "vc707": Board(
        "vc707", "XC7VX485T", 2800, 2060, 303_600, 607_200, 12.8, 100.0, DspKind.DSP48E1, False, "DS180, UG885", 1.0
    ),
    # Xilinx DS891 (Zynq UltraScale+ MPSoC Overview), XCZU9EG: 2,520 DSP48E2, 912 x 36 Kb BRAM,
    # 274,080 LUTs, 548,160 FFs. Board UG1182 (ZCU102): 4 GB PS DDR4 SODIMM, 64-bit, 2400 MT/s = 19.2 GB/s
    # (the engine's DRAM; the 512 MB PL-side DDR4 is not used).
    "zcu102": Board(
        "zcu102", "XCZU9EG", 2520, 1824, 274_080, 548_160, 19.2, 200.0, DspKind.DSP48E2, True, "DS891, UG1182", 4.0
    ),
    # DS891, XCZU7EV: 1,728 DSP48E2, 312 x 36 Kb BRAM (plus 96 UltraRAM, not modelled),
    # 230,400 LUTs, 460,800 FFs. Board UG1267 (ZCU104): 2 GB PS DDR4, 64-bit, 2400 MT/s = 19.2 GB/s.
    "zcu104": Board(
        "zcu104", "XCZU7EV", 1728, 624, 230_400, 460_800, 19.2, 200.0, DspKind.DSP48E2, True, "DS891, UG1267", 2.0
    ),
    # DS891, XCZU3EG: 360 DSP48E2, 216 x 36 Kb BRAM, 70,560 LUTs, 141,120 FFs.
    # Ultra96-V2 hardware user guide (Avnet): 2 GB LPDDR4, 32-bit, 2133 MT/s = 8.5 GB/s.
    "ultra96v2": Board(
        "ultra96v2", "XCZU3EG", 360, 432, 70_560, 141_120, 8.5, 150.0, DspKind.DSP48E2, True, "DS891, Avnet UG", 2.0
    ),
    # Xilinx DS190 (Zynq-7000 SoC Overview), XC7Z020: 220 DSP48E1, 140 x 36 Kb BRAM,
    # 53,200 LUTs, 106,400 FFs. PYNQ-Z2 reference manual (TUL): 512 MB DDR3, 16-bit, 1050 MT/s = 2.1 GB/s.
    "pynqz2": Board(
        "pynqz2", "XC7Z020", 220, 280, 53_200, 106_400, 2.1, 100.0, DspKind.DSP48E1, True, "DS190, TUL PYNQ-Z2", 0.5
    ),
    # Xilinx DS890 (UltraScale Architecture and Product Data Sheet: Overview), XCKU060: 2,760 DSP48E2,
    # 1,080 x 36 Kb BRAM, 331,680 LUTs, 663,360 FFs. Board: Alpha Data ADM-PCIE-KU3, the KU060 card of
    # Caffeine (Zhang et al., ICCAD 2016): two DDR3-1600 banks of 8 GB, 64 data bits each = 2 x 12.8 = 25.6 GB/s
    # (board facts quoted from memory of Alpha Data's datasheet). Soft memory controllers (MIG), no CPU.
    # Clock: Caffeine's 200 MHz.
    "ku060": Board(
        "ku060",
        "XCKU060",
        2760,
        2160,
        331_680,
        663_360,
        25.6,
        200.0,
        DspKind.DSP48E2,
        False,
        "DS890, ADM-PCIE-KU3",
        16.0,
    ),
    # Xilinx DS962 (Alveo U200/U250 Data Center Accelerator Cards): U250 has 12,288 DSP48E2,
    # 2,688 x 36 Kb BRAM (plus 1,280 UltraRAM, not modelled), 1,728K LUTs, 3,456K FFs,
    # four DDR4-2400 72-bit channels (64 data bits) of 16 GB: 4 x 19.2 = 77 GB/s, 64 GB. Clock: Vitis's 300 MHz
    # kernel clock.
    "u250": Board(
        "u250", "XCU250", 12288, 5376, 1_728_000, 3_456_000, 77.0, 300.0, DspKind.DSP48E2, True, "DS962", 64.0
    ),
}
"""Board name -> resources (cited per entry)."""

DSP_PRECISIONS: tuple[Precision, ...] = (
    Precision.FP32,
    Precision.FP16,
    Precision.INT16,
    Precision.INT8,
    Precision.INT4,
)
"""Precisions the DSP model of :mod:`archsim.fpga.resources` knows."""

_DESIGN = re.compile(r"^\s*(\d+)\s*x\s*(\d+)\s*$")


def _positive_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and value > 0


@dataclass(frozen=True)
class FpgaConfig:
    """A Tm x Tn loop-tiling engine on one board.

    ``design`` is ``"search"`` (choose Tm, Tn by the cross-layer search) or a
    fixed ``"TmxTn"`` such as ``"64x7"``; per-layer tiles Tr x Tc are always
    chosen per layer. ``clock_mhz`` and ``bandwidth_gbps`` default to the
    board's. ``utilization_cap`` is the fraction of each resource a design may
    use (0.8 follows Xilinx UG949's guideline of at most 80% of DSP and block
    RAM for timing closure). ``pipeline_cycles`` is the paper's P, the cycles
    one (to, ti) tile iteration adds for filling and draining the pipeline; by
    default (None) it is derived per design from the pipeline's structure
    (:mod:`archsim.fpga.pipeline`: 20 for the paper's fp32 <64, 7>).
    ``vector_lanes`` is the elements per cycle of the separate vector unit
    (pooling, elementwise, activations). ``buffer_tolerance_pct``: buffers are
    the smallest (in BRAM) whose network time is within this of the fastest.
    How a network's layers split into towers is read from the network itself
    (:mod:`archsim.fpga.towers`), not configured. ``dsp_budget`` caps the DSPs a
    design may use below the board's (e.g. a published design's count, or DSPs left
    to other kernels); None: the board's cap only.
    """

    family: ClassVar[str] = "fpga"

    name: str = "custom"
    board: str = "zcu102"
    precision: Precision = Precision.INT8
    clock_mhz: float | None = None
    bandwidth_gbps: float | None = None
    design: str = "search"
    utilization_cap: float = 0.8
    pipeline_cycles: int | None = None
    vector_lanes: int = 16
    buffer_tolerance_pct: float = 0.5
    dsp_budget: int | None = None
    mac_impl: MacImpl = MacImpl.DSP

    def __post_init__(self) -> None:
        board = BOARDS.get(str(self.board).lower())
        if board is None:
            raise ValueError(f"{self.name}: unknown board {self.board!r}; allowed: {', '.join(BOARDS)}")
        object.__setattr__(self, "board", board.name)
        precision = Precision.parse(self.precision, f"{self.name}: precision")
        if precision not in DSP_PRECISIONS:
            allowed = ", ".join(p.value for p in DSP_PRECISIONS)
            raise ValueError(f"{self.name}: precision {precision.value!r} has no DSP model; allowed: {allowed}")
        object.__setattr__(self, "precision", precision)
        try:
            mac_impl = MacImpl(str(self.mac_impl).lower())
        except ValueError:
            raise ValueError(f"{self.name}: unknown mac_impl {self.mac_impl!r}; allowed: dsp, lut") from None
        if mac_impl is MacImpl.LUT and precision.is_float:
            raise ValueError(
                f"{self.name}: mac_impl lut needs an integer precision (int4, int8, int16), got {precision}"
            )
        object.__setattr__(self, "mac_impl", mac_impl)
        for field, default in (("clock_mhz", board.clock_mhz), ("bandwidth_gbps", board.bandwidth_gbps)):
            value = getattr(self, field)
            if value is None:
                value = default
            if not _positive_number(value):
                raise ValueError(f"{self.name}: {field} must be a number > 0, got {value!r}")
            object.__setattr__(self, field, float(value))
        design = str(self.design).strip().lower()
        if design != "search":
            match = _DESIGN.match(design)
            if match is None or int(match.group(1)) == 0 or int(match.group(2)) == 0:
                raise ValueError(
                    f"{self.name}: design must be 'search' or 'TmxTn' with Tm, Tn >= 1, got {self.design!r}"
                )
            design = f"{int(match.group(1))}x{int(match.group(2))}"
        object.__setattr__(self, "design", design)
        if not _positive_number(self.utilization_cap) or self.utilization_cap > 1:
            raise ValueError(f"{self.name}: utilization_cap must be in (0, 1], got {self.utilization_cap!r}")
        for field, low in (("pipeline_cycles", 0), ("vector_lanes", 1)):
            value = getattr(self, field)
            if field == "pipeline_cycles" and value is None:
                continue
            if not isinstance(value, int) or isinstance(value, bool) or value < low:
                raise ValueError(f"{self.name}: {field} must be an integer >= {low}, got {value!r}")
        budget = self.dsp_budget
        if budget is not None and (not isinstance(budget, int) or isinstance(budget, bool) or budget < 1):
            raise ValueError(f"{self.name}: dsp_budget must be an integer >= 1 (or absent), got {budget!r}")
        tolerance = self.buffer_tolerance_pct
        if not isinstance(tolerance, (int, float)) or isinstance(tolerance, bool) or tolerance < 0:
            raise ValueError(f"{self.name}: buffer_tolerance_pct must be a number >= 0, got {tolerance!r}")

    @property
    def board_spec(self) -> Board:
        """The board's resources."""
        return BOARDS[self.board]

    @property
    def fixed_design(self) -> tuple[int, int] | None:
        """(Tm, Tn) of a fixed design, or None when the search chooses it."""
        if self.design == "search":
            return None
        tm, tn = self.design.split("x")
        return int(tm), int(tn)

    @property
    def lut_macs(self) -> bool:
        """True when the lanes' multipliers are built from LUTs instead of DSP slices."""
        return self.mac_impl is MacImpl.LUT

    @property
    def clock_hz(self) -> float:
        """Clock in hertz."""
        return float(self.clock_mhz) * 1e6  # type: ignore[arg-type]

    @property
    def dram_bytes_per_cycle(self) -> float:
        """Off-chip bandwidth in bytes per engine clock cycle."""
        return float(self.bandwidth_gbps) * 1e9 / self.clock_hz  # type: ignore[arg-type]

    def to_dict(self) -> dict[str, Any]:
        """Plain-data form (for JSON output and files)."""
        return {
            "family": self.family,
            "name": self.name,
            "board": self.board,
            "device": self.board_spec.device,
            "precision": self.precision.value,
            "clock_mhz": self.clock_mhz,
            "bandwidth_gbps": self.bandwidth_gbps,
            "design": self.design,
            "utilization_cap": self.utilization_cap,
            "pipeline_cycles": self.pipeline_cycles,
            "vector_lanes": self.vector_lanes,
            "buffer_tolerance_pct": self.buffer_tolerance_pct,
            "dsp_budget": self.dsp_budget,
            "mac_impl": self.mac_impl.value,
        }
