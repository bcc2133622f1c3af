"""Reward terms: relative to the reference, budgets as penalties, invalid designs as a term."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from archsim.errors import InputError
from envs.evaluate import DesignMetrics
from envs.rewards import RewardFunction

REF = DesignMetrics(latency_s=1e-3, energy_pj=1e9, area_mm2=10.0)


def test_reference_scores_zero_and_better_scores_positive() -> None:
    fn = RewardFunction({"edp": 1.0, "area": 0.5}, {}, REF)
    assert fn.reward(REF) == pytest.approx(0.0)
    faster = DesignMetrics(latency_s=5e-4, energy_pj=1e9, area_mm2=10.0)
    assert fn.terms_of(faster)["edp"] == pytest.approx(math.log(2))
    assert fn.reward(faster) > 0


def test_terms_sum_to_reward_and_weights_scale_terms() -> None:
    design = DesignMetrics(latency_s=2e-3, energy_pj=5e8, area_mm2=40.0)
    fn = RewardFunction({"latency": 2.0, "energy": 1.0, "area": 0.25}, {"area_mm2": 20.0}, REF)
    terms = fn.terms_of(design)
    assert sum(terms.values()) == pytest.approx(fn.reward(design))
    assert terms["latency"] == pytest.approx(-2 * math.log(2))
    assert terms["area"] == pytest.approx(-0.25 * math.log(4))
    assert terms["area_budget"] == pytest.approx(-(1 + math.log(2)))
    assert terms["invalid"] == 0.0


def test_budget_met_costs_nothing() -> None:
    fn = RewardFunction({"edp": 1.0}, {"power_w": 10.0, "latency_s": 1.0}, REF)
    terms = fn.terms_of(REF)
    assert terms["power_budget"] == terms["latency_budget"] == 0.0


def test_invalid_design_gets_only_the_invalid_term() -> None:
    fn = RewardFunction({"edp": 1.0}, {"area_mm2": 1.0}, REF, invalid_penalty=7.0)
    terms = fn.terms_of(DesignMetrics.invalid("does not fit"))
    assert terms == {"edp": 0.0, "area_budget": 0.0, "invalid": -7.0}


def test_unknown_objective_or_budget_is_input_error() -> None:
    with pytest.raises(InputError, match="unknown objective 'speed'"):
        RewardFunction({"speed": 1.0}, {}, REF)
    with pytest.raises(InputError, match="unknown metric 'dsp'"):
        RewardFunction({"edp": 1.0}, {"dsp": 3}, REF)
    with pytest.raises(InputError, match="must be a number > 0"):
        RewardFunction({"edp": 1.0}, {"area_mm2": -1}, REF)


def test_metrics_round_trip_through_plain_data() -> None:
    metrics = DesignMetrics(1e-3, 2e9, 3.0, extra={"accuracy": 0.9})
    back = DesignMetrics.from_dict(metrics.to_dict())
    assert back == metrics and back.edp_js == pytest.approx(2e-3 * 1e-3)
    bad = DesignMetrics.from_dict(DesignMetrics.invalid("x\ny").to_dict())
    assert not bad.valid and bad.error == "x"


positive = st.floats(1e-9, 1e9, allow_nan=False, allow_infinity=False)


@given(positive, positive, positive, positive)
def test_edp_reward_orders_designs_as_their_edp(lat_a: float, en_a: float, lat_b: float, en_b: float) -> None:
    fn = RewardFunction({"edp": 1.0}, {}, REF)
    a, b = DesignMetrics(lat_a, en_a, 1.0), DesignMetrics(lat_b, en_b, 1.0)
    if a.edp_js < b.edp_js * (1 - 1e-9):
        assert fn.reward(a) > fn.reward(b)


@given(positive, st.floats(0.1, 100.0))
def test_budget_penalty_grows_with_the_violation(area: float, bound: float) -> None:
    fn = RewardFunction({"edp": 1.0}, {"area_mm2": bound}, REF)
    worse = fn.terms_of(DesignMetrics(1e-3, 1e9, area * 2))["area_budget"]
    assert worse <= fn.terms_of(DesignMetrics(1e-3, 1e9, area))["area_budget"] <= 0
