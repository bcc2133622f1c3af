"""Co-search on the FPGA, NPU and packed-int4 systolic families: spaces, env checkers, datapaths, specs."""

from __future__ import annotations

import warnings
from pathlib import Path

import gymnasium as gym
import pytest
from gymnasium.utils.env_checker import check_env
from stub import StubAccuracy

from archsim.simulate import simulate
from envs.accuracy import CachedEvaluator
from envs.constraints import budgets_from
from envs.cosearch import get_cosearch_space
from envs.cosearch.evaluate import CoSearchEvaluator
from envs.cosearch.run import CoSearchRun, run_cosearch, study_trials
from envs.cosearch.space import with_datapath
from workloads.registry import families

SIZES = {"cosearch-fpga": 69_984, "cosearch-npu": 209_952, "cosearch-systolic-int4": 186_624}
PLAIN = {"cosearch-fpga": ("mac_impl", "dsp"), "cosearch-npu": ("weight_precisions", "int8")}
PLAIN["cosearch-systolic-int4"] = ("int4_macs_per_pe", 1)


def evaluator(space: str) -> tuple[CoSearchEvaluator, dict]:
    cospace = get_cosearch_space(space)
    return CoSearchEvaluator(cospace, CachedEvaluator(StubAccuracy())), cospace.decode(cospace.reference)


@pytest.mark.parametrize("name", list(SIZES))
def test_space_is_network_then_hardware_and_its_reference_is_the_plain_hardware(name: str) -> None:
    space = get_cosearch_space(name)
    groups = [k.group for k in space.knobs]
    assert groups == sorted(groups, key=lambda g: g != "network") and space.size == SIZES[name]
    assert f"{SIZES[name]:,}" in space.description
    ev, reference = evaluator(name)
    assert ev.evaluate(space.reference).valid
    knob, plain = PLAIN[name]
    assert reference[knob] == plain


@pytest.mark.parametrize("name", ["cosearch-fpga", "cosearch-npu"])
def test_env_passes_the_checker_on_the_space(name: str) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        env = gym.make("archsim/CoSearch-v0", space=name, accuracy=StubAccuracy(), episode_length=4)
        check_env(env.unwrapped, skip_render_check=True)


@pytest.mark.parametrize(("bits", "precision"), [(4, "int8"), (8, "int8"), (16, "int16")])
def test_fpga_engine_computes_at_the_widest_layer_precision(bits: int, precision: str) -> None:
    ev, reference = evaluator("cosearch-fpga")
    config = with_datapath(ev.cospace.hardware_config(reference | {"bits": bits}), 16 if bits == 16 else 8)
    assert config.precision.value == precision  # int4 stages beside the 8-bit stem: an int8 engine
    assert with_datapath(config, 4).precision.value == "int4"


def test_npu_bit_width_support_decides_which_networks_run() -> None:
    ev, reference = evaluator("cosearch-npu")
    space = ev.cospace
    int4_on_ethos = ev.evaluate(space.encode(reference | {"bits": 4, "weight_precisions": "int8"}))
    int4_on_int4 = ev.evaluate(space.encode(reference | {"bits": 4, "weight_precisions": "int4+int8"}))
    int8 = ev.evaluate(space.encode(reference | {"bits": 8, "weight_precisions": "int8"}))
    int16 = ev.evaluate(space.encode(reference | {"bits": 16, "weight_precisions": "int4+int8"}))
    assert not int4_on_ethos.valid and "int4 weights, not supported; allowed weights: int8" in int4_on_ethos.error
    assert not int16.valid and "int16 weights" in int16.error and "\n" not in int16.error
    assert int4_on_int4.valid and int4_on_int4.energy_pj < int8.energy_pj and "sram_kb" in int8.extra


def test_packed_int4_pes_speed_int4_networks_and_are_costed_by_the_simulator() -> None:
    ev, reference = evaluator("cosearch-systolic-int4")
    space = ev.cospace
    plain = ev.evaluate(space.encode(reference | {"bits": 4, "int4_macs_per_pe": 1}))
    packed_design = reference | {"bits": 4, "int4_macs_per_pe": 2}
    packed = ev.evaluate(space.encode(packed_design))
    assert packed.latency_s < plain.latency_s and packed.area_mm2 > plain.area_mm2
    workload = families()["ofa_mbv2"].build(space.network_choices(packed_design))
    config = with_datapath(space.hardware_config(packed_design), 8)
    assert packed.energy_pj == pytest.approx(simulate(workload, config).energy_pj)  # no second int4 credit
    int16 = ev.evaluate(space.encode(reference | {"bits": 16, "int4_macs_per_pe": 2}))
    assert not int16.valid and "needs word_bytes 1" in int16.error


def test_fpga_co_search_under_user_unit_specs_records_resources(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 's.db'}"
    specs = budgets_from(["fps>=100", "dsp<=0.5"])
    run = CoSearchRun("random", 5, seed=0, space="cosearch-fpga", accuracy=StubAccuracy(), budgets=specs, storage=url)
    result = run_cosearch(run, progress=False)
    trials = study_trials(url, result.study)
    assert result.evaluations == 5 and result.best is not None
    valid = [t for t in trials if t.metrics.valid]
    assert valid and all(0 <= t.metrics.get("dsp_pct") <= 100 for t in valid)
    meets = [t for t in valid if t.metrics.latency_s <= 0.01 and t.metrics.get("dsp_pct") <= 50]
    best = next(t for t in trials if t.trial_id == result.best["trial"])
    assert not meets or best in meets  # a design meeting the specs beats every one that breaks them
