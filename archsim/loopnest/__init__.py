"""Loop-nest family: layers as loop nests, a ZigZag-faithful cost model, a per-layer mapper, ``simulate_loopnest``."""

from archsim.loopnest.cost import LayerCost, evaluate
from archsim.loopnest.layer import LoopNestLayer, Operand, layer_of
from archsim.loopnest.mapper import MapperResult, Objective, best_mapping
from archsim.loopnest.mapping import Mapping

__all__ = [
    "LayerCost",
    "LoopNestLayer",
    "MapperResult",
    "Mapping",
    "Objective",
    "Operand",
    "best_mapping",
    "evaluate",
    "layer_of",
]
