"""The a100-like preset against LLMCompass's measured A100 operators and GPT-3 layer (docs/llm.md).

The figures asserted are the ones docs/llm.md reports (mean absolute error per
operator kind, end-to-end error of the GPT-3-175B layer shard); each bound is the
measured value rounded up at the precision the doc states, so a regression fails.
Physics is asserted on every compared op of both presets: no op moves more bytes
than the HBM rate times its predicted time.
"""

from __future__ import annotations

import statistics

import pytest
from support.llmcompass import gpt3_layer, operator_sweeps, predict
from support.paths import LLM_REFERENCE

from archsim.config.loader import load_arch

FOLDER = LLM_REFERENCE / "llmcompass"
HBM_BYTES_PER_S = {"a100-like": 2039e9, "mi210-like": 1638.4e9}


def _mean_error(kind: str) -> float:
    compared = predict(operator_sweeps(FOLDER), load_arch("a100-like"))
    return statistics.fmean(abs(c.error) for c in compared if c.measured.overhead == kind)


@pytest.mark.parametrize(
    ("kind", "bound"), [("matmul", 0.185), ("softmax", 0.309), ("layernorm", 0.121), ("gelu", 0.077)]
)
def test_operator_sweeps_mean_error(kind: str, bound: float) -> None:
    assert _mean_error(kind) <= bound


@pytest.mark.parametrize(("decode", "low", "high"), [(False, 0.02, 0.03), (True, 1.28, 1.29)])
def test_gpt3_layer_end_to_end(decode: bool, low: float, high: float) -> None:
    rows, all_reduce = gpt3_layer(FOLDER, decode)
    compared = predict(rows, load_arch("a100-like"))
    measured = sum(c.measured.latency_s for c in compared) + all_reduce
    predicted = sum(c.predicted_s for c in compared) + all_reduce
    assert measured == pytest.approx(0.0667 if not decode else 0.001111, rel=0.001)  # the README's sums
    assert low <= predicted / measured - 1 <= high


@pytest.mark.parametrize("arch", sorted(HBM_BYTES_PER_S))
def test_no_compared_op_beats_the_hbm_rate(arch: str) -> None:
    rows = operator_sweeps(FOLDER) + gpt3_layer(FOLDER, False)[0] + gpt3_layer(FOLDER, True)[0]
    for c in predict(rows, load_arch(arch)):  # the model's own time: the launch overhead moves no data
        assert c.dram_bytes <= HBM_BYTES_PER_S[arch] * c.model_s, c.measured.name
