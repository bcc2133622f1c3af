"""Named co-search spaces (data), built on first use."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from archsim.errors import InputError
from envs.cosearch.space import CoSearchSpace, cosearch_space


@dataclass(frozen=True)
class SpaceRecipe:
    """Which network and hardware knobs a named co-search space has."""

    family: str
    network: Mapping[str, Sequence[Any] | None]
    hardware: str
    hardware_values: Mapping[str, Sequence[Any]]
    description: str


_STAGE_KNOBS = ("width", "depth", "kernel", "expand", "bits")

RECIPES: dict[str, SpaceRecipe] = {
    "cosearch-small": SpaceRecipe(
        family="ofa_mbv2",
        network={
            "resolution": (128, 160, 192, 224),
            "width": (0.5, 0.75, 1.0),
            "depth": (1, 2, 3),
            "kernel": (3, 5, 7),
            "expand": (3, 4, 6),
            "bits": (4, 8, 16),
        },
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
}
"""Space name -> recipe."""


@lru_cache(maxsize=16)
def get_cosearch_space(name: str) -> CoSearchSpace:
    """A named co-search space (InputError naming the known ones otherwise)."""
    recipe = RECIPES.get(name)
    if recipe is None:
        raise InputError(f"space: unknown co-search space {name!r}; allowed: {', '.join(RECIPES)}")
    return cosearch_space(
        name, recipe.family, recipe.network, recipe.hardware, recipe.hardware_values, description=recipe.description
    )
