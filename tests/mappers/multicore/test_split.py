"""Inter-core channel split: the parts of a layer do its work exactly once, on every core."""

from __future__ import annotations

from archsim.config.system import SystemConfig
from archsim.config.systolic import SystolicConfig
from archsim.system.metrics import evaluate
from mappers.multicore.split import split_schedule
from workloads.builder import GraphBuilder


def test_parts_sum_to_the_layer_macs_and_use_every_core() -> None:
    b = GraphBuilder("net")
    x = b.conv(b.input((1, 8, 16, 16)), 18, 3, padding=1, name="a")
    x = b.depthwise(x, 3, padding=1, name="dw")
    b.add(x, x, name="sum")
    workload = b.build()
    core = SystolicConfig(name="sa", rows=8, cols=8)
    system = SystemConfig(cores=(core, core, core, core))
    schedule = split_schedule(workload, system)
    metrics = evaluate(workload, system, schedule)
    by_layer: dict[str, int] = {}
    for task, row in zip(schedule.tasks, metrics.layers, strict=True):
        layer = task.ops[0].layer
        by_layer[layer] = by_layer.get(layer, 0) + row.macs
    for node in workload.nodes:
        assert by_layer[node.name] == node.op.macs
    assert all(len(names) >= 1 for names in schedule.order)
