"""Errors speak the caller's language: Python names from the API, flags from the command line."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from archsim.cli import main
from workloads.errors import InputError, cli_text

ROOT = Path(__file__).resolve().parents[2]
FLAG = re.compile(r"(^|[\s(`'\"])--?[a-z]")
"""A command-line flag (``--storage``, ``-o``) inside a message."""


def _text_parts(node: ast.expr) -> list[str]:
    """The literal text of a message expression (the constant parts of an f-string or concatenation)."""
    return [n.value for n in ast.walk(node) if isinstance(n, ast.Constant) and isinstance(n.value, str)]


def _api_messages_with_flags(path: Path) -> list[str]:
    """``file:line`` of every InputError raised with a flag in its Python-API wording."""
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
        if name == "option" and isinstance(func, ast.Attribute) and getattr(func.value, "id", "") == "InputError":
            api_parts = [*node.args[:1], *node.args[2:3]]  # the API name and the detail; args[1] is the flag
        elif name.endswith("Error") and name in {"InputError", "StorageUnavailableError"}:
            api_parts = node.args[:1]
        else:
            continue
        if any(FLAG.search(text) for part in api_parts for text in _text_parts(part)):
            found.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    return found


def test_no_api_error_message_names_a_command_line_flag() -> None:
    sources = [
        path
        for package in ("archsim", "envs", "mappers", "workloads")
        for path in (ROOT / package).rglob("*.py")
        if "commands" not in path.parts and path.name != "cli.py"
    ]
    offenders = [where for path in sources for where in _api_messages_with_flags(path)]
    assert offenders == []
    # The check is not vacuous: it sees a flag in the command-line wording of a real call.
    assert FLAG.search("--storage sqlite:///x.db: cannot open")


def test_storage_errors_in_api_and_cli_words(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from envs.storage import Storage

    url = "nosuchdb://nowhere"
    with pytest.raises(InputError) as raised:
        Storage(url, retry_seconds=0)
    assert str(raised.value).startswith(f"storage {url}: cannot open the storage") and "--" not in str(raised.value)
    assert cli_text(raised.value).startswith(f"--storage {url}: cannot open the storage")
    argv = ["search", "--env", "archsim/SystolicDSE-v0", "--agent", "random", "--budget", "1", "--storage", url]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert f"error: --storage {url}: cannot open the storage" in err and err.count("\n") == 1


def test_mapper_errors_in_api_and_cli_words(capsys: pytest.CaptureFixture[str]) -> None:
    from mappers.mapper import map_workload
    from workloads.registry import load_workload

    workload = load_workload("resnet18")
    with pytest.raises(InputError) as raised:
        map_workload(workload, 1024, time_limit=1)
    assert str(raised.value).startswith("scratchpad_bytes: op 'conv1' needs at least")
    assert cli_text(raised.value).startswith("--scratchpad-kb: op 'conv1' needs at least")
    with pytest.raises(InputError, match=r"^solver: unknown solver 'nope'") as raised:
        map_workload(workload, 1 << 20, solver="nope")
    assert cli_text(raised.value).startswith("--solver: unknown solver 'nope'")
    assert main(["map", "-w", "resnet18", "--scratchpad-kb", "1", "--time-limit", "1"]) == 2
    assert "error: --scratchpad-kb: op 'conv1' needs at least 11872 bytes" in capsys.readouterr().err


def test_workload_and_arch_errors_in_api_and_cli_words(capsys: pytest.CaptureFixture[str]) -> None:
    from archsim.config.loader import load_arch
    from archsim.simulate import simulate
    from workloads.precision import Precision
    from workloads.registry import load_workload

    with pytest.raises(InputError, match=r"^workload llama3.2-1b:foo=1: 'foo=1' is not key=value") as raised:
        load_workload("llama3.2-1b:foo=1")
    assert cli_text(raised.value).startswith("--workload llama3.2-1b:foo=1: 'foo=1' is not key=value")
    with pytest.raises(InputError) as raised:
        simulate(load_workload("resnet18", precision=Precision.FP32), load_arch("ethos-u55-128"))
    assert str(raised.value) == (
        "config ethos-u55-128: runs int8/int16 only, workload 'resnet18' is fp32; "
        "quantise the model (e.g. load_workload(..., precision=Precision.INT8))"
    )
    assert cli_text(raised.value).endswith("quantise the model (e.g. --precision int8)")
    with pytest.raises(InputError, match=r"^arch: unknown preset 'nope'"):
        load_arch("nope")
    assert main(["simulate", "-w", "resnet18", "-a", "ethos-u55-128", "--precision", "fp32"]) == 2
    assert "error: --arch ethos-u55-128: runs int8/int16 only" in capsys.readouterr().err
    assert main(["simulate", "-w", "resnet18", "-a", "nope"]) == 2
    assert "error: --arch: unknown preset 'nope'" in capsys.readouterr().err


def test_sweep_output_errors_in_api_and_cli_words(tmp_path: Path) -> None:
    from envs.sweep import StreamedSweep

    missing = tmp_path / "no" / "grid.csv"
    with pytest.raises(InputError) as raised:
        StreamedSweep(None, None, missing, "csv", {})  # type: ignore[arg-type]
    assert str(raised.value) == f"output {missing}: directory {missing.parent} does not exist"
    assert cli_text(raised.value) == f"-o {missing}: directory {missing.parent} does not exist"
    with pytest.raises(InputError, match=r"^fmt parquet: give an output file") as raised:
        StreamedSweep(None, None, None, "parquet", {})  # type: ignore[arg-type]
    assert cli_text(raised.value).startswith("--format parquet: give -o FILE")
