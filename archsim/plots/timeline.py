"""The mapper's scratchpad timeline: which tensor sits where, step by step, and what crosses the DRAM interface.

Input is the ``archsim map --format json`` document (``MappingResult.to_payload()``), so
that saved schedules plot without the mapper (and ``archsim`` never imports ``mappers``).
A tensor resident at the same offset over consecutive steps is one box; a tensor loaded
after it was produced is a *reload*, and its store is the *spill* that made it necessary.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch, Rectangle

from archsim.errors import InputError

KIB = 1024.0
_MARKS = {
    "reload": ("^", "#C44E52", "reload (spilled earlier)"),
    "spill": ("v", "#C44E52", "spill (reloaded later)"),
    "first_load": ("^", "#4C72B0", "first load (graph input)"),
    "write_back": ("v", "#8C8C8C", "write-back (output / streamed)"),
}
"""Event kind -> (marker, colour, legend text)."""
_CHARS_PER_STEP = 6
"""Characters of 6 pt text that fit across one schedule step (figures are 0.28 in wide per step)."""
_CHARS_PER_HEIGHT = 55
"""Characters of 6 pt text that fit along the full scratchpad height of a panel (a conservative count)."""
_PALETTE = ("#9DB4D3", "#A1D99B", "#FDD0A2", "#DADAEB", "#FCBBA1", "#C7E9C0", "#D9D9D9", "#C6DBEF")


class SupportsPayload(Protocol):
    """A mapping result that can describe itself as the ``archsim map`` JSON (``MappingResult``)."""

    def to_payload(self) -> dict[str, Any]:
        """The ``archsim map --format json`` document."""
        ...


MapResult = Mapping[str, Any] | SupportsPayload


@dataclass(frozen=True)
class Box:
    """One tensor resident at one offset over the steps ``[first, last]``."""

    tensor: str
    offset: int
    size: int
    first: int
    last: int


def map_payload(result: MapResult) -> Mapping[str, Any]:
    """The JSON document of a result object or of an already loaded payload."""
    payload = result if isinstance(result, Mapping) else result.to_payload()
    missing = {"steps", "scratchpad_bytes", "tensors"} - set(payload)
    if missing:
        fields = ", ".join(sorted(missing))
        raise InputError(
            f"not a mapping result (MappingResult.to_payload()): missing {fields}",
            cli=f"not an `archsim map --format json` result: missing {fields}",
        )
    return payload


def residency_boxes(steps: Sequence[Mapping[str, Any]]) -> list[Box]:
    """Merge each tensor's per-step residency into boxes (same offset over consecutive steps)."""
    open_boxes: dict[str, Box] = {}
    boxes: list[Box] = []
    for k, step in enumerate(steps):
        here = {entry["tensor"]: entry for entry in step["resident"]}
        for name, box in list(open_boxes.items()):
            entry = here.get(name)
            if entry is None or entry["offset"] != box.offset:
                boxes.append(open_boxes.pop(name))
        for name, entry in here.items():
            box = open_boxes.get(name)
            if box is None:
                open_boxes[name] = Box(name, int(entry["offset"]), int(entry["bytes"]), k, k)
            else:
                open_boxes[name] = Box(name, box.offset, box.size, box.first, k)
    boxes.extend(open_boxes.values())
    return sorted(boxes, key=lambda b: (b.first, b.offset))


def traffic_events(payload: Mapping[str, Any]) -> list[tuple[str, int, str]]:
    """(kind, step, tensor) of every load and store, classified as in :data:`_MARKS`."""
    steps = payload["steps"]
    tensors = payload["tensors"]
    produced = {t for step in steps for t in _outputs(step, payload)}
    last_load = {t: k for k, step in enumerate(steps) for t in step["loads"]}
    events: list[tuple[str, int, str]] = []
    for k, step in enumerate(steps):
        for t in step["loads"]:
            was_produced = t in produced or tensors.get(t, {}).get("role") in ("activation", "output")
            events.append(("reload" if was_produced else "first_load", k, t))
        for t in step["stores"]:
            events.append(("spill" if last_load.get(t, -1) > k else "write_back", k, t))
    return events


def _outputs(step: Mapping[str, Any], payload: Mapping[str, Any]) -> list[str]:
    """Tensors the step's op produces (from the payload's op table when present)."""
    ops = payload.get("ops", {})
    return list(ops.get(step["op"], {}).get("outputs", []))


def _offset_of(step: Mapping[str, Any], tensor: str) -> tuple[float, float] | None:
    """(offset, bytes) of ``tensor`` in a step's residency, if it is there."""
    for entry in step["resident"]:
        if entry["tensor"] == tensor:
            return float(entry["offset"]), float(entry["bytes"])
    return None


def draw_timeline(axes: Axes, result: MapResult, key: list[tuple[str, str]] | None = None) -> list[tuple[str, str]]:
    """Draw one schedule's timeline on ``axes`` (steps on x, scratchpad KiB on y).

    Tensor names are never cut: a name is written across its box when it fits,
    along it (rotated) when it fits that way, else the box shows a number whose
    full name is listed in the returned key (``[(label, colour)]``, extending ``key``).
    """
    payload = map_payload(result)
    steps = payload["steps"]
    capacity = float(payload["scratchpad_bytes"])
    key = [] if key is None else key
    numbers: dict[str, int] = {}
    colours = {}
    for box in residency_boxes(steps):
        colour = colours.setdefault(box.tensor, _PALETTE[len(colours) % len(_PALETTE)])
        width = box.last - box.first + 1
        axes.add_patch(
            Rectangle(
                (box.first, box.offset / KIB), width, box.size / KIB, facecolor=colour, edgecolor="#333333", lw=0.6
            )
        )
        if box.size / capacity > 0.06:
            name = box.tensor.removesuffix(":out")
            rotation = 0
            if len(name) > _CHARS_PER_STEP * width:
                rotation = 90
                if len(name) > _CHARS_PER_HEIGHT * box.size / capacity:
                    if name not in numbers:
                        numbers[name] = len(key) + 1
                        key.append((f"[{numbers[name]}] {name}", colour))
                    name, rotation = f"[{numbers[name]}]", 0
            axes.text(
                box.first + width / 2,
                (box.offset + box.size / 2) / KIB,
                name,
                ha="center",
                va="center",
                fontsize=6,
                rotation=rotation,
                clip_on=True,
            )
    for k, step in enumerate(steps):
        window = step.get("window")
        if step.get("streamed") and window:
            axes.add_patch(
                Rectangle(
                    (k, window["offset"] / KIB),
                    1,
                    max(window["bytes"], capacity * 0.004) / KIB,
                    facecolor="none",
                    edgecolor="#555555",
                    hatch="////",
                    lw=0.6,
                )
            )
    for kind, k, tensor in traffic_events(payload):
        marker, colour, _ = _MARKS[kind]
        placed = _offset_of(steps[k], tensor)
        y = (placed[0] + placed[1] / 2) / KIB if placed else capacity / KIB * 1.02
        x = k + 0.15 if kind in ("reload", "first_load") else k + 0.85
        axes.plot(x, y, marker=marker, color=colour, ms=9, mec="black", mew=0.6, ls="none")
    axes.axhline(capacity / KIB, color="black", ls="--", lw=1)
    axes.set_xlim(0, max(len(steps), 1))
    axes.set_ylim(0, capacity / KIB * 1.06)
    axes.set_ylabel("scratchpad offset (KiB)")
    names = [step["op"] for step in steps]
    ticks = np.arange(len(names)) + 0.5
    if len(names) <= 48:
        axes.set_xticks(ticks, names, rotation=90, fontsize=6)
    else:
        axes.set_xticks(ticks[::5], [str(i) for i in range(0, len(names), 5)], fontsize=7)
    return key


def _legend_handles(key: Sequence[tuple[str, str]] = ()) -> list[Any]:
    handles: list[Any] = [
        Line2D([], [], marker=m, color=c, mec="black", mew=0.6, ls="none", ms=8, label=text)
        for m, c, text in _MARKS.values()
    ]
    handles.append(Patch(facecolor="none", edgecolor="#555555", hatch="////", label="streamed op window"))
    handles.append(Patch(facecolor=_PALETTE[0], edgecolor="#333333", label="resident tensor"))
    handles.append(Line2D([], [], color="black", ls="--", label="scratchpad capacity"))
    handles += [Patch(facecolor=colour, edgecolor="#333333", label=label) for label, colour in key]
    return handles


def _summary(payload: Mapping[str, Any]) -> str:
    compulsory = payload.get("compulsory_bytes", 0)
    extra = payload.get("noncompulsory_bytes", payload.get("offchip_bytes", 0) - compulsory)
    return f"off-chip {payload.get('offchip_bytes', 0) / 1e6:.2f} MB ({extra / 1e6:.2f} MB non-compulsory)"


def scratchpad_timeline(result: MapResult, title: str | None = None) -> Figure:
    """One schedule: tensors as boxes over steps x byte offsets, with loads, spills and reloads marked."""
    payload = map_payload(result)
    steps = len(payload["steps"])
    figure = Figure(figsize=(max(9.0, 0.28 * steps + 3), 5.2), layout="constrained")
    axes = figure.add_subplot()
    key = draw_timeline(axes, payload)
    axes.set_xlabel("schedule step (op run at that step)")
    status = payload.get("status", "?")
    axes.set_title(
        title
        or f"{payload.get('workload', '?')} on {payload['scratchpad_bytes'] / KIB:.0f} KiB scratchpad ({status}): "
        f"{_summary(payload)}"
    )
    axes.legend(handles=_legend_handles(key), loc="upper left", bbox_to_anchor=(1.01, 1), fontsize=7)
    return figure


def timeline_comparison(results: Mapping[str, MapResult]) -> Figure:
    """Several schedules (e.g. the ILP's and a baseline's) stacked, one panel each, on the same offset axis."""
    if not results:
        raise ValueError("timeline_comparison needs at least one schedule")
    payloads = {name: map_payload(r) for name, r in results.items()}
    steps = max(len(p["steps"]) for p in payloads.values())
    figure = Figure(figsize=(max(9.0, 0.28 * steps + 3), 3.6 * len(payloads) + 1.0), layout="constrained")
    # Not sharex: each schedule has its own op order, so each panel keeps its own tick labels.
    axes_list = figure.subplots(len(payloads), 1, sharey=True, squeeze=False)[:, 0]
    key: list[tuple[str, str]] = []
    for axes, (name, payload) in zip(axes_list, payloads.items(), strict=True):
        draw_timeline(axes, payload, key)
        axes.set_xlim(0, steps)
        size = payload["scratchpad_bytes"] / KIB
        axes.set_title(f"{name} ({size:.0f} KiB, {payload.get('status', '?')}): {_summary(payload)}", fontsize=9)
    axes_list[-1].set_xlabel("schedule step (op run at that step)")
    axes_list[0].set_ylim(0, max(p["scratchpad_bytes"] for p in payloads.values()) / KIB * 1.06)
    workloads = sorted({str(p.get("workload", "?")) for p in payloads.values()})
    figure.suptitle(f"scratchpad timelines: {', '.join(workloads)}")
    axes_list[0].legend(handles=_legend_handles(key), loc="upper left", bbox_to_anchor=(1.01, 1), fontsize=7)
    return figure
