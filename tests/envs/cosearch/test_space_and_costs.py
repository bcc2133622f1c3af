"""Co-search spaces, the datapath sized by bit-width, the int4 credit and the design evaluator."""

from __future__ import annotations

import pytest
from stub import StubAccuracy

from archsim import simulate
from archsim.errors import InputError
from envs.accuracy import CachedEvaluator
from envs.cosearch import CoSearchEvaluator, get_cosearch_space, network_knobs
from envs.cosearch.precision import datapath_bits, int4_energy_pj, op_precisions
from envs.cosearch.space import with_datapath
from workloads.families import OfaMobileNetV2
from workloads.precision import Precision

SPACE = get_cosearch_space("cosearch-small")


def test_small_space_has_network_then_hardware_knobs_and_fits_dqn() -> None:
    groups = [k.group for k in SPACE.knobs]
    assert groups == sorted(groups, key=lambda g: g != "network")
    assert [k.name for k in SPACE.network_knobs] == ["resolution", "width", "depth", "kernel", "expand", "bits"]
    assert SPACE.size == 972 * 96 <= 100_000


def test_group_knobs_set_every_stage_and_hardware_knobs_build_a_config() -> None:
    design = SPACE.decode(SPACE.reference) | {"bits": 4, "depth": 3, "rows": 16, "dataflow": "os"}
    choices = SPACE.network_choices(design)
    assert all(choices[f"s{i}_bits"] == 4 and choices[f"s{i}_depth"] == 3 for i in range(1, 7))
    config = SPACE.hardware_config(design)
    assert (config.rows, config.dataflow.value) == (16, "os")


def test_only_fixes_the_other_group() -> None:
    design = SPACE.decode(SPACE.reference)
    hardware_only = SPACE.only("hardware", design)
    assert all(len(k) == 1 for k in hardware_only.network_knobs)
    assert hardware_only.size == 96 and hardware_only.network_choices(hardware_only.decode(hardware_only.reference))


def test_unknown_family_or_knob_is_an_input_error() -> None:
    with pytest.raises(InputError, match="unknown network family"):
        network_knobs("nope", {"depth": None})
    with pytest.raises(InputError, match="unknown knob 'depht'"):
        network_knobs("ofa_mbv2", {"depht": None})
    with pytest.raises(InputError, match="unknown co-search space"):
        get_cosearch_space("cosearch-huge")


FAMILY = OfaMobileNetV2()


@pytest.mark.parametrize(("bits", "word_bytes"), [(4, 1), (8, 1), (16, 2)])
def test_datapath_follows_the_widest_stage(bits: int, word_bytes: int) -> None:
    workload = FAMILY.build({"bits": bits})
    assert datapath_bits(workload) == max(bits, 8)  # stem and head stay int8
    config = with_datapath(SPACE.hardware_config(SPACE.decode(SPACE.reference)), datapath_bits(workload))
    assert config.word_bytes == word_bytes


def test_int16_costs_more_than_int8_and_int4_is_credited_less() -> None:
    config = SPACE.hardware_config(SPACE.decode(SPACE.reference))
    energies, areas = {}, {}
    for bits in (4, 8, 16):
        workload = FAMILY.build({"bits": bits})
        cfg = with_datapath(config, datapath_bits(workload))
        metrics = simulate(workload, cfg)
        energies[bits] = int4_energy_pj(metrics, workload, cfg.word_bytes)
        areas[bits] = metrics.area_mm2
    assert energies[4] < energies[8] < energies[16]
    assert areas[4] == areas[8] < areas[16]


def test_int4_credit_touches_only_int4_layers() -> None:
    workload = FAMILY.build({"s2_bits": 4})
    metrics = simulate(workload, SPACE.hardware_config(SPACE.decode(SPACE.reference)))
    precisions = op_precisions(workload)
    assert precisions["stem"] is Precision.INT8 and Precision.INT4 in precisions.values()
    saved = metrics.energy_pj - int4_energy_pj(metrics, workload, 1)
    int4_layers = [layer for layer in metrics.layers if precisions[layer.layer] is Precision.INT4]
    most = sum(layer.energy_pj for layer in int4_layers)
    assert 0 < saved < most
    assert int4_energy_pj(metrics, workload, 2) == metrics.energy_pj


def evaluator(accuracy: object) -> CoSearchEvaluator:
    return CoSearchEvaluator(SPACE, CachedEvaluator(accuracy))  # type: ignore[arg-type]


def test_evaluator_reports_accuracy_macs_and_trains_each_network_once() -> None:
    stub = StubAccuracy()
    ev = evaluator(stub)
    base = SPACE.decode(SPACE.reference)
    a = ev.evaluate(SPACE.encode(base | {"rows": 8}))
    b = ev.evaluate(SPACE.encode(base | {"rows": 64}))
    assert stub.calls == 1 and a.get("accuracy") == b.get("accuracy")
    assert (a.get("accuracy_cached"), b.get("accuracy_cached")) == (0.0, 1.0)
    assert a.get("error_rate") == pytest.approx(1 - a.get("accuracy"))
    assert a.get("macs") == b.get("macs") > 0 and a.latency_s > b.latency_s


class Failing:
    name = "failing"

    def evaluate(self, choices: dict) -> float:
        if choices["s1_bits"] == 4:
            raise RuntimeError("loss is NaN at epoch 2")
        return float("nan") if choices["s1_bits"] == 16 else 0.8


def test_failed_accuracy_makes_the_design_invalid_with_its_error() -> None:
    ev = evaluator(Failing())
    base = SPACE.decode(SPACE.reference)
    raised = ev.evaluate(SPACE.encode(base | {"bits": 4}))
    nan = ev.evaluate(SPACE.encode(base | {"bits": 16}))
    fine = ev.evaluate(SPACE.encode(base | {"bits": 8}))
    assert not raised.valid and "RuntimeError: loss is NaN at epoch 2" in raised.error
    assert not nan.valid and "NaN" in nan.error
    assert fine.valid and fine.get("accuracy") == 0.8


def test_framework_builds_the_proxy_co_search_evaluator_from_the_space_hook() -> None:
    from envs.accuracy import ProxyTrainer
    from envs.evaluate import shared_evaluator

    built = shared_evaluator(SPACE, "ofa_mbv2")
    assert isinstance(built, CoSearchEvaluator) and isinstance(built.accuracy.evaluator, ProxyTrainer)
    assert SPACE.only("network", SPACE.decode(SPACE.reference)).evaluator == SPACE.evaluator
