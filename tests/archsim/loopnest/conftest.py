"""Shared fixtures of the loop-nest tests: ZigZag's bundled inputs and its reference rows."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from support.paths import ZIGZAG_REFERENCE


def zigzag_inputs() -> Path:
    """``zigzag/inputs`` of the installed ``zigzag-dse`` wheel (a test extra)."""
    import importlib.util

    spec = importlib.util.find_spec("zigzag")
    assert spec is not None and spec.origin is not None, "zigzag-dse (test extra) is not installed"
    return Path(spec.origin).parent / "inputs"


@pytest.fixture(scope="session")
def zz_inputs() -> Path:
    """Path of ZigZag's bundled hardware, mapping and workload files."""
    return zigzag_inputs()


@pytest.fixture(scope="session")
def reference_rows() -> list[dict[str, str]]:
    """ZigZag 3.9.1's per-layer reference rows (``layer_name == TOTAL`` rows excluded)."""
    with open(ZIGZAG_REFERENCE / "ref_layers.csv", newline="") as fh:
        return [r for r in csv.DictReader(fh) if r["layer_name"] != "TOTAL"]
