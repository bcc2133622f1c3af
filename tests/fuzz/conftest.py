"""Make the fuzz helpers importable as ``clean_exit`` from the tests of this folder."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
