"""A mapped schedule reaches ``simulate()``: DRAM traffic and stalls drop against the unmapped network."""

from __future__ import annotations

from archsim import load_arch, simulate
from mappers.mapper import map_workload
from workloads.registry import load_workload


def test_mapped_resnet18_moves_less_dram_traffic() -> None:
    workload = load_workload("resnet18")
    config = load_arch("systolic-32x32")
    result = map_workload(workload, 512 * 1024, time_limit=10)
    plan = result.traffic_plan()
    assert set(plan) == {node.name for node in workload.nodes}
    unmapped = simulate(workload, config)
    mapped = simulate(workload, config, traffic=plan)

    def activation_words(metrics) -> int:
        return sum(layer.ifmap_dram_reads + layer.ofmap_dram_writes for layer in metrics.layers)

    assert activation_words(mapped) < activation_words(unmapped)
    assert sum(layer.stall_cycles for layer in mapped.layers) <= sum(layer.stall_cycles for layer in unmapped.layers)
    planned = sum(t.dram_read_bytes + t.dram_write_bytes for t in plan.values())
    assert planned == result.offchip_bytes - sum(result.problem.tensor_bytes[w] for w in result.problem.weights)
    word = config.word_bytes
    assert activation_words(mapped) == sum(
        -(-t.dram_read_bytes // word) + -(-t.dram_write_bytes // word) for t in plan.values()
    )
