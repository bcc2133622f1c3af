"""Heterogeneous network-system co-search: the ``archsim/HeteroCoSearch-v0`` space, evaluator and runs.

Importing this package registers the hetero spaces (``hetero-small``, ``hetero-2core``) with co-search's catalog.
"""

from envs.hetero.catalog import HETERO_RECIPES
from envs.hetero.space import MEMORY_KNOBS, HeteroSystemSpace, core_knob, core_of, hetero_system_space

__all__ = ["HETERO_RECIPES", "MEMORY_KNOBS", "HeteroSystemSpace", "core_knob", "core_of", "hetero_system_space"]
