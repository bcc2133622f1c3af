"""An LLM request on the roofline: prefill and decode ops as two point sets, every point under the roof."""

from __future__ import annotations

import numpy as np

from archsim.config.loader import load_arch
from archsim.plots.roofline import attainable, layer_points, roofline
from archsim.simulate import simulate
from workloads.registry import load_workload


def test_prefill_and_decode_ops_are_drawn_apart_under_the_roof() -> None:
    metrics = simulate(load_workload("llama3.2-1b:phase=request,prompt=256,tokens=16,layers=2"), load_arch("a100-like"))
    figure = roofline([metrics])
    labels = [collection.get_label() for collection in figure.axes[0].collections]
    assert labels == ["a100-like prefill ops", "a100-like decode ops"]
    prefill, decode = layer_points(metrics, "prefill"), layer_points(metrics, "decode")
    assert len(prefill[0]) and len(decode[0])
    assert np.median(decode[0]) < np.median(prefill[0])  # decode GEMVs: few ops per byte
    for intensity, achieved in (prefill, decode):
        assert (achieved <= attainable(metrics, intensity) * (1 + 1e-9)).all()
