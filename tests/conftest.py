"""Make ``tests/support`` importable as the package ``support``.

Only that package is registered: putting ``tests/`` itself on ``sys.path``
would let the test folders (``tests/workloads``...) shadow the real packages.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

_SUPPORT = Path(__file__).resolve().parent / "support"

if "support" not in sys.modules:
    _spec = importlib.util.spec_from_file_location(
        "support", _SUPPORT / "__init__.py", submodule_search_locations=[str(_SUPPORT)]
    )
    if _spec is None or _spec.loader is None:
        raise ImportError(f"cannot load the test support package from {_SUPPORT}")
    _module = importlib.util.module_from_spec(_spec)
    sys.modules["support"] = _module
    _spec.loader.exec_module(_module)
