"""Parametric network families for co-search: named discrete knobs -> a Workload.

:data:`FAMILIES` maps each family's name to its object; :mod:`workloads.registry` reads it.
"""

from workloads.families.base import Family
from workloads.families.ofa_mbv2 import MbStage, MobileNetStructure, OfaMobileNetV2
from workloads.families.transformer import TinyTransformer, TransformerStructure
from workloads.llm.family import LLM_FAMILY

FAMILIES: dict[str, Family] = {family.name: family for family in (OfaMobileNetV2(), TinyTransformer(), LLM_FAMILY)}
"""Family name -> parametric family object."""

__all__ = [
    "FAMILIES",
    "Family",
    "MbStage",
    "MobileNetStructure",
    "OfaMobileNetV2",
    "TinyTransformer",
    "TransformerStructure",
]
