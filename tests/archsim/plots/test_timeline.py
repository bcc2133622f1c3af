"""The scratchpad timeline: residency boxes, spill/reload classification and the figure itself."""

from __future__ import annotations

from typing import Any

import pytest
from matplotlib.patches import Rectangle

from archsim.errors import InputError
from archsim.plots import scratchpad_timeline, timeline_comparison
from archsim.plots.timeline import residency_boxes, traffic_events


def _resident(*entries: tuple[str, int, int]) -> list[dict[str, Any]]:
    return [{"tensor": t, "offset": o, "bytes": b} for t, o, b in entries]


def _payload() -> dict[str, Any]:
    """x is loaded, a is produced, spilled to make room for b, reloaded for c; c is the graph output."""
    steps = [
        {"op": "A", "streamed": False, "resident": _resident(("x", 0, 40), ("a", 40, 40)),
         "loads": ["x"], "stores": ["a"], "window": None},
        {"op": "B", "streamed": False, "resident": _resident(("x", 0, 40), ("b", 40, 60)),
         "loads": [], "stores": [], "window": None},
        {"op": "C", "streamed": False, "resident": _resident(("a", 0, 40), ("b", 40, 60)),
         "loads": ["a"], "stores": [], "window": None},
        {"op": "D", "streamed": True, "resident": [], "loads": [], "stores": ["c"],
         "window": {"offset": 0, "bytes": 8}},
    ]  # fmt: skip
    return {
        "workload": "toy",
        "scratchpad_bytes": 100,
        "status": "optimal",
        "offchip_bytes": 300,
        "compulsory_bytes": 200,
        "noncompulsory_bytes": 100,
        "steps": steps,
        "tensors": {
            "x": {"bytes": 40, "role": "input"},
            "a": {"bytes": 40, "role": "activation"},
            "b": {"bytes": 60, "role": "activation"},
            "c": {"bytes": 10, "role": "output"},
        },
        "ops": {
            "A": {"inputs": ["x"], "outputs": ["a"]},
            "B": {"inputs": ["x"], "outputs": ["b"]},
            "C": {"inputs": ["a", "b"], "outputs": ["d"]},
            "D": {"inputs": ["d"], "outputs": ["c"]},
        },
    }


def test_boxes_merge_consecutive_steps_at_one_offset_and_split_on_a_move() -> None:
    boxes = {(b.tensor, b.offset): (b.first, b.last) for b in residency_boxes(_payload()["steps"])}
    assert boxes == {("x", 0): (0, 1), ("a", 40): (0, 0), ("b", 40): (1, 2), ("a", 0): (2, 2)}


def test_loads_and_stores_are_classified_as_spills_reloads_and_write_backs() -> None:
    events = set(traffic_events(_payload()))
    assert events == {("first_load", 0, "x"), ("spill", 0, "a"), ("reload", 2, "a"), ("write_back", 3, "c")}


def test_timeline_draws_one_box_per_residency_plus_the_window() -> None:
    figure = scratchpad_timeline(_payload())
    axes = figure.axes[0]
    rectangles = [p for p in axes.patches if isinstance(p, Rectangle)]
    assert len(rectangles) == 4 + 1
    assert axes.get_ylabel() == "scratchpad offset (KiB)"
    assert axes.get_xlabel().startswith("schedule step")
    legend = [t.get_text() for t in axes.get_legend().get_texts()]
    assert "spill (reloaded later)" in legend and "reload (spilled earlier)" in legend
    assert [t.get_text() for t in axes.get_xticklabels()] == ["A", "B", "C", "D"]
    figure.canvas.draw()


def test_comparison_has_one_panel_per_schedule_with_its_own_op_order() -> None:
    other = _payload()
    other["steps"] = list(reversed(other["steps"]))
    figure = timeline_comparison({"ilp": _payload(), "greedy": other})
    panels = [a for a in figure.axes if a.get_title()]
    assert len(panels) == 2
    assert [t.get_text() for t in panels[1].get_xticklabels()] == ["D", "C", "B", "A"]


def test_a_document_that_is_not_a_map_result_is_refused() -> None:
    with pytest.raises(InputError, match="missing"):
        scratchpad_timeline({"steps": []})
    with pytest.raises(ValueError, match="at least one"):
        timeline_comparison({})


def test_a_real_mapping_result_plots_directly() -> None:
    from mappers.mapper import map_workload
    from workloads.registry import load_workload

    result = map_workload(load_workload("yolo_tiny"), 512 * 1024, time_limit=10)
    figure = scratchpad_timeline(result)
    payload = result.to_payload()
    boxes = residency_boxes(payload["steps"])
    assert sum(b.last - b.first + 1 for b in boxes) == sum(len(s["resident"]) for s in payload["steps"])
    assert figure.axes[0].get_title().startswith("yolo_tiny on 512 KiB")
