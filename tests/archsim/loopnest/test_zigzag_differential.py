"""ZigZag 3.9.1 itself (a test extra) on two small convolutions, against archsim's cost model and mapper."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from support.zigzag_reference import hardware, zigzag_inputs

from archsim.loopnest.cost import evaluate
from archsim.loopnest.layer import Operand, layer_of
from archsim.loopnest.mapper import Objective, best_mapping
from archsim.loopnest.mapping import Mapping
from workloads.readers.onnx_reader import read_onnx


@pytest.fixture(scope="module")
def zigzag_run(tiny_onnx: Path, tmp_path_factory: pytest.TempPathFactory) -> list:
    """ZigZag's LOMA search (latency) on the tiny model: its per-layer cost model evaluations."""
    from zigzag.api import get_hardware_performance_zigzag

    logging.disable(logging.WARNING)
    try:
        inputs = zigzag_inputs()
        _, _, cmes = get_hardware_performance_zigzag(
            str(tiny_onnx),
            str(inputs / "hardware" / "tpu_like.yaml"),
            str(inputs / "mapping" / "tpu_like.yaml"),
            opt="latency",
            dump_folder=str(tmp_path_factory.mktemp("zigzag")),
            lpf_limit=6,
            loma_show_progress_bar=False,
        )
    finally:
        logging.disable(logging.NOTSET)
    return [cme for cme, _ in cmes[0][1]]


def _our_mapping(cme) -> Mapping:
    spatial = {str(oa): {str(d): int(f) for d, f in m.items()} for oa, m in cme.layer.spatial_mapping.items()}
    temporal = {
        Operand(str(op)): tuple(tuple((str(d), int(s)) for d, s in level) for level in levels)
        for op, levels in cme.temporal_mapping.mapping_dic_origin.items()
    }
    return Mapping(spatial, temporal)


def test_cost_of_zigzags_mapping_equals_zigzag(tiny_onnx: Path, zigzag_run: list) -> None:
    ops = {node.op.name: node.op for node in read_onnx(tiny_onnx)}
    assert sorted(cme.layer.name for cme in zigzag_run) == ["conv_a", "conv_b"]
    for cme in zigzag_run:
        cost = evaluate(layer_of(ops[cme.layer.name]), hardware("tpu_like"), _our_mapping(cme))
        assert cost.energy_pj == pytest.approx(cme.energy_total, rel=1e-9)
        assert cost.latency_cycles == pytest.approx(cme.latency_total2, rel=1e-9)
        assert cost.stall_cycles == pytest.approx(cme.stall_slack_comb, abs=1e-6)


def test_mapper_matches_zigzag_best_latency(tiny_onnx: Path, zigzag_run: list) -> None:
    ops = {node.op.name: node.op for node in read_onnx(tiny_onnx)}
    for cme in zigzag_run:
        spatial = {"D1": {"K": 32}, "D2": {"C": 32}}  # tpu_like.yaml's default entry
        result = best_mapping(layer_of(ops[cme.layer.name]), hardware("tpu_like"), spatial, Objective.LATENCY)
        assert -0.05 <= result.cost.latency_cycles / cme.latency_total2 - 1 <= 0.02
        assert result.proven_best
