"""A rank-2 activation (an LLM's ``(tokens, hidden)``) has a row per token, and a whole-layer task reads
it once.

Regression: ``input_rows_end`` counted its first axis as rows while the task's bytes per row were the
whole tensor's, so a layer-by-layer system read every such input ``tokens`` times (a 1,000-token,
batch-8 prefill read 131 GB per norm and took 100 s instead of 0.6 s). Rows and bytes per row now
agree (a token row each), which is also what lets fusion cut an LLM's layers into token tiles.
"""

from __future__ import annotations

import mappers.multicore  # noqa: F401  (registers the system family with simulate())
from archsim.config.loader import load_arch
from archsim.simulate import simulate
from archsim.system.tiles import input_rows_end, tensor_rows
from mappers.multicore.stacks import Stack
from workloads.registry import load_workload

SPEC = "gpt2:phase=prefill,prompt=256,batch=4,layers=1"


def test_rank2_tensors_have_a_row_per_token() -> None:
    workload = load_workload(SPEC)
    node = next(n for n in workload if n.name == "prefill.L0.norm2")
    tensor = node.inputs[0]
    assert len(workload.tensor(tensor).shape) == 2 and workload.tensor(tensor).shape[0] == 1024
    assert tensor_rows(workload.tensor(tensor).shape) == 1024
    assert input_rows_end(workload, node, tensor, 1024) == 1024
    assert input_rows_end(workload, node, tensor, 256) == 256
    stack = Stack(workload, (node,), None)
    assert stack.row_bytes(tensor) * 1024 == workload.tensor_bytes(tensor)
    assert tensor_rows((1, 7, 5)) == 7 and tensor_rows((9,)) == 1


def test_a_whole_layer_task_reads_each_input_once() -> None:
    workload = load_workload(SPEC)
    metrics = simulate(workload, load_arch("system-quad-systolic"))
    rows = {row.layer: row for row in metrics.layers}
    for node in workload:
        row = rows[node.name]
        assert row.extras["dram_read_bytes"] <= sum(workload.tensor_bytes(t) for t in node.inputs), node.name
        assert row.extras["dram_write_bytes"] <= sum(workload.tensor_bytes(t) for t in node.outputs), node.name
    norm = next(n for n in workload if n.name == "prefill.L0.norm2")  # 1.5 MiB: does not stay on chip
    assert rows["prefill.L0.norm2"].extras["dram_read_bytes"] == workload.tensor_bytes(norm.inputs[0])
