"""``archsim/CoSearch-v0``: choose a network and its accelerator in one action (NASAIC style)."""

from __future__ import annotations

import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
from gymnasium import spaces

import envs.cosearch.terms  # noqa: F401  (registers the accuracy objective and the macs budget)
from archsim.errors import InputError
from envs.accuracy import AccuracyEvaluator, FamilyProxy, ProxyTrainer, TableEvaluator
from envs.cosearch.catalog import get_cosearch_space
from envs.cosearch.evaluate import CoSearchFactory
from envs.cosearch.space import CoSearchSpace
from envs.dse import DesignEnv
from envs.evaluate import DesignMetrics, Evaluator
from workloads.registry import families

DEFAULT_OBJECTIVES: dict[str, float] = {"accuracy": 10.0, "energy": 0.5}
"""Accuracy dominates; energy breaks ties among designs that meet the specs."""

DEFAULT_BUDGETS: dict[str, float] = {"latency_s": 2e-3, "area_mm2": 5.0}
"""The specs (NASAIC's latency and area constraints): 2 ms per inference at 1 GHz, 5 mm^2 at 45 nm."""

DEFAULT_PENALTY = 10.0
"""Weight of each violated spec: breaking one costs more than any accuracy gain."""


def accuracy_evaluator(accuracy: AccuracyEvaluator | str, family: str) -> AccuracyEvaluator:
    """``"proxy"`` (train on digits), ``"llm-perplexity"`` (published perplexity by weight bits,
    :class:`envs.llm.PerplexityEvaluator`), a ``.csv`` lookup table, or an evaluator object as is."""
    if isinstance(accuracy, str):
        if accuracy == "proxy":
            return ProxyTrainer(FamilyProxy(families()[family]))
        if accuracy == "llm-perplexity":
            from envs.llm import PerplexityEvaluator

            return PerplexityEvaluator()
        if Path(accuracy).suffix.lower() == ".csv":
            return TableEvaluator(accuracy)
        raise InputError(
            f"accuracy: unknown evaluator {accuracy!r}; allowed: proxy, llm-perplexity, a .csv table, or an object"
        )
    if not callable(getattr(accuracy, "evaluate", None)):
        raise InputError(f"accuracy: {accuracy!r} has no evaluate(choices) method")
    return accuracy


def resolve_space(space: str | CoSearchSpace, family: str) -> CoSearchSpace:
    """A co-search space by name (or the space itself), checked against ``family``."""
    resolved = get_cosearch_space(space) if isinstance(space, str) else space
    if not isinstance(resolved, CoSearchSpace):
        raise InputError(f"space: expected a co-search space name or CoSearchSpace, got {space!r}")
    if resolved.family != family:
        raise InputError(f"workload: space {resolved.name} searches family {resolved.family!r}, not {family!r}")
    return resolved


class CoSearchEnv(DesignEnv):
    """Propose a network and an accelerator together; get accuracy, latency, energy and area.

    ## Description
    Network-hardware co-search as in NASAIC (Yang et al., DAC 2020): each step picks
    every network knob of a parametric family (per-stage width, depth, kernel,
    expansion, bit-width, input resolution) and every hardware knob (systolic array
    shape, bandwidth, dataflow...). The network is simulated on the hardware with a
    datapath sized for its bit-widths, and its accuracy comes from a real signal: by
    default a scaled-down copy trained briefly on scikit-learn's digits with
    fake quantisation (``envs.accuracy``), cached per network.

    ## Action Space
    ``MultiDiscrete(cardinalities)``: one value index per knob, network knobs first
    (``env.unwrapped.space.names``; ``space.decode(action)`` gives the design).

    ## Observation Space
    ``Box(-1, 1, (n_knobs + 6,), float32)``: the last design's knob indices scaled to
    [-1, 1]; ``tanh(log(m / m_ref) / 4)`` of latency, energy, area and power against the
    reference design; +1 valid / -1 invalid; then ``2 * accuracy - 1`` (-1 when invalid).

    ## Rewards
    Sum of ``info["reward_terms"]``: ``weight * log(accuracy / reference)`` and
    ``weight * -log(metric / reference)`` per objective (default ``{"accuracy": 10,
    "energy": 0.5}``); ``-penalty_weight * (1 + log(m / spec))`` per violated spec
    (default latency_s <= 2 ms, area_mm2 <= 5, penalty_weight 10); ``-invalid_penalty``
    for an invalid design, including one whose accuracy evaluation failed (the error
    is in ``info["metrics"]["error"]``).

    ## Starting State
    The space's reference design and its metrics (deterministic).

    ## Episode End
    Never terminates; truncates after ``episode_length`` steps.

    ## Arguments
    ``workload`` (network family, default ``ofa_mbv2``), ``space`` (co-search space
    name or :class:`CoSearchSpace`, default ``cosearch-small``), ``accuracy`` (``"proxy"``,
    a ``.csv`` table, or an evaluator object), ``objectives``, ``budgets``,
    ``penalty_weight``, ``invalid_penalty``, ``episode_length``, ``storage``
    (SQLAlchemy URL caching accuracies across runs and workers), ``evaluator`` (replaces
    the whole design evaluation, e.g. a study's).

    ## Version History
    * v0: initial version.
    """

    def __init__(
        self,
        workload: str = "ofa_mbv2",
        space: str | CoSearchSpace = "cosearch-small",
        accuracy: AccuracyEvaluator | str = "proxy",
        objectives: Mapping[str, float] | None = None,
        budgets: Mapping[str, float] | None = None,
        penalty_weight: float = DEFAULT_PENALTY,
        invalid_penalty: float = 10.0,
        episode_length: int = 32,
        storage: str | None = None,
        evaluator: Evaluator | None = None,
        render_mode: str | None = None,
    ) -> None:
        cospace = resolve_space(space, workload)
        if evaluator is None:
            evaluator = CoSearchFactory(cospace, accuracy_evaluator(accuracy, workload), storage)()
        super().__init__(
            workload,
            cospace,
            DEFAULT_OBJECTIVES if objectives is None else objectives,
            DEFAULT_BUDGETS if budgets is None else budgets,
            penalty_weight,
            invalid_penalty,
            episode_length,
            evaluator,
            False,
            render_mode,
        )
        width = self.observation_space.shape[0] + 1
        self.observation_space = spaces.Box(-1.0, 1.0, (width,), np.float32)

    def metric_features(self, metrics: DesignMetrics) -> np.ndarray:
        """The DSE features, then the accuracy mapped to [-1, 1]."""
        accuracy = metrics.extra.get("accuracy", math.nan) if metrics.valid else math.nan
        feature = 2.0 * float(accuracy) - 1.0 if math.isfinite(accuracy) else -1.0
        return np.append(super().metric_features(metrics), np.float32(feature)).astype(np.float32)

    def step_info(self, point: tuple[int, ...], metrics: DesignMetrics, terms: Mapping[str, float]) -> dict[str, Any]:
        """The DSE ``info`` plus the design split into its network and hardware halves."""
        info = super().step_info(point, metrics, terms)
        design = info["design"]
        info["network"] = {k.name: design[k.name] for k in self.space.knobs if k.group == "network"}
        info["hardware"] = {k.name: design[k.name] for k in self.space.knobs if k.group == "hardware"}
        return info
