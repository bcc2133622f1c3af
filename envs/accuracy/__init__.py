"""Accuracy evaluators for co-search: the interface, a proxy trainer, a function wrapper, a CSV table, a cache.

Torch is imported only when the proxy trainer actually trains (``envs.accuracy.torchnet``).
"""

from envs.accuracy.base import AccuracyEvaluator, AccuracyRecord, Choices, canonical_key, evaluator_name
from envs.accuracy.cache import AccuracyStore, CachedEvaluator, CacheStats, MemoryStore, SqlStore
from envs.accuracy.function import FunctionEvaluator
from envs.accuracy.proxy import ProxyNetwork, ProxyStage, ProxyTrainer, TrainingSetup
from envs.accuracy.scaling import FamilyProxy
from envs.accuracy.table import TableEvaluator

__all__ = [
    "AccuracyEvaluator",
    "AccuracyRecord",
    "AccuracyStore",
    "CacheStats",
    "CachedEvaluator",
    "Choices",
    "FamilyProxy",
    "FunctionEvaluator",
    "MemoryStore",
    "ProxyNetwork",
    "ProxyStage",
    "ProxyTrainer",
    "SqlStore",
    "TableEvaluator",
    "TrainingSetup",
    "canonical_key",
    "evaluator_name",
]
