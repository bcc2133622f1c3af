"""Parametric network families for co-search: named discrete knobs -> a Workload.

Importing this package fills :data:`workloads.registry.FAMILIES` (name -> family object).
"""

from workloads.families.base import Family
from workloads.families.ofa_mbv2 import MbStage, MobileNetStructure, OfaMobileNetV2
from workloads.families.transformer import TinyTransformer, TransformerStructure
from workloads.llm.family import LLM_FAMILY
from workloads.registry import FAMILIES

FAMILIES.update({family.name: family for family in (OfaMobileNetV2(), TinyTransformer(), LLM_FAMILY)})

__all__ = [
    "FAMILIES",
    "Family",
    "MbStage",
    "MobileNetStructure",
    "OfaMobileNetV2",
    "TinyTransformer",
    "TransformerStructure",
]
