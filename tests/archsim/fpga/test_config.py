"""FpgaConfig validation, presets and the board table."""

from __future__ import annotations

from pathlib import Path

import pytest

from archsim.config.fpga import BOARDS, DSP_PRECISIONS, FpgaConfig
from archsim.config.loader import load_arch, preset_names
from archsim.fpga.resources import DSP_PER_MAC
from workloads.errors import InputError
from workloads.precision import Precision

FPGA_PRESETS = [name for name in preset_names() if name.startswith(("fpga-", "zhang2015"))]


def test_every_fpga_preset_loads_with_its_board_defaults() -> None:
    assert len(FPGA_PRESETS) >= 7
    for name in FPGA_PRESETS:
        config = load_arch(name)
        assert config.family == "fpga"
        assert config.clock_mhz > 0 and config.bandwidth_gbps > 0


def test_zhang2015_preset_is_the_papers_setting() -> None:
    config = load_arch("zhang2015-vc707")
    assert (config.board, config.precision, config.clock_mhz, config.bandwidth_gbps) == (
        "vc707",
        Precision.FP32,
        100.0,
        4.5,
    )
    assert config.fixed_design is None and config.pipeline_cycles is None  # P derived, no towers flag


def test_board_table_matches_device_datasheets() -> None:
    vc707, zu3, ku060 = BOARDS["vc707"], BOARDS["ultra96v2"], BOARDS["ku060"]
    assert (ku060.dsp, ku060.bram18k, ku060.lut, ku060.ff) == (2760, 2160, 331_680, 663_360)
    assert (vc707.dsp, vc707.bram18k, vc707.lut, vc707.ff) == (2800, 2060, 303_600, 607_200)
    assert (zu3.dsp, zu3.bram18k, zu3.lut, zu3.ff) == (360, 432, 70_560, 141_120)
    assert set(BOARDS) == {"vc707", "zcu102", "zcu104", "ultra96v2", "pynqz2", "u250", "ku060"}


def test_dsp_model_knows_exactly_the_configurable_precisions() -> None:
    assert set(DSP_PER_MAC) == set(DSP_PRECISIONS)


def test_fixed_design_is_parsed() -> None:
    config = FpgaConfig(board="vc707", precision="fp32", design=" 64 x 7 ")
    assert config.fixed_design == (64, 7) and config.design == "64x7"


@pytest.mark.parametrize(
    ("line", "needle"),
    [
        ('board = "kintex"', "unknown board 'kintex'"),
        ("clock_mhz = 0", "clock_mhz must be a number > 0"),
        ("bandwidth_gbps = -1.5", "bandwidth_gbps must be a number > 0"),
        ('mac_impl = "bram"', "unknown mac_impl 'bram'; allowed: dsp, lut"),
        ('precision = "fp16"\nmac_impl = "lut"', "mac_impl lut needs an integer precision"),
        ('precision = "bf16"', "unknown precision 'bf16'"),
        ('design = "64"', "design must be 'search' or 'TmxTn'"),
        ("utilization_cap = 1.5", "utilization_cap must be in (0, 1]"),
        ("pipeline_cycles = -1", "pipeline_cycles must be an integer >= 0"),
        ("towers = 2", "unknown field 'towers'"),
    ],
)
def test_bad_input_is_one_line_input_error(tmp_path: Path, line: str, needle: str) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(f'family = "fpga"\n{line}\n')
    with pytest.raises(InputError) as info:
        load_arch(str(path))
    message = str(info.value)
    assert needle in message and "\n" not in message and str(path) in message
