"""Off-chip traffic against scratchpad size: the mapped schedule, every baseline and the compulsory floor."""

from __future__ import annotations

import pytest

from archsim.plots import offchip_vs_scratchpad


def _payload(kb: int, mapped: int, status: str = "optimal") -> dict[str, object]:
    return {
        "workload": "toy",
        "scratchpad_bytes": kb * 1024,
        "status": status,
        "offchip_bytes": mapped,
        "compulsory_bytes": 1_000_000,
        "baselines": {"no_reuse": 5_000_000, "belady": mapped + 500_000},
        "steps": [],
        "tensors": {},
    }


def test_points_are_sorted_by_size_with_a_line_per_schedule() -> None:
    figure = offchip_vs_scratchpad([_payload(512, 2_000_000), _payload(128, 4_000_000)])
    axes = figure.axes[0]
    lines = {line.get_label(): line for line in axes.get_lines()}
    x = lines["mapped (optimal)"].get_xdata()
    assert x[1] / x[0] == pytest.approx(4.0) and 128 < x[0] < 128 * 1.2  # at its sizes, nudged right of them
    assert lines["mapped (optimal)"].get_ydata().tolist() == [4.0, 2.0]
    assert lines["baseline: belady"].get_ydata().tolist() == [4.5, 2.5]
    assert axes.get_xlabel() == "scratchpad size (KiB)" and "(MB)" in axes.get_ylabel()
    figure.canvas.draw()


def test_mixed_statuses_are_written_next_to_their_points() -> None:
    figure = offchip_vs_scratchpad([_payload(128, 4_000_000, "feasible"), _payload(512, 2_000_000)])
    assert sorted(t.get_text() for t in figure.axes[0].texts) == ["feasible", "optimal"]


def test_no_results_is_refused() -> None:
    with pytest.raises(ValueError, match="at least one"):
        offchip_vs_scratchpad([])


def test_with_one_size_every_baseline_marker_stays_visible_beside_the_mapped_point() -> None:
    """Equal baselines and a mapped point at one size: each series at its own x, all inside the axes."""
    payload = _payload(256, 4_500_000)
    payload["baselines"] = {"no_reuse": 5_000_000, "lru": 4_600_000, "belady": 4_600_000}
    axes = offchip_vs_scratchpad([payload]).axes[0]
    xs = [float(line.get_xdata()[0]) for line in axes.get_lines()]
    assert len(xs) == 4 and len(set(xs)) == 4
    low, high = axes.get_xlim()
    assert all(low < x < high for x in xs) and low < 256 < high
