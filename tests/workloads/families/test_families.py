"""Parametric families: knobs, validation, spec syntax, determinism and how choices move MACs and bytes."""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from workloads import InputError, Precision, load_workload
from workloads.families import FAMILIES, OfaMobileNetV2, TinyTransformer
from workloads.ops import Conv2d, MatMul
from workloads.registry import family_names

OFA = OfaMobileNetV2()
TINY = TinyTransformer()


def _choices(family: Any) -> st.SearchStrategy[dict[str, Any]]:
    return st.fixed_dictionaries({k: st.sampled_from(v) for k, v in family.knobs.items()})


def _convs(workload: Any) -> list[tuple[Any, ...]]:
    return [
        (op.in_channels, op.out_channels, op.kernel_h, op.stride_h, op.groups, op.in_h)
        for op in workload.ops
        if isinstance(op, Conv2d)
    ]


def test_registry_lists_both_families() -> None:
    assert family_names() == ["llm", "ofa_mbv2", "tiny_transformer"]  # llm: workloads/llm/family.py
    assert isinstance(FAMILIES["ofa_mbv2"], OfaMobileNetV2)


@pytest.mark.parametrize("family", [OFA, TINY], ids=lambda f: f.name)
def test_knobs_are_discrete_and_default_is_allowed(family: Any) -> None:
    assert set(family.default) == set(family.knobs)
    for knob, allowed in family.knobs.items():
        assert isinstance(allowed, tuple) and len(allowed) == len(set(allowed)) >= 2
        assert family.default[knob] in allowed
    for members in family.groups.values():
        assert set(members) <= set(family.knobs)


def test_ofa_default_is_exactly_mobilenet_v2() -> None:
    default = OFA.build({})
    reference = load_workload("mobilenet_v2")
    assert default.total_macs == reference.total_macs
    assert _convs(default) == _convs(reference)


def test_cli_spec_sets_every_stage() -> None:
    workload = load_workload("ofa_mbv2:width=0.75,kernel=5,depth=3,resolution=160,bits=8")
    structure = OFA.structure(OFA.parse("width=0.75,kernel=5,depth=3,resolution=160,bits=8"))
    assert structure.resolution == 160
    assert [s.channels for s in structure.stages] == [24, 24, 48, 72, 120, 240]
    assert {(s.depth, s.kernel, s.expand) for s in structure.stages} == {(3, 5, 6)}
    assert workload.tensor("input").shape == (1, 3, 160, 160)
    dws = [op for op in workload.ops if isinstance(op, Conv2d) and op.is_depthwise and op.name.startswith("stage")]
    assert len(dws) == 18 and {op.kernel_h for op in dws} == {5}


def test_per_stage_lists_and_later_items_win() -> None:
    choices = OFA.parse("kernel=3/5/7/3/5/7,s3_kernel=3,depth=4,s6_depth=1,s2_bits=4")
    assert [choices[f"s{i}_kernel"] for i in range(1, 7)] == [3, 5, 3, 3, 5, 7]
    assert [choices[f"s{i}_depth"] for i in range(1, 7)] == [4, 4, 4, 4, 4, 1]
    assert choices["s2_bits"] == 4 and choices["s1_bits"] == 8


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("kernel=4", "s1_kernel=4 is not allowed; allowed: 3, 5, 7"),
        ("s3_expand=5", "s3_expand=5 is not allowed; allowed: 3, 4, 6"),
        ("resolution=100", "resolution=100 is not allowed; allowed: 128, 144"),
        ("width=big", "s1_width='big' is not allowed; allowed: 0.5, 0.75, 1.0, 1.25"),
        ("kernl=3", "unknown knob 'kernl'; allowed: resolution, s1_width"),
        ("kernel=3/5", "gives 2 values; give one, or 6 separated by '/'"),
        ("kernel", "is not knob=value"),
    ],
)
def test_bad_choices_name_knob_value_and_allowed(text: str, expected: str) -> None:
    with pytest.raises(InputError, match="family ofa_mbv2: ") as error:
        load_workload(f"ofa_mbv2:{text}")
    assert expected in str(error.value)


def test_build_validates_python_choices_too() -> None:
    with pytest.raises(InputError, match="layers=3 is not allowed; allowed: 2, 4, 6, 8, 12"):
        TINY.build({"layers": 3})
    with pytest.raises(InputError, match="unknown knob 'depth'"):
        TINY.build({"depth": 2})


def test_numpy_values_from_a_space_sample_are_accepted() -> None:
    rng = np.random.default_rng(0)
    picks = {k: v[rng.integers(len(v))] for k, v in OFA.knobs.items()}
    as_numpy = {k: np.asarray(v)[()] for k, v in picks.items()}
    assert OFA.choices(as_numpy) == picks
    assert OFA.build(as_numpy).total_macs == OFA.build(picks).total_macs


@settings(max_examples=25, deadline=None)
@given(_choices(OFA))
def test_ofa_spec_round_trips_and_build_is_deterministic(choices: dict[str, Any]) -> None:
    spec = OFA.spec(choices)
    assert OFA.parse(spec.partition(":")[2]) == choices
    first, second = OFA.build(choices), load_workload(spec)
    assert first.name == second.name == spec
    assert [n.name for n in first.nodes] == [n.name for n in second.nodes]
    assert first.total_macs == second.total_macs


@settings(max_examples=25, deadline=None)
@given(_choices(OFA), st.integers(1, 6), st.sampled_from(["depth", "kernel", "expand", "width"]))
def test_ofa_more_of_any_knob_means_more_macs(choices: dict[str, Any], stage: int, what: str) -> None:
    knob = f"s{stage}_{what}"
    allowed = OFA.knobs[knob]
    position = allowed.index(choices[knob])
    if position + 1 == len(allowed):
        position -= 1
    small = OFA.build({**choices, knob: allowed[position]})
    large = OFA.build({**choices, knob: allowed[position + 1]})
    same_shape = OFA.structure({**choices, knob: allowed[position]}) == OFA.structure(
        {**choices, knob: allowed[position + 1]}
    )
    if what == "width" and same_shape:
        assert large.total_macs == small.total_macs  # both widths round to the same channel count
    else:
        assert large.total_macs > small.total_macs


def test_ofa_resolution_scales_macs() -> None:
    low, high = OFA.build({"resolution": 128}), OFA.build({"resolution": 224})
    assert low.total_macs < high.total_macs < low.total_macs * (224 / 128) ** 2


def test_ofa_bits_set_stage_tensor_precision() -> None:
    int8 = OFA.build({})
    mixed = OFA.build({"s2_bits": 4, "s5_bits": 16})
    assert mixed.total_macs == int8.total_macs
    w8, w4 = int8.tensor("stage2.0.expand:w"), mixed.tensor("stage2.0.expand:w")
    assert mixed.tensor_bytes(w4.name) * 2 == int8.tensor_bytes(w8.name)
    assert mixed.tensor("stage5.0.project:out").precision is Precision.INT16
    assert mixed.tensor("stem:w").precision is None and mixed.precision is Precision.INT8


def test_ofa_structure_is_a_plain_dataclass_for_reduced_models() -> None:
    structure = OFA.structure({"depth": 1, "width": 0.5})
    small = dataclasses.replace(structure, resolution=32, num_classes=10, head_channels=256)
    assert dataclasses.asdict(small)["stages"][0]["channels"] == 16
    workload = OFA.build_structure(small, "proxy")
    assert workload.tensor("classifier:out").shape == (1, 10)
    assert workload.tensor("head:out").shape == (1, 256, 1, 1)


def test_tiny_transformer_default_macs_and_heads() -> None:
    workload = TINY.build({})
    layers, width, ffn, seq = 4, 384, 4 * 384, 128
    per_layer = seq * (4 * width * width + 2 * width * ffn) + 2 * seq * seq * width
    assert workload.total_macs == layers * per_layer
    scores = next(op for op in workload.ops if isinstance(op, MatMul) and op.name == "layer0.attn.scores")
    assert (scores.batch, scores.k) == (6, 64)


def test_tiny_transformer_every_combination_is_buildable() -> None:
    assert all(h % n == 0 for h in TINY.knobs["hidden"] for n in TINY.knobs["heads"])
    workload = load_workload("tiny_transformer:layers=2,hidden=192,heads=12,mlp_ratio=2,seq=64,bits=4")
    assert workload.precision is Precision.INT4
    assert workload.total_macs == 2 * (64 * (4 * 192 * 192 + 2 * 192 * 384) + 2 * 64 * 64 * 192)


def test_unknown_family_or_name_lists_the_families() -> None:
    with pytest.raises(InputError, match="ofa_mbv2, tiny_transformer"):
        load_workload("ofa_mbv3:kernel=3")
