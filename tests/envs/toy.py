"""A small analytical stand-in for a simulator, so env/agent/runner tests need no hardware model."""

from __future__ import annotations

import math
from typing import Any

from envs.accuracy import FunctionEvaluator as AccuracyFunction
from envs.evaluate import DesignMetrics, FunctionEvaluator
from envs.spaces import HardwareSpace, Knob

TOY_SPACE = HardwareSpace(
    "toy",
    (
        Knob("rows", (4, 8, 16, 32)),
        Knob("cols", (4, 8, 16, 32)),
        Knob("ifmap_sram_kb", (8, 32, 128)),
        Knob("dram_bw", (1, 4, 16), ("ifmap_dram_bw", "filter_dram_bw", "ofmap_dram_bw")),
        Knob("dataflow", ("os", "ws", "is"), ordinal=False),
    ),
    family="systolic",
)
"""432 designs."""


def toy_metrics(design: dict[str, Any]) -> DesignMetrics:
    """Bigger arrays are faster but bigger; bandwidth and SRAM cut stalls; 32x32 with 'is' is 'invalid'."""
    if design["rows"] == 32 and design["cols"] == 32 and design["dataflow"] == "is":
        raise ValueError("toy: 32x32 'is' does not fit")
    pes = design["rows"] * design["cols"]
    flow = {"os": 1.0, "ws": 1.2, "is": 1.5}[design["dataflow"]]
    compute = 1e6 / pes * flow
    stall = 2e5 / design["dram_bw"] / math.sqrt(design["ifmap_sram_kb"])
    latency = (compute + stall) * 1e-9
    energy = 1e6 + 3e4 * design["ifmap_sram_kb"] + 2e5 / design["dram_bw"] + 500 * pes
    area = 0.01 * pes + 0.02 * design["ifmap_sram_kb"]
    return DesignMetrics(latency, energy, area)


def toy_evaluator() -> FunctionEvaluator:
    """A fresh evaluator over :data:`TOY_SPACE`."""
    return FunctionEvaluator(TOY_SPACE, toy_metrics)


def slow_toy_metrics(design: dict[str, Any]) -> DesignMetrics:
    """:func:`toy_metrics` after a short sleep, so a test can kill a run mid-way."""
    import time

    time.sleep(0.02)
    return toy_metrics(design)


def slow_toy_evaluator() -> FunctionEvaluator:
    """A fresh slow evaluator over :data:`TOY_SPACE`."""
    return FunctionEvaluator(TOY_SPACE, slow_toy_metrics)


def cosearch_metrics(design: dict[str, Any]) -> DesignMetrics:
    """Toy network x hardware cost: a wider network is more accurate and costs proportionally more."""
    hw = toy_metrics(design)
    width = float(design["width"])
    accuracy = 0.9 - 0.2 / width
    return DesignMetrics(hw.latency_s * width, hw.energy_pj * width, hw.area_mm2, extra={"accuracy": accuracy})


def cosearch_evaluator(space: Any, workload: str) -> FunctionEvaluator:
    """The evaluator a co-search space names (``toy:cosearch_evaluator``)."""
    return FunctionEvaluator(space, cosearch_metrics)


def _toy_cosearch_space() -> Any:
    from envs.cosearch import cosearch_space

    return cosearch_space(
        "toy-cosearch",
        "ofa_mbv2",
        {"width": (0.5, 0.75, 1.0), "bits": (4, 8)},
        "systolic",
        {"rows": (8, 16, 32), "cols": (8, 16, 32), "ifmap_sram_kb": (32, 128), "dataflow": ("os", "ws", "is")},
    )


TOY_COSEARCH_SPACE = _toy_cosearch_space()
"""A small co-search space (6 networks x 54 arrays) for ``archsim/CoSearch-v0`` tests on the stand-in model."""


def toy_cosearch_evaluator() -> FunctionEvaluator:
    """The stand-in network x hardware cost over :data:`TOY_COSEARCH_SPACE` (no simulation, no training)."""
    return FunctionEvaluator(TOY_COSEARCH_SPACE, cosearch_metrics)


COSEARCH_IDS = ("archsim/CoSearch-v0",)
"""Registered envs that take a co-search space (the others take any hardware space)."""


HETERO_ID = "archsim/HeteroCoSearch-v0"
"""The heterogeneous co-search env: its own small space (a real system per step) with a stand-in accuracy."""


def toy_network_accuracy(choices: dict[str, Any]) -> float:
    """A stand-in for proxy training: wider networks with more expansion score higher."""
    return 0.6 + 0.2 * float(choices["s1_width"]) + 0.01 * int(choices["s1_expand"])


def toy_env_kwargs(env_id: str) -> dict[str, Any]:
    """Constructor arguments that make any registered env cheap: a stand-in space and evaluator."""
    if env_id == HETERO_ID:
        return {"space": "hetero-2core", "accuracy": AccuracyFunction(toy_network_accuracy, "toy-hetero")}
    if env_id in COSEARCH_IDS:
        return {"space": TOY_COSEARCH_SPACE, "evaluator": toy_cosearch_evaluator()}
    return {"space": TOY_SPACE, "evaluator": toy_evaluator()}


def failing_toy_metrics(design: dict[str, Any]) -> DesignMetrics:
    """:func:`toy_metrics`, except that 'ws' designs at 1 or 16 words/cycle raise (a buggy user cost model) and
    'is' ones at 4 words/cycle hang: in row-major order design 1 raises and design 5 hangs (the reference design,
    16x16 'ws' at 4 words/cycle, evaluates)."""
    import time

    if design["dataflow"] == "ws" and design["dram_bw"] != 4:
        raise RuntimeError(f"toy: crashed on {design['rows']}x{design['cols']}")
    if design["dataflow"] == "is" and design["dram_bw"] == 4:
        time.sleep(3600)
    return toy_metrics(design)


def failing_toy_evaluator() -> FunctionEvaluator:
    """A fresh evaluator over :data:`TOY_SPACE` that raises or hangs on some designs."""
    return FunctionEvaluator(TOY_SPACE, failing_toy_metrics)
