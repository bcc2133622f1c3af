"""Spatial-unrolling candidates: the ``zigzag`` set equals ZigZag 3.9.1's own generator."""

from __future__ import annotations

import copy
import dataclasses
import functools
import logging
from pathlib import Path

import pytest
from support.zigzag_reference import hardware, onnx_ops

from archsim.loopnest.layer import layer_of
from archsim.loopnest.spatial import spatial_candidates

CASES = [  # (accelerator, network, layer): open array dimensions, bandwidth and capacity limits
    ("eyeriss_like", "resnet18.onnx", "/conv1/Conv"),
    ("eyeriss_like", "resnet18.onnx", "/layer1/layer1.0/conv1/Conv"),
    ("eyeriss_like", "resnet18.onnx", "/fc/Gemm"),
    ("tesla_npu_like", "resnet18.onnx", "/layer1/layer1.0/conv1/Conv"),  # capacity-limited, shared unrollings
    ("tesla_npu_like", "mobilenetv2.onnx", "/features/features.1/conv/conv.0/conv.0.0/Conv"),  # depthwise
    ("tpu_like", "mobilenetv2.onnx", "/features/features.2/conv/conv.1/conv.1.0/Conv"),  # depthwise, stride 2
]


@functools.cache
def _zigzag_layers(zz_inputs: Path, network: str) -> dict:
    """ZigZag's parse of a bundled network with no spatial unrolling given: layer name -> layer node."""
    import tempfile

    from zigzag.parser.onnx.onnx_model_parser import ONNXModelParser

    with tempfile.TemporaryDirectory() as tmp:
        mapping = Path(tmp) / "open.yaml"  # no spatial unrolling: ZigZag generates it
        mapping.write_text("- name: default\n  memory_operand_links: {O: O, W: I2, I: I1}\n")
        workload = ONNXModelParser(str(zz_inputs / "workload" / network), str(mapping)).run()
    return {n.name: n for n in workload.topological_sort() if hasattr(n, "spatial_mapping")}


def _zigzag_generated(zz_inputs: Path, accelerator: str, network: str, name: str) -> list[dict]:
    from zigzag.stages.mapping.spatial_mapping_generation import SpatialMappingGeneratorStage
    from zigzag.stages.parser.accelerator_parser import AcceleratorParserStage

    logging.disable(logging.WARNING)
    try:
        accelerator_model = AcceleratorParserStage.parse_accelerator(
            str(zz_inputs / "hardware" / f"{accelerator}.yaml")
        )
        layer = copy.deepcopy(_zigzag_layers(zz_inputs, network)[name])
        stage = SpatialMappingGeneratorStage(
            [lambda *args, **kwargs: None], accelerator=accelerator_model, layer=layer, nb_mappings_generated=3
        )
        generated = list(stage.generate_spatial_mappings())
    finally:
        logging.disable(logging.NOTSET)
    return [{str(oa): {str(d): int(f) for d, f in m.items()} for oa, m in sm.items()} for sm in generated]


@pytest.mark.parametrize(("accelerator", "network", "name"), CASES)
def test_zigzag_candidates_equal_zigzags_generator(zz_inputs: Path, accelerator: str, network: str, name: str) -> None:
    expected = _zigzag_generated(zz_inputs, accelerator, network, name)
    layer = layer_of(onnx_ops(network)[name])
    assert spatial_candidates(layer, hardware(accelerator), {}, "zigzag") == expected
    assert len(expected) == 3


def test_wide_candidates_include_what_zigzag_misses() -> None:
    # ZigZag's three for this layer all unroll OX on D1; archsim's wider set also tries K x OX
    layer = layer_of(onnx_ops("resnet18.onnx")["/layer1/layer1.0/conv1/Conv"])
    wide = spatial_candidates(layer, hardware("eyeriss_like"), {}, "wide")
    zigzag = spatial_candidates(layer, hardware("eyeriss_like"), {}, "zigzag")
    assert {"D1": {"K": 14}, "D2": {"OX": 12}} in wide
    assert {"D1": {"K": 14}, "D2": {"OX": 12}} not in zigzag


def test_unknown_spatial_search_is_rejected() -> None:
    with pytest.raises(ValueError, match="spatial_search: unknown search 'best'; allowed: wide, zigzag"):
        dataclasses.replace(hardware("eyeriss_like"), spatial_search="best")
