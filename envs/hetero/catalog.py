"""Named heterogeneous co-search spaces, registered with co-search's catalog (data, built on first use)."""

from __future__ import annotations

from envs.cosearch.catalog import RECIPES, SpaceRecipe
from envs.hetero.space import hetero_system_space

DEFAULT_EVALUATOR = "envs.hetero.evaluate:default_evaluator"
"""How the search framework evaluates a hetero space when no evaluator is given."""

HETERO_NETWORK: dict[str, tuple[object, ...]] = {
    "resolution": (128, 160),
    "width": (0.5, 1.0),
    "depth": (1, 2),
    "kernel": (3, 5),
    "expand": (3, 6),
    "bits": (4, 8),
}
"""The 64 networks of the hetero spaces: OFA-MobileNetV2 with every stage alike."""

HETERO_RECIPES: dict[str, SpaceRecipe] = {
    "hetero-small": SpaceRecipe(
        family="ofa_mbv2",
        network=HETERO_NETWORK,
        hardware=hetero_system_space("hetero-system", max_cores=4, shared_kb=(0, 64, 128, 256)),
        hardware_values={},
        evaluator=DEFAULT_EVALUATOR,
        description="OFA-MobileNetV2 (64 networks) x systems of 1-4 cores, each a systolic array or an NPU of "
        "128/256/512 MACs/cycle with its own dataflow and 64-256 KB SRAM, link and DRAM bandwidth, a 0-256 KB "
        "shared buffer",
    ),
    "hetero-2core": SpaceRecipe(
        family="ofa_mbv2",
        network={
            "resolution": (128,),
            "width": (0.5, 1.0),
            "depth": (1,),
            "kernel": (3,),
            "expand": (3, 6),
            "bits": (8,),
        },
        hardware=hetero_system_space(
            "hetero-system-2",
            max_cores=2,
            sizes=(128, 256),
            sram_kb=(128,),
            dataflows=("os", "ws"),
            link_bw=(32,),
            dram_bw=(8, 32),
            shared_kb=(0, 128),
        ),
        hardware_values={},
        evaluator=DEFAULT_EVALUATOR,
        description="a small space for tests and examples: 4 networks x systems of 1-2 small cores, with or without a "
        "128 KB shared buffer",
    ),
}
"""Space name -> recipe; registered in :data:`envs.cosearch.catalog.RECIPES` on import."""

for _name, _recipe in HETERO_RECIPES.items():
    RECIPES.setdefault(_name, _recipe)

__all__ = ["HETERO_NETWORK", "HETERO_RECIPES"]
