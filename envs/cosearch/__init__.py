"""Network-hardware co-search: spaces, the ``archsim/CoSearch-v0`` env, and the sequential-vs-joint comparison."""

from envs.cosearch.catalog import RECIPES, get_cosearch_space
from envs.cosearch.evaluate import CoSearchEvaluator, CoSearchFactory
from envs.cosearch.space import CoSearchSpace, cosearch_space, network_knobs

__all__ = [
    "RECIPES",
    "CoSearchEvaluator",
    "CoSearchFactory",
    "CoSearchSpace",
    "cosearch_space",
    "get_cosearch_space",
    "network_knobs",
]
