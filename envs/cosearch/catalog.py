"""Named co-search spaces (data), built on first use."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from archsim.errors import InputError
from envs.cosearch.space import CoSearchSpace, cosearch_space
from envs.spaces import HardwareSpace, Knob


@dataclass(frozen=True)
class SpaceRecipe:
    """Which network and hardware knobs a named co-search space has."""

    family: str
    network: Mapping[str, Sequence[Any] | None]
    hardware: str | HardwareSpace
    hardware_values: Mapping[str, Sequence[Any]]
    description: str
    evaluator: str = ""
    """Import path of the space's default evaluator (empty: co-search's)."""


_STAGE_KNOBS = ("width", "depth", "kernel", "expand", "bits")

_SMALL_NETWORK: dict[str, Sequence[Any]] = {
    "resolution": (128, 160, 192, 224),
    "width": (0.5, 0.75, 1.0),
    "depth": (1, 2, 3),
    "kernel": (3, 5, 7),
    "expand": (3, 4, 6),
    "bits": (4, 8, 16),
}
"""The 972 networks of the small spaces: every stage alike."""

FPGA_COSEARCH = HardwareSpace(
    "fpga-cosearch",
    (
        Knob("board", ("ultra96v2", "zcu104", "zcu102"), ordinal=False),
        Knob("tm", (16, 32, 64, 128), fields=()),
        Knob("tn", (4, 8, 16), fields=()),
        Knob("mac_impl", ("lut", "dsp"), ordinal=False),
    ),
    description="Zhang et al. FPGA 2015 engine: board, unroll Tm x Tn, DSP- or LUT-built multipliers; "
    "the datapath precision follows the network (int4, int8 or int16)",
    family="fpga",
    derived=(("design", "{tm}x{tn}"),),
)
"""The FPGA hardware of co-search: precision is no knob, the network's widest layer sets it."""

SYSTOLIC_INT4 = HardwareSpace(
    "systolic-int4",
    (
        Knob("rows", (8, 16, 32, 64)),
        Knob("cols", (8, 16, 32, 64)),
        Knob("dram_bw", (2, 8, 32), ("ifmap_dram_bw", "filter_dram_bw", "ofmap_dram_bw")),
        Knob("dataflow", ("os", "ws"), ordinal=False),
        Knob("int4_macs_per_pe", (2, 1), ordinal=False),
    ),
    description="systolic array (SRAM 256/256/128 KB) whose PEs run int4 as int8 (1) or two int4 MACs per cycle (2)",
    family="systolic",
    base=(("ifmap_sram_kb", 256), ("filter_sram_kb", 256), ("ofmap_sram_kb", 128)),
)
"""The systolic hardware of co-search with the packed-int4 PE as a knob (:mod:`archsim.systolic.lowbit`).

Values are listed so that the reference design (the middle value of each knob) is the plain
hardware: DSP multipliers, int8-only weights, int4 run as int8.
"""

NPU_COSEARCH = HardwareSpace(
    "npu-cosearch",
    (
        Knob("macs_per_cycle", (64, 128, 256, 512)),
        Knob("sram_size_kb", (256, 512, 1024), ("sram_size_kb", "cache_kb")),
        Knob("dram_bytes_per_cycle", (4, 8, 16)),
        Knob("clock_mhz", (250, 500, 1000)),
        Knob("weight_precisions", ("int4+int8", "int8"), ordinal=False),
    ),
    description="Ethos-U65-256-like NPU (Dedicated_Sram): MACs/cycle, SRAM KB, DRAM bytes/cycle, clock, and "
    "whether its weight decoder takes int4 (Ethos-U: int8 only)",
    family="npu",
    preset="ethos-u65-256",
)
"""The NPU hardware of co-search, with bit-width support as a knob."""

RECIPES: dict[str, SpaceRecipe] = {
    "cosearch-small": SpaceRecipe(
        family="ofa_mbv2",
        network=_SMALL_NETWORK,
        hardware="systolic",
        hardware_values={
            "rows": (8, 16, 32, 64),
            "cols": (8, 16, 32, 64),
            "dram_bw": (2, 8, 32),
            "dataflow": ("os", "ws"),
        },
        description="OFA-MobileNetV2 with every stage alike (972 networks) x 96 systolic arrays: 93,312 designs",
    ),
    "cosearch-stages": SpaceRecipe(
        family="ofa_mbv2",
        network={"resolution": None, **{f"s{i}_{knob}": None for i in range(1, 7) for knob in _STAGE_KNOBS}},
        hardware="systolic",
        hardware_values={},
        description="OFA-MobileNetV2 per-stage knobs (31 of them) x the full systolic space",
    ),
    "cosearch-loopnest": SpaceRecipe(
        family="ofa_mbv2",
        network={
            "resolution": (128, 160),
            "width": (0.5, 0.75),
            "depth": (1, 2),
            "kernel": (3, 5),
            "expand": (3, 6),
            "bits": (8, 16),
        },
        hardware="loopnest",
        hardware_values={"rows": (8, 12, 16), "cols": (8, 14, 16), "buffer_kb": (64, 108, 256), "dram_bits": (64, 128)},
        description="OFA-MobileNetV2 (64 networks) x 54 Eyeriss-like loop-nest designs: 3,456 designs",
    ),
    "cosearch-llm-bits": SpaceRecipe(
        family="llm",
        network={
            "wbits": (4, 8, 16),
            # a 7B-class decoder (the shape the llm-perplexity accuracy table was measured on), one decode step
            "layers": (32,),
            "hidden": (4096,),
            "heads": (32,),
            "kv_heads": (8,),
            "ffn_mult": (3,),
            "phase": ("decode",),
            "context": (2048,),
            "batch": (1,),
        },
        hardware="llm-serving",
        hardware_values={
            "rows": (64, 128, 256),
            "cols": (64, 128, 256),
            "dram_bw": (16, 64, 128),
            "dataflow": ("os", "ws"),
        },
        description="weight bits (4/8/16) of a 7B-class decoder x 54 LLM-serving systolic arrays: 162 designs",
    ),
    "cosearch-fpga": SpaceRecipe(
        family="ofa_mbv2",
        network=_SMALL_NETWORK,
        hardware=FPGA_COSEARCH,
        hardware_values={},
        description="OFA-MobileNetV2 (972 networks) x 72 FPGA engines (board, Tm x Tn, DSP/LUT MACs): 69,984 designs",
    ),
    "cosearch-npu": SpaceRecipe(
        family="ofa_mbv2",
        network=_SMALL_NETWORK,
        hardware=NPU_COSEARCH,
        hardware_values={},
        description="OFA-MobileNetV2 (972 networks) x 216 NPUs (MACs/cycle, SRAM, DRAM bandwidth, clock, int4 "
        "weights): 209,952 designs",
    ),
    "cosearch-systolic-int4": SpaceRecipe(
        family="ofa_mbv2",
        network=_SMALL_NETWORK,
        hardware=SYSTOLIC_INT4,
        hardware_values={},
        description="OFA-MobileNetV2 (972 networks) x 192 systolic arrays with or without packed int4 PEs: "
        "186,624 designs",
    ),
}
"""Space name -> recipe."""


@lru_cache(maxsize=16)
def get_cosearch_space(name: str) -> CoSearchSpace:
    """A named co-search space (InputError naming the known ones otherwise)."""
    recipe = RECIPES.get(name)
    if recipe is None:
        raise InputError(f"space: unknown co-search space {name!r}; allowed: {', '.join(RECIPES)}")
    space = cosearch_space(
        name, recipe.family, recipe.network, recipe.hardware, recipe.hardware_values, description=recipe.description
    )
    return dataclasses.replace(space, evaluator=recipe.evaluator) if recipe.evaluator else space
