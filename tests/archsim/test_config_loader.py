"""Config files, presets and SCALE-Sim .cfg files load into validated frozen configs."""

from __future__ import annotations

from pathlib import Path

import pytest
from support.paths import SCALESIM_CONFIGS

from archsim.config.loader import load_arch, preset_names, read_scalesim_cfg
from archsim.config.systolic import Dataflow, SystolicConfig
from archsim.errors import InputError

CONFIGS = SCALESIM_CONFIGS


def test_scalesim_google_cfg_matches_google_preset() -> None:
    cfg = read_scalesim_cfg(CONFIGS / "google.cfg")
    preset = load_arch("google")
    for field in (
        "rows",
        "cols",
        "dataflow",
        "ifmap_sram_kb",
        "filter_sram_kb",
        "ofmap_sram_kb",
        "ifmap_dram_bw",
        "filter_dram_bw",
        "ofmap_dram_bw",
    ):
        assert getattr(cfg, field) == getattr(preset, field), field


def test_eyeriss_cfg_reads_calc_mode_and_shape() -> None:
    cfg = load_arch(str(CONFIGS / "eyeriss.cfg"))
    assert (cfg.rows, cfg.cols, cfg.dataflow, cfg.bandwidth_mode.value) == (12, 14, Dataflow.WS, "calc")


def test_every_preset_loads() -> None:
    names = preset_names()
    assert {"google", "tpu-like", "eyeriss-like"} <= set(names)
    for name in names:
        assert load_arch(name).name == name


def test_yaml_and_toml_give_the_same_config(tmp_path: Path) -> None:
    (tmp_path / "a.toml").write_text('rows = 16\ncols = 8\ndataflow = "ws"\n')
    (tmp_path / "a.yaml").write_text("rows: 16\ncols: 8\ndataflow: ws\n")
    assert load_arch(str(tmp_path / "a.toml")) == load_arch(str(tmp_path / "a.yaml"))
    assert load_arch(str(tmp_path / "a.toml")) == SystolicConfig(name="a", rows=16, cols=8, dataflow=Dataflow.WS)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('rows = 16\ndataflow = "xs"\n', "unknown dataflow 'xs'; allowed: os, ws, is"),
        ("rows = 0\n", "rows must be a positive integer, got 0"),
        ("rowz = 4\n", "unknown field 'rowz' for family 'systolic'; allowed: name, rows"),
        ('family = "gpu"\n', "unknown family 'gpu'"),
        ("rows = [\n", "not valid TOML"),
    ],
)
def test_bad_config_files_name_file_and_field(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(text)
    with pytest.raises(InputError, match=str(path).replace(".", r"\.") + ".*" + message.replace("(", r"\(")):
        load_arch(str(path))


def test_unknown_preset_lists_the_presets() -> None:
    with pytest.raises(InputError, match=r"unknown preset 'tpu9'; allowed: .*google"):
        load_arch("tpu9")


def test_scalesim_cfg_missing_field(tmp_path: Path) -> None:
    path = tmp_path / "x.cfg"
    path.write_text("[architecture_presets]\nArrayHeight: 8\n")
    with pytest.raises(InputError, match=r"x\.cfg: missing \[architecture_presets\] ArrayWidth"):
        load_arch(str(path))


def test_a_config_file_may_start_from_a_preset_and_override_its_fields(tmp_path: Path) -> None:
    import dataclasses

    path = tmp_path / "my-u55.toml"
    path.write_text('preset = "ethos-u55-64"\nclock_mhz = 400\n')
    config, preset = load_arch(str(path)), load_arch("ethos-u55-64")
    assert config.name == "my-u55" and config.clock_mhz == 400
    assert dataclasses.replace(config, name=preset.name, clock_mhz=preset.clock_mhz) == preset
    yaml = tmp_path / "slow.yaml"
    yaml.write_text("preset: loopnest-tpu-like\nclock_mhz: 350\n")
    assert load_arch(str(yaml)).clock_mhz == 350 and load_arch("loopnest-tpu-like").clock_mhz != 350


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            'preset = "ethos-u55-6"\n',
            r"bad\.toml: preset: unknown preset 'ethos-u55-6' \(did you mean 'ethos-u55-64'\?\)",
        ),
        ("preset = 3\n", r"bad\.toml: preset: unknown preset '3'"),
        ('preset = "ethos-u55-64"\nbricked_softmax = 1\n', r"bad\.toml: bricked_softmax must be true or false, got 1"),
    ],
)
def test_a_bad_preset_start_names_the_file(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(text)
    with pytest.raises(InputError, match=message):
        load_arch(str(path))
