"""The one interface every search agent implements, and the ask/tell loop most of them share."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from archsim.errors import InputError
from envs.spaces import Point
from envs.storage import Trial

if TYPE_CHECKING:
    from envs.runner import Study


class Agent(ABC):
    """A search strategy: spends a study's budget proposing designs.

    Agents must be deterministic given their seed and the results they are told:
    that is what lets a killed study resume by replaying them.
    """

    name: str = ""
    defaults: Mapping[str, Any] = {}

    def __init__(self, seed: int, params: Mapping[str, Any]) -> None:
        unknown = sorted(set(params) - set(self.defaults))
        if unknown:
            raise InputError(
                f"agent {self.name}: unknown parameter {unknown[0]!r}; allowed: {', '.join(self.defaults) or 'none'}"
            )
        self.seed = int(seed)
        self.params: dict[str, Any] = {**self.defaults, **params}

    @abstractmethod
    def search(self, study: Study, env_id: str, env_kwargs: Mapping[str, Any]) -> None:
        """Propose designs through ``study.evaluate`` until ``study.done``."""


class AskTellAgent(Agent):
    """Agents that propose batches of designs and learn from their trials."""

    def search(self, study: Study, env_id: str, env_kwargs: Mapping[str, Any]) -> None:
        """Ask ``workers`` designs at a time, evaluate them in parallel, tell the results."""
        self.setup(study)
        while not study.done:
            points = self.ask(min(study.config.workers, study.remaining))
            if not points:
                return
            self.tell(study.evaluate(points))

    @abstractmethod
    def setup(self, study: Study) -> None:
        """Prepare for the study's space and reward."""

    @abstractmethod
    def ask(self, n: int) -> list[Point]:
        """Up to ``n`` designs to evaluate next (none: the agent has nothing left to try)."""

    @abstractmethod
    def tell(self, trials: list[Trial]) -> None:
        """Learn from the trials of the last ``ask``."""
