"""Bad input found by an audit of the command line: each is exit 2 with one line naming the file or flag and the
field, never a traceback, a silent default or a clobbered file."""

from __future__ import annotations

from pathlib import Path

import pytest

from archsim.cli import main

SYSTOLIC = 'family = "systolic"\nrows = 8\ncols = 8\n'


def run_cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    code = main(list(argv))
    _, err = capsys.readouterr()
    return code, err


def assert_one_line_error(code: int, err: str, *fragments: str) -> None:
    assert code == 2
    assert err.count("\n") == 1 and "Traceback" not in err
    for fragment in fragments:
        assert fragment in err, err


@pytest.mark.parametrize(
    ("name", "text", "fragments"),
    [
        ("inf.toml", SYSTOLIC + "ifmap_sram_kb = inf\n", ("inf.toml", "ifmap_sram_kb must be a finite number")),
        ("nan.toml", 'preset = "ethos-u55-128"\nsram_size_kb = nan\n', ("sram_size_kb must be a finite number",)),
        ("tiny.toml", SYSTOLIC + "ifmap_dram_bw = 1e-300\n", ("ifmap_dram_bw = 1e-300 is outside the modelled range",)),
        ("huge.toml", SYSTOLIC + "ifmap_sram_kb = 1e308\n", ("ifmap_sram_kb = 1e+308 is outside",)),
        ("clock.toml", 'family = "fpga"\nboard = "zcu102"\nclock_mhz = inf\n', ("clock_mhz must be a finite number",)),
        ("name.yaml", "family: systolic\nname: [a, b]\n", ("name must be a text, got ['a', 'b']",)),
        ("prec.toml", 'preset = "ethos-u55-128"\nprecisions = 5\n', ("precisions must be a list, got 5",)),
        ("cores.toml", 'preset = "system-quad-systolic"\ncores = "tpu-like"\n', ("cores must be a list",)),
        ("core.toml", 'preset = "system-quad-systolic"\ncores = [{ family = "systolic", clock_mhz = inf }]\n', ()),
        ("empty.toml", "", ("no fields",)),
        ("empty.yaml", "{}\n", ("no fields",)),
    ],
)
def test_config_numbers_and_kinds(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, name: str, text: str, fragments: tuple[str, ...]
) -> None:
    path = tmp_path / name
    path.write_text(text)
    code, err = run_cli(capsys, "simulate", "-w", "mobilenet_v2", "-a", str(path))
    assert_one_line_error(code, err, str(path), *fragments)


def test_scalesim_cfg_infinite_size_and_literal_percent(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    body = (
        "[architecture_presets]\nArrayHeight: 8\nArrayWidth: 8\nIfmapSramSzkB: {size}\nFilterSramSzkB: 64\n"
        "OfmapSramSzkB: 64\nIfmapOffset: 0\nFilterOffset: 10000000\nOfmapOffset: 20000000\nBandwidth: 10\n"
        "Dataflow: ws\n"
    )
    bad = tmp_path / "inf.cfg"
    bad.write_text(body.format(size="inf"))
    code, err = run_cli(capsys, "simulate", "-w", "mobilenet_v2", "-a", str(bad))
    assert_one_line_error(code, err, "[architecture_presets] IfmapSramSzkB must be a finite number")
    named = tmp_path / "percent.cfg"
    named.write_text("[general]\nrun_name = 100%(x)s\n" + body.format(size="64"))
    assert run_cli(capsys, "simulate", "-w", "mobilenet_v2", "-a", str(named))[0] == 0


@pytest.mark.parametrize(
    ("spec", "fragment"),
    [
        ("llama3.2-1b:context=0", "context=0 is not allowed on a decode"),
        ("llama3.2-1b:context=0,phase=decode", "context=0 is not allowed on a decode"),
        ("llama3.2-1b:context=4,context=8", "context is given twice"),
    ],
)
def test_llm_spec_zero_and_repeated_keys(capsys: pytest.CaptureFixture[str], spec: str, fragment: str) -> None:
    code, err = run_cli(capsys, "simulate", "-w", spec, "-a", "tpu-like")
    assert_one_line_error(code, err, f"--workload {spec}", fragment)


def test_onnx_conv_whose_input_channels_disagree_with_its_weights(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    import numpy as np
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    weights = numpy_helper.from_array(np.zeros((16, 3, 3, 3), np.float32), "w")
    node = helper.make_node("Conv", ["x", "w"], ["y"], name="stem", kernel_shape=[3, 3])
    graph = helper.make_graph(
        [node],
        "mismatch",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 5, 16, 16])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)],
        initializer=[weights],
    )
    path = tmp_path / "mismatch.onnx"
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)]), path)
    code, err = run_cli(capsys, "simulate", "-w", str(path), "-a", "tpu-like")
    assert_one_line_error(code, err, "mismatch.onnx", "'stem'", "has 5 channels", "expects 3")


def test_tflite_operator_naming_a_missing_tensor(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    from support.tflite_models import TfliteGraphWriter

    writer = TfliteGraphWriter()
    x = writer.input((1, 8, 8, 4))
    y = writer.conv2d(x, 8, 3)
    writer.operators[0].inputs[0] = len(writer.tensors) + 5
    path = writer.write(tmp_path / "bad.tflite", [y])
    code, err = run_cli(capsys, "simulate", "-w", str(path), "-a", "tpu-like")
    assert_one_line_error(code, err, "bad.tflite", f"tensor index {len(writer.tensors) + 5} is out of range")


def test_output_paths(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    args = ("simulate", "-w", "mobilenet_v2", "-a", "tpu-like", "-f", "json")
    assert_one_line_error(*run_cli(capsys, *args, "-o", str(tmp_path)), "is a directory")
    assert_one_line_error(*run_cli(capsys, *args, "-o", str(tmp_path / "no" / "r.json")), "does not exist")
    blocker = tmp_path / "file"
    blocker.write_text("x")
    assert_one_line_error(*run_cli(capsys, *args, "-o", str(blocker / "r.json")), "does not exist")
    assert run_cli(capsys, *args, "-o", "/dev/null")[0] == 0
    assert Path("/dev/null").is_char_device()  # written in place, not replaced by a file
    code, err = run_cli(capsys, "sweep", "-w", "mobilenet_v2", "-a", "tpu-like", "-o", "/dev/null")
    assert_one_line_error(code, err, "-o /dev/null: not a regular file")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["file"]  # no temporary file left behind


def test_usage_errors_are_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stop:
        main(["simulate", "-w", "mobilenet_v2", "-a", "tpu-like", "--dataflow", "xs"])
    err = capsys.readouterr().err
    assert stop.value.code == 2
    assert err.count("\n") == 1 and "invalid choice: 'xs'" in err and "--help" in err


def test_map_and_search_numbers(capsys: pytest.CaptureFixture[str]) -> None:
    code, err = run_cli(capsys, "map", "-w", "mobilenet_v2", "--scratchpad-kb", "inf")
    assert_one_line_error(code, err, "--scratchpad-kb")
    code, err = run_cli(capsys, "map", "-w", "mobilenet_v2", "--scratchpad-kb", "64", "--time-limit", "nan")
    assert_one_line_error(code, err, "--time-limit")
    search = ("search", "--env", "archsim/SystolicDSE-v0", "--agent", "random", "--budget", "2")
    code, err = run_cli(capsys, *search, "--objective", "latency=0")
    assert_one_line_error(code, err, "--objective: every weight is 0")
    for extra, fragment in (
        (("--seed", "-1"), "--seed: must be an integer >= 0"),
        (("--storage", ""), "--storage: empty"),
        (("--accuracy", "proxy"), "--accuracy: not used by archsim/SystolicDSE-v0"),
        (("--env-arg", "tasks=20"), "--env-arg: not used by archsim/SystolicDSE-v0"),
    ):
        assert_one_line_error(*run_cli(capsys, *search, *extra), fragment)


def test_plot_inputs(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    result = tmp_path / "r.json"
    result.write_text('{"arch": {"name": "x"}, "layers": [{"layer": "a"}], "total": {}}')
    code, err = run_cli(capsys, "plot", "layers", str(result), "-o", str(tmp_path / "p.png"))
    assert_one_line_error(code, err, "r.json", "needs arch, layers, total, workload")
    code, err = run_cli(capsys, "plot", "layers", str(result), "-o", str(tmp_path / "p.png"), "--dpi", "100000")
    assert_one_line_error(code, err, "--dpi 100000: allowed 10 to 2400")


def test_fpga_with_no_engine_under_its_cap(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = tmp_path / "cap.toml"
    path.write_text('family = "fpga"\nboard = "pynqz2"\nprecision = "fp16"\nutilization_cap = 0.1\n')
    code, err = run_cli(capsys, "simulate", "-w", "resnet18", "-a", str(path), "--precision", "fp16")
    assert_one_line_error(code, err, "no design fits", "not even a 1x1 engine", "utilization_cap 0.1")


def test_stream_hardware_missing_keys(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    from support.paths import REPO

    source = REPO / "tests" / "mappers" / "multicore" / "data" / "stream_hw"
    for core in source.glob("*.yaml"):
        (tmp_path / core.name).write_text(core.read_text())
    system = (source / "tpu_like_quad_core.yaml").read_text()
    bad = tmp_path / "no_links.yaml"
    bad.write_text(system.split("core_connectivity:")[0])
    code, err = run_cli(capsys, "simulate", "-w", "resnet18", "-a", str(bad))
    assert_one_line_error(code, err, "no_links.yaml", "missing key 'core_connectivity'")
