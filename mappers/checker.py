"""An independent replay of a mapping result: the referee of every scheduler.

It reads the JSON-shaped result (``steps`` with resident tensors and offsets,
loads, stores, streaming windows) against the workload itself, recomputes
tensor bytes and the streaming-window rule on its own, and replays the steps
one by one. It shares no code with the schedulers: a bug in them cannot hide
behind the same bug here.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from workloads.graph import Node, TensorKind, Workload
from workloads.ops import Conv2d, MatMul
from workloads.precision import Precision


@dataclass
class Replay:
    """What the replay found: the traffic it counted and every rule a step broke."""

    offchip_bytes: int = 0
    compulsory_bytes: int = 0
    read_bytes: int = 0
    write_bytes: int = 0
    violations: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when no rule was broken."""
        return not self.violations


class ScheduleError(ValueError):
    """A mapping result that breaks the problem's rules."""


def _min_window(node: Node, sizes: Mapping[str, int], shapes: Mapping[str, tuple[int, ...]], acts: list[str]) -> int:
    """The streaming window the documented rule asks for (docs/mapper.md, "Streaming rule")."""

    def one_row(name: str) -> int:
        shape = shapes[name]
        rows = shape[-2] if len(shape) >= 3 else (shape[0] if len(shape) == 2 else 1)
        return -(-sizes[name] // rows)

    need = sum(one_row(t) for t in node.outputs)
    for k, name in enumerate(acts):
        if k == 0 and isinstance(node.op, Conv2d):
            need += min(sizes[name], one_row(name) * node.op.eff_kernel_h)
        elif k == 1 and isinstance(node.op, MatMul) and not node.op.weight_operand:
            need += sizes[name]
        else:
            need += one_row(name)
    return need


def replay(workload: Workload, scratchpad_bytes: int, result: Mapping[str, Any]) -> Replay:
    """Replay ``result`` (the ``archsim map`` JSON shape) on ``workload``; never raises on a bad schedule."""
    out = Replay()
    bad = out.violations
    precision = Precision.parse(result.get("precision", workload.precision))
    sizes = {t.name: math.ceil(t.numel * (t.precision or precision).bits / 8) for t in workload.tensors}
    shapes = {t.name: t.shape for t in workload.tensors}
    kinds = {t.name: t.kind for t in workload.tensors}
    nodes = {node.name: node for node in workload.nodes}
    producer = {t: node.name for node in workload.nodes for t in node.outputs}
    read_by = {t for node in workload.nodes for t in node.inputs}
    for name, reported in result.get("tensors", {}).items():
        nbytes = reported["bytes"] if isinstance(reported, Mapping) else reported
        if sizes.get(name) != nbytes:
            bad.append(f"tensor {name}: reported {nbytes} bytes, the workload says {sizes.get(name)}")
    in_dram = {t for t, k in kinds.items() if k is TensorKind.INPUT}
    done: set[str] = set()
    before: dict[str, int] = {}
    for k, step in enumerate(result["steps"]):
        where = f"step {k} ({step.get('op')})"
        node = nodes.get(step["op"])
        if node is None or step["op"] in done:
            bad.append(f"{where}: unknown op or op run twice")
            continue
        acts = list(dict.fromkeys(t for t in node.inputs if kinds[t] is not TensorKind.WEIGHT))
        for t in acts:
            if t in producer and producer[t] not in done:
                bad.append(f"{where}: reads {t} before {producer[t]} ran")
        now = {e["tensor"]: int(e["offset"]) for e in step["resident"]}
        loads, stores = list(step["loads"]), list(step["stores"])
        for t in loads:
            if t not in in_dram:
                bad.append(f"{where}: loads {t}, which is not in DRAM")
            if t not in now:
                bad.append(f"{where}: loads {t} but does not keep it resident")
            out.read_bytes += sizes.get(t, 0)
        for t, offset in now.items():
            if t not in sizes or kinds[t] is TensorKind.WEIGHT:
                bad.append(f"{where}: resident {t} is not an activation of the workload")
            elif t in loads:
                continue
            elif t in before:
                if before[t] != offset:
                    bad.append(f"{where}: {t} moved from offset {before[t]} to {offset} without a reload")
            elif not (t in node.outputs and not step["streamed"]):
                bad.append(f"{where}: {t} appears in the scratchpad without a load")
        spans = [(offset, offset + sizes.get(t, 0), t) for t, offset in now.items()]
        if step["streamed"]:
            window = step.get("window") or {}
            need = _min_window(node, sizes, shapes, acts)
            if int(window.get("bytes", 0)) < need:
                bad.append(f"{where}: streaming window of {window.get('bytes', 0)} bytes, the rule needs {need}")
            spans.append((int(window.get("offset", 0)), int(window.get("offset", 0)) + need, "<window>"))
            for t in acts:
                if t not in in_dram:
                    bad.append(f"{where}: streams {t}, which is not in DRAM")
                out.read_bytes += sizes[t]
            for t in node.outputs:
                if t not in stores:
                    bad.append(f"{where}: streamed output {t} is not written to DRAM")
                if t in now:
                    bad.append(f"{where}: streamed output {t} cannot be resident")
        else:
            for t in (*acts, *node.outputs):
                if t not in now:
                    bad.append(f"{where}: operand {t} is not in the scratchpad")
        used = 0
        for start, end, t in sorted(spans):
            if start < 0 or end > scratchpad_bytes:
                bad.append(f"{where}: {t} at [{start}, {end}) lies outside the {scratchpad_bytes}-byte scratchpad")
            if start < used:
                bad.append(f"{where}: {t} at [{start}, {end}) overlaps another tensor")
            used = max(used, end)
        if sum(end - start for start, end, _ in spans) > scratchpad_bytes:
            bad.append(f"{where}: resident bytes exceed the scratchpad")
        for t in stores:
            if t not in now and not (step["streamed"] and t in node.outputs):
                bad.append(f"{where}: stores {t}, which is not on chip")
            out.write_bytes += sizes.get(t, 0)
            in_dram.add(t)
        done.add(node.name)
        before = now
    if done != set(nodes):
        bad.append(f"ops never run: {sorted(set(nodes) - done)}")
    outputs = [t for t in producer if t not in read_by]
    for t in outputs:
        if t not in in_dram:
            bad.append(f"network output {t} is never written to DRAM")
    weights = {t for node in workload.nodes for t in node.inputs if kinds[t] is TensorKind.WEIGHT}
    inputs = {t for t in read_by if kinds[t] is TensorKind.INPUT}
    weight_bytes = sum(sizes[t] for t in weights)
    out.compulsory_bytes = weight_bytes + sum(sizes[t] for t in (*inputs, *outputs))
    out.offchip_bytes = weight_bytes + out.read_bytes + out.write_bytes
    for key, value in (("offchip_bytes", out.offchip_bytes), ("compulsory_bytes", out.compulsory_bytes)):
        if key in result and int(result[key]) != value:
            bad.append(f"reported {key} {result[key]} but the replay counts {value}")
    return out


def check(workload: Workload, scratchpad_bytes: int, result: Mapping[str, Any]) -> Replay:
    """Replay ``result`` and raise :class:`ScheduleError` listing the first violations if it breaks a rule."""
    outcome = replay(workload, scratchpad_bytes, result)
    if not outcome.ok:
        shown = "; ".join(outcome.violations[:5])
        raise ScheduleError(f"schedule rejected ({len(outcome.violations)} violations): {shown}")
    return outcome
