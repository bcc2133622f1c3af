"""Parsing ``NAME=VALUE`` command-line items (objectives, budgets, agent parameters, knob lists)."""

from __future__ import annotations

import math
from typing import Any

from archsim.errors import InputError


def parse_scalar(text: str) -> Any:
    """``"3"`` -> 3, ``"0.5"`` -> 0.5, ``"true"`` -> True, ``"none"`` -> None, else the string."""
    lowered = text.strip().lower()
    if lowered in ("true", "false"):
        return lowered == "true"
    if lowered in ("none", "null"):
        return None
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            continue
    return text.strip()


def parse_pairs(items: list[str], option: str, numeric: bool = False) -> dict[str, Any]:
    """``["a=1", "b=x"]`` -> ``{"a": 1, "b": "x"}``; InputError naming the option on a malformed item."""
    out: dict[str, Any] = {}
    for item in items:
        name, sep, raw = item.partition("=")
        if not sep or not name.strip() or not raw.strip():
            raise InputError(f"{option} {item!r}: expected NAME=VALUE")
        value = parse_scalar(raw)
        if numeric and (isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value)):
            raise InputError(f"{option} {item!r}: VALUE must be a finite number")
        out[name.strip()] = value
    if numeric and out and not any(out.values()):
        raise InputError(f"{option}: every weight is 0, so every design would score the same; give one weight != 0")
    return out


def parse_knob_lists(items: list[str]) -> dict[str, list[Any] | None]:
    """``["rows=8,16", "dataflow=all"]`` -> ``{"rows": [8, 16], "dataflow": None}`` (None: every value)."""
    out: dict[str, list[Any] | None] = {}
    for item in items:
        name, sep, raw = item.partition("=")
        if not sep or not name.strip() or not raw.strip():
            raise InputError(f"--knob {item!r}: expected KNOB=V1,V2,... or KNOB=all")
        values = [parse_scalar(v) for v in raw.split(",") if v.strip()]
        out[name.strip()] = None if raw.strip().lower() == "all" else values
    return out
