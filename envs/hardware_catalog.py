"""Named hardware design spaces per family (data, looked up by name).

Co-search spaces build on these, so this module imports nothing of
``envs.cosearch``; :mod:`envs.catalog` looks up both kinds by name.
"""

from __future__ import annotations

from archsim.errors import InputError
from envs.loopnest_space import LOOPNEST_SPACE
from envs.spaces import HardwareSpace, Knob
from envs.system_space import SYSTEM_SPACE

_POW2_ARRAY = (8, 16, 32, 64, 128, 256)

SPACES: dict[str, HardwareSpace] = {
    "systolic": HardwareSpace(
        "systolic",
        (
            Knob("rows", _POW2_ARRAY),
            Knob("cols", _POW2_ARRAY),
            Knob("ifmap_sram_kb", (32, 64, 128, 256, 512, 1024)),
            Knob("filter_sram_kb", (32, 64, 128, 256, 512, 1024)),
            Knob("ofmap_sram_kb", (16, 32, 64, 128, 256, 512)),
            Knob("dram_bw", (1, 2, 4, 8, 16, 32), ("ifmap_dram_bw", "filter_dram_bw", "ofmap_dram_bw")),
            Knob("dataflow", ("os", "ws", "is"), ordinal=False),
        ),
        description="SCALE-Sim-style array: shape, SRAM per operand (KB), DRAM words/cycle, dataflow",
        family="systolic",
    ),
    "systolic-bench": HardwareSpace(
        "systolic-bench",
        (
            Knob("rows", _POW2_ARRAY),
            Knob("cols", _POW2_ARRAY),
            Knob("ifmap_sram_kb", (64, 256, 1024)),
            Knob("filter_sram_kb", (64, 256, 1024)),
            Knob("ofmap_sram_kb", (32, 128, 512)),
            Knob("dram_bw", (2, 4, 8, 16), ("ifmap_dram_bw", "filter_dram_bw", "ofmap_dram_bw")),
            Knob("dataflow", ("os", "ws", "is"), ordinal=False),
        ),
        description="11,664 systolic designs: small enough for exhaustive ground truth (agent benchmarks)",
        family="systolic",
    ),
    "fpga": HardwareSpace(
        "fpga",
        (
            Knob("board", ("pynqz2", "ultra96v2", "zcu104", "zcu102", "vc707", "u250"), ordinal=False),
            Knob("tm", (8, 16, 32, 64, 128, 256), fields=()),
            Knob("tn", (2, 4, 7, 8, 16, 32), fields=()),
            Knob("precision", ("int8", "int16", "fp16", "fp32"), ordinal=False),
        ),
        description="Zhang et al. FPGA 2015 tiling engine: board, unroll Tm x Tn, datapath precision",
        family="fpga",
        derived=(("design", "{tm}x{tn}"),),
    ),
    "npu": HardwareSpace(
        "npu",
        (
            Knob("macs_per_cycle", (64, 128, 256, 512, 1024, 2048)),
            Knob("sram_size_kb", (128, 256, 384, 512, 1024, 2048), ("sram_size_kb", "cache_kb")),
            Knob("dram_bytes_per_cycle", (4, 8, 12, 16, 32)),
            Knob("clock_mhz", (250, 500, 750, 1000)),
        ),
        description="Ethos-U65-256-like NPU (Dedicated_Sram): MACs/cycle, SRAM cache KB, DRAM bytes/cycle, clock",
        family="npu",
        preset="ethos-u65-256",
    ),
    "llm-serving": HardwareSpace(
        "llm-serving",
        (
            Knob("rows", (32, 64, 128, 256)),
            Knob("cols", (32, 64, 128, 256)),
            Knob("filter_sram_kb", (64, 256, 1024, 4096)),
            Knob("ifmap_sram_kb", (64, 256, 1024)),
            Knob("dram_bw", (8, 16, 32, 64, 128), ("ifmap_dram_bw", "filter_dram_bw", "ofmap_dram_bw")),
            Knob("dataflow", ("os", "ws"), ordinal=False),
        ),
        description="LLM-serving systolic accelerator (int8, 1 GHz): array, weight/activation SRAM, DRAM words/cycle",
        family="systolic",
        base=(("ofmap_sram_kb", 256), ("dram_capacity_mb", 8192)),
    ),
    "loopnest": LOOPNEST_SPACE,
    "system": SYSTEM_SPACE,
}
"""Space name -> space."""


def get_hardware_space(name: str | HardwareSpace) -> HardwareSpace:
    """A hardware space by name (or the space itself); InputError naming the known ones otherwise."""
    if isinstance(name, HardwareSpace):
        return name
    if name not in SPACES:
        raise InputError(f"space: unknown hardware space {name!r}; allowed: {', '.join(SPACES)}")
    return SPACES[name]
