"""Where the peers' reference data lives: ``shared/`` beside the repository (as in CI)."""

from __future__ import annotations

from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SHARED = REPO.parent / "shared"
SCALESIM_DATA = SHARED / "reference" / "scalesim" / "data"
SCALESIM_TOPOLOGIES = SCALESIM_DATA / "topologies"
SCALESIM_CONFIGS = SCALESIM_DATA / "configs"
SCALESIM_REFERENCE = SHARED / "reference" / "scalesim"
VELA_REFERENCE = SHARED / "reference" / "vela"
ZIGZAG_REFERENCE = SHARED / "reference" / "zigzag"
LLM_REFERENCE = SHARED / "reference" / "llm"
