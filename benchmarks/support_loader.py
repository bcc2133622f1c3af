"""Make the tests' helpers importable as ``support`` from a benchmark script (the tests' own reference readers)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

SUPPORT = Path(__file__).resolve().parents[1] / "tests" / "support"


def load_test_support() -> None:
    """Register ``tests/support`` as the package ``support`` (a no-op when it already is)."""
    if "support" in sys.modules:
        return
    spec = importlib.util.spec_from_file_location(
        "support", SUPPORT / "__init__.py", submodule_search_locations=[str(SUPPORT)]
    )
    assert spec is not None and spec.loader is not None
    sys.modules["support"] = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(sys.modules["support"])
