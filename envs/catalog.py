"""Named design spaces, hardware and co-search, looked up by one name."""

from __future__ import annotations

import envs.cosearch.terms  # registers the accuracy objective and the macs budget
import envs.hetero.catalog  # noqa: F401  (registers the heterogeneous co-search spaces)
from archsim.errors import InputError, did_you_mean
from envs.cosearch.catalog import RECIPES, get_cosearch_space
from envs.hardware_catalog import SPACES
from envs.spaces import DesignSpace

__all__ = ["SPACES", "get_space"]


def get_space(name: str | DesignSpace) -> DesignSpace:
    """A hardware or co-search space by name (or the space itself), InputError naming the known spaces otherwise.

    Importing ``envs.cosearch`` loads no torch; the proxy trainer imports it on first training.
    """
    if isinstance(name, DesignSpace):
        return name
    if name in SPACES:
        return SPACES[name]
    if name in RECIPES:
        return get_cosearch_space(name)
    known = [*SPACES, *RECIPES]
    raise InputError(f"space: unknown design space {name!r}{did_you_mean(name, known)}; allowed: {', '.join(known)}")
