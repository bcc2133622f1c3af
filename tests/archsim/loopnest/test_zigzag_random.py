"""ZigZag 3.9.1 itself on seeded random convolutions: archsim's cost of ZigZag's chosen mapping equals ZigZag's.

Shapes no reference network has (3 to 64 input channels, uneven output channels against the 32-wide array,
odd maps, 1x1 to 5x5 kernels, strides 1 and 2), on two of ZigZag's bundled accelerators with their own mapping
files. docs/loopnest.md: energy and latency equal (rel 1e-9) on every one.
"""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from support.onnx_random import write_random_conv
from support.zigzag_reference import hardware

from archsim.loopnest.cost import evaluate
from archsim.loopnest.layer import Operand, layer_of
from archsim.loopnest.mapping import Mapping
from workloads.readers.onnx_reader import read_onnx

SEEDS = range(6)
ACCELERATORS = ("tpu_like", "edge_tpu_like")


def _zigzag_best(model: Path, accelerator: str, inputs: Path, dump: Path) -> object:
    from zigzag.api import get_hardware_performance_zigzag

    logging.disable(logging.WARNING)
    try:
        _, _, cmes = get_hardware_performance_zigzag(
            str(model),
            str(inputs / "hardware" / f"{accelerator}.yaml"),
            str(inputs / "mapping" / f"{accelerator}.yaml"),
            opt="latency",
            dump_folder=str(dump),
            lpf_limit=6,
            loma_show_progress_bar=False,
        )
    finally:
        logging.disable(logging.NOTSET)
    ((cme, _),) = cmes[0][1]
    return cme


@pytest.mark.slow
@pytest.mark.parametrize("accelerator", ACCELERATORS)
def test_cost_of_zigzags_mapping_equals_zigzag_on_random_convolutions(
    accelerator: str, zz_inputs: Path, tmp_path: Path
) -> None:
    for seed in SEEDS:
        model = write_random_conv(tmp_path / f"conv{seed}.onnx", seed)
        cme = _zigzag_best(model, accelerator, zz_inputs, tmp_path / f"zigzag{seed}")
        spatial = {str(oa): {str(d): int(f) for d, f in m.items()} for oa, m in cme.layer.spatial_mapping.items()}
        temporal = {
            Operand(str(op)): tuple(tuple((str(d), int(s)) for d, s in level) for level in levels)
            for op, levels in cme.temporal_mapping.mapping_dic_origin.items()
        }
        (node,) = read_onnx(model)
        cost = evaluate(layer_of(node.op), hardware(accelerator), Mapping(spatial, temporal))
        assert cost.energy_pj == pytest.approx(cme.energy_total, rel=1e-9), seed
        assert cost.latency_cycles == pytest.approx(cme.latency_total2, rel=1e-9), seed
