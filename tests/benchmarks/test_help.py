"""Every benchmark script answers ``--help`` with its purpose and exits 0, without running the benchmark."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
NOT_SCRIPTS = {"support_loader.py", "scalesim_harness.py", "stream_case.py"}
"""Helpers imported by the scripts, and Stream's case runner (run by Stream's own Python 3.12 venv)."""
SCRIPTS = sorted(p.name for p in (REPO / "benchmarks").glob("*.py") if p.name not in NOT_SCRIPTS)


@pytest.mark.parametrize("script", SCRIPTS)
def test_script_answers_help(script: str) -> None:
    env = {**os.environ, "PYTHONPATH": str(REPO), "MPLBACKEND": "Agg"}
    run = subprocess.run(
        [sys.executable, str(REPO / "benchmarks" / script), "--help"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stderr[-1000:]
    assert run.stdout.startswith("usage:") and len(run.stdout.splitlines()) > 2
