"""``archsim/HeteroCoSearch-v0``: choose a network and a heterogeneous multi-core system in one action (NASAIC)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import envs.hetero.catalog  # noqa: F401  (registers the hetero spaces with co-search's catalog)
from envs.accuracy import AccuracyEvaluator
from envs.cosearch.env import DEFAULT_PENALTY, CoSearchEnv, accuracy_evaluator, resolve_space
from envs.cosearch.space import CoSearchSpace
from envs.evaluate import Evaluator
from envs.hetero.evaluate import HeteroFactory, hetero_hardware

ENV_ID = "archsim/HeteroCoSearch-v0"

DEFAULT_SPACE = "hetero-small"

HETERO_OBJECTIVES: dict[str, float] = {"accuracy": 10.0, "energy": 0.5}
"""Accuracy dominates; energy breaks ties among designs that meet the specs (as in ``archsim/CoSearch-v0``)."""

HETERO_SPECS: dict[str, float] = {"latency_s": 1e-3, "area_mm2": 2.5, "power_w": 1.0}
"""The specs (NASAIC's latency spec with area and power budgets): 1 ms per inference, 2.5 mm^2 at 45 nm, 1 W."""


class HeteroCoSearchEnv(CoSearchEnv):
    """Propose a network and a heterogeneous multi-core system together; get accuracy, latency, energy, area, power.

    ## Description
    NASAIC-style co-exploration (Yang et al., DAC 2020) of a network and several
    sub-accelerators: each step picks every network knob of a parametric family
    (OFA-MobileNetV2: resolution, width, depth, kernel, expansion, bit-width) and
    a multi-core system: ``n_cores``, the shared ``link_bw`` and ``dram_bw``
    (bytes/cycle) and, per core ``i``, ``core<i>_family`` (systolic array or
    Ethos-U-class NPU), ``core<i>_size`` (MACs/cycle), ``core<i>_dataflow``
    (systolic only) and ``core<i>_sram_kb``. The system simulator maps the network
    layer by layer onto the cores (HEFT with each core's own family cost) and times
    it with DRAM and link contention; accuracy comes from the cached proxy trainer.
    Knobs of cores ``i >= n_cores`` and an NPU core's dataflow are ignored
    (deterministically: such designs are one system, simulated once).

    ## Action Space
    ``MultiDiscrete(cardinalities)``: one value index per knob, network knobs first,
    then ``n_cores, link_bw, dram_bw`` and four knobs per core
    (``env.unwrapped.space.names``; ``space.decode(action)`` gives the design).

    ## Observation Space
    ``Box(-1, 1, (n_knobs + 6,), float32)``: the last design's knob indices scaled to
    [-1, 1]; ``tanh(log(m / m_ref) / 4)`` of latency, energy, area and power against the
    reference design; +1 valid / -1 invalid; then ``2 * accuracy - 1`` (-1 when invalid).

    ## Rewards
    Sum of ``info["reward_terms"]``: ``weight * log(accuracy / reference)`` and
    ``weight * -log(metric / reference)`` per objective (default ``{"accuracy": 10,
    "energy": 0.5}``); ``-penalty_weight * (1 + log(m / spec))`` per violated spec
    (default latency_s <= 1 ms, area_mm2 <= 2.5, power_w <= 1 W, penalty_weight 10);
    ``-invalid_penalty`` for an invalid design (the reason in ``info["metrics"]["error"]``).

    ## Starting State
    The space's reference design (two 16x16 weight-stationary systolic cores) and its metrics.

    ## Episode End
    Never terminates; truncates after ``episode_length`` steps.

    ## Arguments
    ``workload`` (network family, default ``ofa_mbv2``), ``space`` (a hetero co-search
    space name, ``hetero-small`` or ``hetero-2core``, or a :class:`CoSearchSpace` whose hardware is a
    :class:`~envs.hetero.space.HeteroSystemSpace`), ``accuracy`` (``"proxy"``, a ``.csv``
    table, or an evaluator object), ``objectives``, ``budgets``, ``penalty_weight``,
    ``invalid_penalty``, ``episode_length``, ``storage`` (SQLAlchemy URL caching
    accuracies), ``evaluator`` (replaces the whole design evaluation).

    ## Version History
    * v0: initial version.
    """

    def __init__(
        self,
        workload: str = "ofa_mbv2",
        space: str | CoSearchSpace = DEFAULT_SPACE,
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
        hetero_hardware(cospace)  # InputError naming the hetero spaces when it is not one
        if evaluator is None:
            evaluator = HeteroFactory(cospace, accuracy_evaluator(accuracy, workload), storage)()
        super().__init__(
            workload,
            cospace,
            accuracy,
            HETERO_OBJECTIVES if objectives is None else objectives,
            HETERO_SPECS if budgets is None else budgets,
            penalty_weight,
            invalid_penalty,
            episode_length,
            storage,
            evaluator,
            render_mode,
        )

    def step_info(self, point: tuple[int, ...], metrics: Any, terms: Mapping[str, float]) -> dict[str, Any]:
        """Co-search's ``info`` plus ``ignored``: the knobs of this design that cannot change its system."""
        info = super().step_info(point, metrics, terms)
        info["ignored"] = list(hetero_hardware(self.space).ignored(info["hardware"]))
        return info


__all__ = ["DEFAULT_SPACE", "ENV_ID", "HETERO_OBJECTIVES", "HETERO_SPECS", "HeteroCoSearchEnv"]
