"""The one interface every search agent implements, and the ask/tell loop most of them share."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from envs.agents.params import Range, check_params
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
    ranges: Mapping[str, Range] = {}
    """Allowed values of the numeric parameters (checked with each default's type when the agent is made)."""

    def __init__(self, seed: int, params: Mapping[str, Any]) -> None:
        check_params(self.name, params, self.defaults, self.ranges)
        self.seed = int(seed)
        self.params: dict[str, Any] = {**self.defaults, **params}

    @abstractmethod
    def search(self, study: Study, env_id: str, env_kwargs: Mapping[str, Any]) -> None:
        """Propose designs through ``study.evaluate`` until ``study.done``."""


class AskTellAgent(Agent):
    """Agents that propose batches of designs and learn from their trials.

    Sharing a study: every process replays the same proposals. Agents that learn
    (``learns``) wait at each batch for the trials other processes claimed, so every
    process tells the same results and stays in step; agents that do not learn move on
    at once and collect the others' trials at the end, so processes split the work.
    """

    learns: bool = True
    """False when proposals never depend on results (random, exhaustive)."""

    def search(self, study: Study, env_id: str, env_kwargs: Mapping[str, Any]) -> None:
        """Ask a batch of designs at a time, evaluate them in parallel, tell the results."""
        self.setup(study)
        while not study.done:
            points = self.ask(study.batch_size(self.learns))
            if not points:
                return
            trials = study.evaluate(points, wait=self.learns)
            if self.learns:
                self.tell(trials)

    @abstractmethod
    def setup(self, study: Study) -> None:
        """Prepare for the study's space and reward."""

    @abstractmethod
    def ask(self, n: int) -> list[Point]:
        """Up to ``n`` designs to evaluate next (none: the agent has nothing left to try)."""

    @abstractmethod
    def tell(self, trials: list[Trial]) -> None:
        """Learn from the trials of the last ``ask``."""
