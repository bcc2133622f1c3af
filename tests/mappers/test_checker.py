"""The checker accepts mapper results and rejects schedules that break a rule."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from mappers.checker import ScheduleError, check, replay
from mappers.mapper import map_workload
from workloads.graph import Workload


def _payload(workload: Workload, scratchpad: int) -> dict[str, Any]:
    return map_workload(workload, scratchpad, time_limit=5).to_payload()


def _step_with_resident(payload: dict[str, Any], minimum: int) -> int:
    return next(k for k, s in enumerate(payload["steps"]) if len(s["resident"]) >= minimum and not s["streamed"])


def test_accepts_mapper_result(residual: Workload) -> None:
    payload = _payload(residual, 1536)
    outcome = check(residual, 1536, payload)
    assert outcome.offchip_bytes == payload["offchip_bytes"]
    assert outcome.compulsory_bytes == payload["compulsory_bytes"]


def test_rejects_capacity_overflow(residual: Workload) -> None:
    payload = _payload(residual, 1536)
    assert replay(residual, 1000, payload).violations


def test_rejects_overlap(residual: Workload) -> None:
    payload = _payload(residual, 1536)
    bad = copy.deepcopy(payload)
    step = bad["steps"][_step_with_resident(bad, 2)]
    step["resident"][1]["offset"] = step["resident"][0]["offset"]
    step["loads"] = [e["tensor"] for e in step["resident"]]
    assert any("overlaps" in v for v in replay(residual, 1536, bad).violations)


def test_rejects_missing_input(residual: Workload) -> None:
    payload = _payload(residual, 1536)
    bad = copy.deepcopy(payload)
    k = next(k for k, s in enumerate(bad["steps"]) if s["op"] == "b0.c2")
    step = bad["steps"][k]
    step["resident"] = [e for e in step["resident"] if e["tensor"] != "b0.c1:out"]
    step["loads"] = [t for t in step["loads"] if t != "b0.c1:out"]
    with pytest.raises(ScheduleError, match="not in the scratchpad"):
        check(residual, 1536, bad)


def test_rejects_wrong_traffic(residual: Workload) -> None:
    bad = _payload(residual, 1536)
    bad["offchip_bytes"] -= 1
    with pytest.raises(ScheduleError, match="offchip_bytes"):
        check(residual, 1536, bad)


def test_rejects_load_of_unstored_tensor(residual: Workload) -> None:
    bad = _payload(residual, 100_000)
    for step in bad["steps"]:
        step["stores"] = [t for t in step["stores"] if t != "stem:out"]
    k = next(k for k, s in enumerate(bad["steps"]) if s["op"] == "b0.add")
    bad["steps"][k]["loads"].append("stem:out")
    assert any("not in DRAM" in v for v in replay(residual, 100_000, bad).violations)


def test_rejects_move_without_reload(residual: Workload) -> None:
    bad = _payload(residual, 100_000)
    k = next(k for k, s in enumerate(bad["steps"]) if s["op"] == "b0.c2")
    for entry in bad["steps"][k]["resident"]:
        if entry["tensor"] == "stem:out":
            entry["offset"] += 1
    assert any("moved" in v for v in replay(residual, 100_000, bad).violations)


def test_rejects_wrong_order_and_missing_output(diamond: Workload) -> None:
    bad = _payload(diamond, 10_000)
    bad["steps"] = list(reversed(bad["steps"]))
    violations = replay(diamond, 10_000, bad).violations
    assert any("before" in v for v in violations)


def test_rejects_tensor_bytes_mismatch(diamond: Workload) -> None:
    bad = _payload(diamond, 10_000)
    bad["tensors"]["a:out"]["bytes"] += 1
    assert any("a:out" in v for v in replay(diamond, 10_000, bad).violations)
