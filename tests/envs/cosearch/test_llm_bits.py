"""Co-search of weight bit-width x hardware on a 7B-class decoder (``cosearch-llm-bits``).

The accuracy side is the published perplexity table (envs.llm.WEIGHT_BITS_PERPLEXITY); the hardware
side is archsim's: fewer weight bits read fewer DRAM bytes, so a decode step costs less energy and,
on a bandwidth-bound array, less time.
"""

from __future__ import annotations

import pytest

from envs.cosearch.catalog import get_cosearch_space
from envs.cosearch.env import accuracy_evaluator
from envs.cosearch.evaluate import CoSearchFactory
from envs.llm import WEIGHT_BITS_PERPLEXITY, PerplexityEvaluator

SPACE = get_cosearch_space("cosearch-llm-bits")
HARDWARE = {"rows": 128, "cols": 128, "filter_sram_kb": 1024, "ifmap_sram_kb": 256, "dram_bw": 16, "dataflow": "os"}


def test_accuracy_is_relative_perplexity_from_the_table() -> None:
    evaluator = accuracy_evaluator("llm-perplexity", "llm")
    assert isinstance(evaluator, PerplexityEvaluator)
    assert evaluator.evaluate({"wbits": 16}) == 1.0
    assert evaluator.evaluate({"wbits": 4}) == pytest.approx(5.47 / 5.60)
    assert set(WEIGHT_BITS_PERPLEXITY) == set(SPACE.knob("wbits").values)


def test_fewer_weight_bits_cost_less_energy_and_time_per_token() -> None:
    evaluator = CoSearchFactory(SPACE, PerplexityEvaluator())()
    base = {k.name: k.values[0] for k in SPACE.knobs} | HARDWARE
    metrics = {bits: evaluator.evaluate(SPACE.encode(base | {"wbits": bits})) for bits in (4, 8, 16)}
    energy = [metrics[b].energy_pj for b in (4, 8, 16)]
    latency = [metrics[b].latency_s for b in (4, 8, 16)]
    assert energy[0] < energy[1] < energy[2]
    assert latency[0] < latency[1] < latency[2]
    assert metrics[4].extra["accuracy"] < metrics[8].extra["accuracy"] == metrics[16].extra["accuracy"] == 1.0
