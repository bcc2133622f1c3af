"""A genetic algorithm over knob indices: tournament selection, uniform crossover, per-gene mutation.

(mu + lambda) survival: each generation's children compete with the best designs
seen so far. Children already evaluated are re-drawn (a few tries), so the budget
goes to new designs.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from envs.agents.base import AskTellAgent
from envs.agents.params import AT_LEAST_ONE, UNIT, Range
from envs.spaces import Point
from envs.storage import Trial

if TYPE_CHECKING:
    from envs.runner import Study


class GeneticAgent(AskTellAgent):
    """Genetic algorithm; ``population`` designs per generation."""

    name = "ga"
    defaults = {"population": 24, "mutation": 0.2, "crossover": 0.9, "tournament": 3}  # noqa: RUF012
    ranges = {"population": Range(2), "mutation": UNIT, "crossover": UNIT, "tournament": AT_LEAST_ONE}  # noqa: RUF012
    retries = 20
    """Attempts at drawing an unseen child before accepting a repeat."""

    def setup(self, study: Study) -> None:
        """Take the (checked) hyperparameters and start with an empty population."""
        self.population = int(self.params["population"])
        self.mutation = float(self.params["mutation"])
        self.crossover = float(self.params["crossover"])
        self.tournament = int(self.params["tournament"])
        self.space = study.task.space
        self.cards = np.array(self.space.cardinalities)
        self.rng = np.random.default_rng(self.seed)
        self.seen: set[Point] = set()
        self.pool: list[Trial] = []
        self.queue: list[Point] = []
        self.pending = 0

    def _random(self) -> Point:
        return tuple(int(i) for i in self.rng.integers(0, self.cards))

    def _select(self) -> Point:
        picks = self.rng.integers(0, len(self.pool), size=min(self.tournament, len(self.pool)))
        return max((self.pool[int(i)] for i in picks), key=lambda t: t.reward).point

    def _child(self) -> Point:
        if len(self.pool) < 2:
            return self._random()
        a, b = np.array(self._select()), np.array(self._select())
        child = np.where(self.rng.random(len(a)) < 0.5, a, b) if self.rng.random() < self.crossover else a.copy()
        mutate = self.rng.random(len(child)) < self.mutation
        child[mutate] = self.rng.integers(0, self.cards[mutate])
        return tuple(int(i) for i in child)

    def _next_generation(self) -> None:
        for _ in range(self.population):
            if len(self.seen) >= self.space.size:
                return
            child = self._child()
            for _ in range(self.retries):
                if child not in self.seen:
                    break
                child = self._child()
            self.seen.add(child)
            self.queue.append(child)

    def ask(self, n: int) -> list[Point]:
        """Designs of the current generation (a new one once the last is fully told)."""
        if not self.queue and self.pending == 0:
            self._next_generation()
        out, self.queue = self.queue[:n], self.queue[n:]
        self.pending += len(out)
        return out

    def tell(self, trials: list[Trial]) -> None:
        """Merge the children into the population, keeping the best ``population`` distinct designs."""
        self.pending -= len(trials)
        merged = {t.point: t for t in self.pool}
        for trial in trials:
            merged.setdefault(trial.point, trial)
        self.pool = sorted(merged.values(), key=lambda t: (-t.reward, t.trial_id))[: self.population]
