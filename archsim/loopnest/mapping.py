"""A mapping of one layer: spatial unrolling over the array + per-operand temporal loops per memory level.

Text form (ZigZag's, also what archsim prints):
``O: rf_2B[C:2 FY:3] sram_2MB[OY:56 OX:56 K:2] dram[] ; W: ... ; I: ...`` -- per operand, the
memories that hold it (innermost first) with the temporal loops they hold (innermost first).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from archsim.loopnest.layer import Operand

Loop = tuple[str, int]

_OPERAND_BLOCK = re.compile(r"^\s*(\w+)\s*:\s*(.*)$")
_LEVEL = re.compile(r"([\w.\-]+)\[([^\]]*)\]")


@dataclass(frozen=True)
class Mapping:
    """Spatial unrolling (array dimension -> {loop: factor}) and temporal loops per operand and memory level."""

    spatial: dict[str, dict[str, int]]
    temporal: dict[Operand, tuple[tuple[Loop, ...], ...]]
    """Operand -> per memory level (innermost first) -> loops (innermost first)."""

    def text(self, level_names: dict[Operand, tuple[str, ...]], spatial: dict | None = None) -> str:
        """Readable loop nest: spatial part (``spatial`` overrides, e.g. clipped to the layer) then
        ``O: mem[loops] ... ; W: ... ; I: ...``."""
        shown = self.spatial if spatial is None else spatial
        spatial_text = " ".join(
            f"{oa}{{{','.join(f'{d}:{f:g}' for d, f in unroll.items())}}}" for oa, unroll in shown.items()
        )
        parts = []
        for op, levels in self.temporal.items():
            names = level_names[op]
            body = " ".join(
                f"{names[i]}[{' '.join(f'{d}:{int(s)}' for d, s in loops)}]" for i, loops in enumerate(levels)
            )
            parts.append(f"{op.value}: {body}")
        return f"spatial {spatial_text} | " + " ; ".join(parts)


def parse_temporal_text(text: str) -> dict[Operand, tuple[str, tuple[tuple[Loop, ...], ...]]]:
    """Parse ZigZag's per-operand text into operand -> (memory names joined by ',', loops per level)."""
    result: dict[Operand, tuple[str, tuple[tuple[Loop, ...], ...]]] = {}
    for block in text.split(";"):
        match = _OPERAND_BLOCK.match(block)
        if not match:
            raise ValueError(f"temporal mapping: cannot read {block.strip()!r}; expected 'OP: mem[DIM:N ...] ...'")
        op = Operand(match.group(1))
        names, levels = [], []
        for name, body in _LEVEL.findall(match.group(2)):
            loops = []
            for item in body.split():
                dim, _, size = item.partition(":")
                loops.append((dim, int(size)))
            names.append(name)
            levels.append(tuple(loops))
        result[op] = (",".join(names), tuple(levels))
    return result


def parse_spatial_text(text: str) -> dict[str, dict[str, int]]:
    """Parse ZigZag's ``{D1: {K: 32}, D2: {C: 3}}`` printout."""
    result: dict[str, dict[str, int]] = {}
    for oa, body in re.findall(r"(\w+)\s*:\s*\{([^{}]*)\}", text):
        unroll = {}
        for item in body.split(","):
            if item.strip():
                dim, _, factor = item.partition(":")
                unroll[dim.strip()] = int(float(factor))
        result[oa] = unroll
    return result
