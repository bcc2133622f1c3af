"""Constraints in the units users state them: ``fps>=30``, ``power<=2W``, ``dsp<=0.5``, ``sram<=512KB``.

Each constraint becomes an upper bound on one metric of :class:`envs.evaluate.DesignMetrics`
(the budgets of :class:`envs.rewards.RewardFunction`): a frame rate is a latency bound
(``fps>=30`` -> ``latency_s <= 1/30``), a power a bound on ``power_w``, a board-resource
fraction a bound on ``{dsp,bram18k,lut,ff}_pct`` (the FPGA family reports them), an SRAM
size a bound on ``sram_kb`` (the on-chip SRAM a design has: a systolic array's three
buffers, an NPU's SRAM, an FPGA design's block RAM). The older ``METRIC=BOUND`` form
(an upper bound in the metric's own unit, ``latency_s=0.002``) still works.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from archsim.errors import InputError
from envs.rewards import BUDGETS

KB = 1024.0


@dataclass(frozen=True)
class Quantity:
    """A constraint name users write, the metric it bounds, and the units it accepts.

    Attributes:
        metric: The bounded metric (a key of ``DesignMetrics.get``).
        units: Unit spelling (lower case; ``""`` = no unit) -> factor to the metric's unit.
        lower: True when users state a lower bound (a frame rate), turned into the
            metric's upper bound by inversion.
        fraction: True for board resources: a bare number is a fraction in (0, 1].
    """

    metric: str
    units: Mapping[str, float]
    lower: bool = False
    fraction: bool = False


_RESOURCE_UNITS = {"": 100.0, "%": 1.0}
QUANTITIES: dict[str, Quantity] = {
    "fps": Quantity("latency_s", {"": 1.0, "fps": 1.0, "hz": 1.0}, lower=True),
    "latency": Quantity("latency_s", {"": 1.0, "s": 1.0, "ms": 1e-3, "us": 1e-6}),
    "energy": Quantity("energy_pj", {"": 1.0, "pj": 1.0, "nj": 1e3, "uj": 1e6, "mj": 1e9, "j": 1e12}),
    "power": Quantity("power_w", {"": 1.0, "w": 1.0, "mw": 1e-3}),
    "area": Quantity("area_mm2", {"": 1.0, "mm2": 1.0}),
    "dsp": Quantity("dsp_pct", _RESOURCE_UNITS, fraction=True),
    "bram": Quantity("bram18k_pct", _RESOURCE_UNITS, fraction=True),
    "lut": Quantity("lut_pct", _RESOURCE_UNITS, fraction=True),
    "ff": Quantity("ff_pct", _RESOURCE_UNITS, fraction=True),
    "sram": Quantity("sram_kb", {"": 1.0, "kb": 1.0, "kib": 1.0, "mb": KB, "mib": KB, "b": 1 / KB}),
}
"""Name users write -> what it bounds (units are case-insensitive)."""

NEW_BUDGETS: dict[str, str] = {
    "dsp_pct": "dsp_budget",
    "bram18k_pct": "bram_budget",
    "lut_pct": "lut_budget",
    "ff_pct": "ff_budget",
    "sram_kb": "sram_budget",
}
"""Metrics these constraints add to the reward's budget terms (metric -> penalty term name)."""

for _metric, _term in NEW_BUDGETS.items():
    BUDGETS.setdefault(_metric, _term)

_ITEM = re.compile(r"^\s*([A-Za-z_][\w]*)\s*(<=|>=|=)\s*([-+0-9.eE]+)\s*([A-Za-z%0-9]*)\s*$")


def parse_constraint(text: str, option: str = "--constraint") -> tuple[str, float]:
    """``"fps>=30"`` -> ``("latency_s", 1/30)``: the metric and its upper bound.

    InputError naming the item and what is allowed on an unknown name or unit, a
    bound on the wrong side (``fps<=30``) or a number that is not > 0.
    """
    match = _ITEM.match(text)
    if match is None:
        raise InputError(f"{option} {text!r}: expected NAME<=VALUE[UNIT], NAME>=VALUE[UNIT] or METRIC=VALUE")
    name, op, raw, unit = match.groups()
    try:
        value = float(raw)
    except ValueError:
        raise InputError(f"{option} {text!r}: {raw!r} is not a number") from None
    if not value > 0:
        raise InputError(f"{option} {text!r}: the bound must be a number > 0")
    key = name.lower()
    if op == "=" and not unit and key not in QUANTITIES:
        if key not in BUDGETS:
            raise InputError(f"{option} {text!r}: unknown name {name!r}; allowed: {', '.join(allowed_names())}")
        return key, value
    quantity = QUANTITIES.get(key)
    if quantity is None:
        metric = key if key in BUDGETS else None
        if metric is None or unit:
            raise InputError(f"{option} {text!r}: unknown name {name!r}; allowed: {', '.join(allowed_names())}")
        quantity = Quantity(metric, {"": 1.0})
    wanted = ">=" if quantity.lower else "<="
    if op != wanted and op != "=":
        side = "a lower" if quantity.lower else "an upper"
        raise InputError(f"{option} {text!r}: {name} takes {side} bound: {wanted}")
    factor = quantity.units.get(unit.lower())
    if factor is None:
        units = ", ".join(u or "(none)" for u in quantity.units)
        raise InputError(f"{option} {text!r}: unknown unit {unit!r} for {name}; allowed: {units}")
    if quantity.fraction and not unit and value > 1:
        raise InputError(f"{option} {text!r}: {name} is a fraction of the board in (0, 1] or a percentage (50%)")
    bound = value * factor
    return quantity.metric, (1.0 / bound if quantity.lower else bound)


def allowed_names() -> list[str]:
    """Constraint names users may write: the unit-aware ones, then the metrics themselves."""
    return [*QUANTITIES, *BUDGETS]


def parse_constraints(items: Iterable[str], option: str = "--constraint") -> dict[str, float]:
    """Many constraints -> ``{metric: upper bound}``; two bounds on one metric keep the tighter."""
    out: dict[str, float] = {}
    for item in items:
        metric, bound = parse_constraint(item, option)
        out[metric] = min(bound, out.get(metric, bound))
    return out


def budgets_from(constraints: Mapping[str, Any] | Iterable[str] | None) -> dict[str, float] | None:
    """API form: ``["fps>=30", "power<=2W"]`` or ``{metric: bound}`` (as is, checked) -> ``{metric: bound}``."""
    if constraints is None:
        return None
    if isinstance(constraints, Mapping):
        out = {}
        for metric, bound in constraints.items():
            if metric not in BUDGETS:
                raise InputError(f"budgets: unknown metric {metric!r}; allowed: {', '.join(BUDGETS)}")
            out[metric] = float(bound)
        return out
    if isinstance(constraints, str):
        constraints = [constraints]
    return parse_constraints(constraints, "constraints")


def design_sram_kb(config: Any, resources: Mapping[str, Any]) -> float | None:
    """On-chip SRAM of a design in KB: systolic buffers, NPU SRAM, FPGA block RAM used; None if not stated."""
    family = getattr(config, "family", "")
    if family == "systolic":
        return float(config.ifmap_sram_kb + config.filter_sram_kb + config.ofmap_sram_kb) * config.cores
    if family == "npu":
        return float(config.sram_size_kb) or None
    bram = resources.get("bram18k")
    if isinstance(bram, Mapping) and "used" in bram:
        return float(bram["used"]) * 18 * 1024 / 8 / KB
    return None
