"""NPU precisions: what each preset runs (Vela 5.2), one-line errors otherwise, and per-layer int4 weights."""

from __future__ import annotations

import dataclasses

import pytest

from archsim.cli import main
from archsim.config.loader import load_preset, preset_names
from archsim.errors import InputError
from archsim.metrics import NetworkMetrics
from archsim.simulate import simulate
from workloads.precision import Precision
from workloads.registry import families, load_workload

ETHOS = [name for name in preset_names() if name.startswith("ethos-u")]


def _ofa(bits: int):
    family = families()["ofa_mbv2"]
    return family.build(family.choices({**{f"s{i}_bits": bits for i in range(1, 7)}, "resolution": 128}))


def test_every_ethos_preset_takes_int8_weights_only() -> None:
    assert len(ETHOS) >= 6 and all(load_preset(name).weight_precisions == ("int8",) for name in ETHOS)


@pytest.mark.parametrize("preset", ["ethos-u55-128", "ethos-u65-512", "ethos-u85-256"])
def test_ethos_presets_run_int8_and_int16_but_never_int4_weights(preset: str) -> None:
    config = load_preset(preset)
    workload = load_workload("mobilenet_v1")
    assert simulate(workload, config).latency_s > 0
    assert simulate(workload.with_precision(Precision.INT16), config).latency_s > 0  # 16x8
    for network in (workload.with_precision(Precision.INT4), _ofa(4), _ofa(16)):
        with pytest.raises(InputError) as info:
            simulate(network, config)
        message = str(info.value)
        assert "\n" not in message and "weights, not supported; allowed weights: int8" in message


def test_int4_layers_run_on_a_decoder_that_takes_them_with_fewer_weight_bytes() -> None:
    config = dataclasses.replace(load_preset("ethos-u65-256"), weight_precisions="int4+int8")
    assert config.weight_precisions == ("int4", "int8")
    int8, int4 = simulate(_ofa(8), config), simulate(_ofa(4), config)

    # A weight copy prefetched under the layer before is booked on that layer, so compare the stages' sums.
    def stage_weight_reads(metrics: NetworkMetrics) -> int:
        return sum(m.filter_dram_reads for m in metrics.layers if m.layer.startswith("stage"))

    assert 0 < stage_weight_reads(int4) < stage_weight_reads(int8)
    assert int4.energy_pj < int8.energy_pj and int4.latency_s <= int8.latency_s
    with pytest.raises(InputError, match=r"stage1\.0\.expand has int16 weights"):
        simulate(_ofa(16), config)


def test_bad_weight_precision_and_cli_error_are_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(ValueError, match="weight_precisions entry 'int2' unknown; allowed: int4, int8"):
        dataclasses.replace(load_preset("ethos-u55-128"), weight_precisions=("int2",))
    assert main(["simulate", "--workload", "mobilenet_v1", "--arch", "ethos-u55-128", "--precision", "int4"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "int4 weights, not supported" in err


def test_an_llm_spec_with_float_weights_is_told_how_to_quantise_them(capsys: pytest.CaptureFixture[str]) -> None:
    spec = "llama3.2-1b:phase=decode,context=64,layers=1"
    assert main(["simulate", "-w", spec, "-a", "ethos-u55-64-sram", "--precision", "int8"]) == 2
    error = capsys.readouterr().err.strip()
    assert "fp16 weights, not supported; allowed weights: int8" in error and "wbits=8" in error
    assert main(["simulate", "-w", spec + ",wbits=8", "-a", "ethos-u55-64-sram", "--precision", "int8"]) == 0
