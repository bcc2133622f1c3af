"""Baselines: uniform random sampling and exhaustive enumeration (the ground truth for regret)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from archsim.errors import InputError
from envs.agents.base import AskTellAgent
from envs.spaces import DesignSpace, Point
from envs.storage import Trial

if TYPE_CHECKING:
    from envs.runner import Study


class RandomAgent(AskTellAgent):
    """Uniform random designs without repetition (until the space runs out)."""

    name = "random"
    learns = False

    def setup(self, study: Study) -> None:
        """Seed the generator and forget past proposals."""
        self.space: DesignSpace = study.task.space
        self.rng = np.random.default_rng(self.seed)
        self.seen: set[Point] = set()

    def ask(self, n: int) -> list[Point]:
        """``n`` unseen designs drawn uniformly."""
        out: list[Point] = []
        cards = np.array(self.space.cardinalities)
        while len(out) < n and len(self.seen) < self.space.size:
            point = tuple(int(i) for i in self.rng.integers(0, cards))
            if point not in self.seen:
                self.seen.add(point)
                out.append(point)
        return out

    def tell(self, trials: list[Trial]) -> None:
        """Random search learns nothing."""


class ExhaustiveAgent(AskTellAgent):
    """Every design in row-major order; stops once the space is enumerated."""

    name = "exhaustive"
    learns = False
    limit = 10_000_000
    """Largest space it accepts."""

    def setup(self, study: Study) -> None:
        """Start at the first design."""
        self.space = study.task.space
        if self.space.size > self.limit:
            raise InputError.option(
                "agent exhaustive",
                "--agent exhaustive",
                f"space {self.space.name} has {self.space.size} designs, more than {self.limit}; use a sampling agent",
            )
        self.cursor = 0

    def ask(self, n: int) -> list[Point]:
        """The next ``n`` designs in order."""
        end = min(self.cursor + n, self.space.size)
        out = [self.space.point_at(i) for i in range(self.cursor, end)]
        self.cursor = end
        return out

    def tell(self, trials: list[Trial]) -> None:
        """Enumeration ignores results."""
