"""The vectorised path equals the scalar path, design by design."""

from __future__ import annotations

import numpy as np
import pytest

from archsim.config.systolic import SystolicConfig
from archsim.errors import InputError
from archsim.systolic import simulate_layer, simulate_systolic
from archsim.systolic.vectorised import Designs, designs_from_configs, evaluate, op_costs
from archsim.traffic import LayerTraffic
from workloads.builder import GraphBuilder
from workloads.graph import Workload
from workloads.ops import MatMul, VectorFn, VectorOp

_FIGURES = (
    "macs",
    "compute_cycles",
    "stall_cycles",
    "total_cycles",
    "fill_drain_cycles",
    "overall_util",
    "mapping_efficiency",
    "compute_util",
    "ifmap_sram_reads",
    "filter_sram_reads",
    "ofmap_sram_writes",
    "ifmap_dram_reads",
    "filter_dram_reads",
    "ofmap_dram_writes",
    "latency_s",
)
"""LayerMetrics fields named like OpCost's: the scalar and vectorised paths must agree on each."""


def _network() -> Workload:
    b = GraphBuilder("mix")
    x = b.input((1, 8, 20, 20))
    x = b.conv(x, 16, 3, stride=1)
    x = b.conv(x, 16, 3, groups=16)
    x = b.pool(x, VectorFn.MAXPOOL, 2, 2)
    x = b.conv(x, 24, 1)
    return b.build()


def _random_configs(count: int, seed: int) -> list[SystolicConfig]:
    rng = np.random.default_rng(seed)
    return [
        SystolicConfig(
            rows=int(rng.integers(1, 70)),
            cols=int(rng.integers(1, 70)),
            dataflow=str(rng.choice(["os", "ws", "is"])),
            ifmap_sram_kb=float(rng.choice([0.5, 2, 8, 64, 512])),
            filter_sram_kb=float(rng.choice([0.5, 2, 8, 64])),
            ofmap_sram_kb=float(rng.choice([0.5, 2, 8, 64])),
            ifmap_dram_bw=float(rng.choice([1, 3, 10, 32])),
            filter_dram_bw=float(rng.choice([1, 3, 10])),
            ofmap_dram_bw=float(rng.choice([1, 4, 10, 64])),
            word_bytes=int(rng.choice([1, 2, 4])),
            clock_mhz=float(rng.choice([200, 700, 1000])),
            cores=int(rng.choice([1, 2, 3, 4])),
        )
        for _ in range(count)
    ]


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_vectorised_equals_scalar_on_random_designs(seed: int) -> None:
    network = _network()
    configs = _random_configs(60, seed)
    plan = {network.ops[1].name: LayerTraffic(dram_read_bytes=0, dram_write_bytes=5000)} if seed == 2 else None
    result = evaluate(network, designs_from_configs(configs), plan)
    for i, config in enumerate(configs):
        scalar = simulate_systolic(network, config, plan)
        assert result.total_cycles[i] == scalar.total_cycles
        assert result.stall_cycles[i] == sum(layer.stall_cycles for layer in scalar.layers)
        assert result.energy_pj[i] == scalar.energy_pj
        assert result.latency_s[i] == scalar.latency_s
        assert result.area_mm2[i] == pytest.approx(scalar.area_mm2, rel=1e-12)
        assert result.overall_util[i] == pytest.approx(scalar.overall_util, rel=1e-12)


def test_designs_broadcast_scalars_and_validate() -> None:
    designs = Designs.from_arrays(rows=[8, 16], cols=32, dataflow="ws")
    assert len(designs) == 2
    assert designs.cols.tolist() == [32, 32]
    with pytest.raises(InputError, match="dataflow"):
        Designs.from_arrays(rows=8, cols=8, dataflow="xs")
    with pytest.raises(InputError, match="rows"):
        Designs.from_arrays(rows=[0, 4], cols=8)


def _varied_network() -> Workload:
    """Every GEMM form the model distinguishes: packed/partial groups, strides, batch, both matmuls, vector fns."""
    b = GraphBuilder("varied")
    x = b.input((2, 12, 18, 18))
    x = b.conv(x, 24, 3, stride=2)
    x = b.conv(x, 24, 3, groups=24)
    x = b.conv(x, 36, 1, groups=3)
    x = b.pool(x, VectorFn.AVGPOOL, 2, 2)
    return b.build()


@pytest.mark.parametrize("seed", [3, 4])
def test_vectorised_equals_scalar_figure_by_figure(seed: int) -> None:
    configs = _random_configs(40, seed)
    designs = designs_from_configs(configs)
    ops = [
        *_varied_network().ops,
        MatMul("fc", m=7, n=300, k=96, batch=3),
        MatMul("qk", m=50, n=50, k=64, batch=2, weight_operand=False),
        VectorOp("add", VectorFn.ADD, input_elements=9000, output_elements=4500, ops_per_output=1),
        VectorOp("view", VectorFn.RESHAPE, input_elements=4500, output_elements=4500, ops_per_output=0),
    ]
    plan = {"fc": LayerTraffic(dram_read_bytes=3000, dram_write_bytes=70000)}
    for op in ops:
        costs = op_costs(op, designs, plan)
        for i, config in enumerate(configs):
            layer = simulate_layer(op, config, plan.get(op.name))
            for name in _FIGURES:
                assert getattr(costs, name)[i] == getattr(layer, name), (op.name, name, config)
            assert costs.energy_pj[i] == layer.energy_pj
            assert costs.mac_energy_pj[i] == layer.energy_by_component_pj["mac"]
            assert costs.sram_energy_pj[i] == layer.energy_by_component_pj["sram"]
            assert costs.dram_energy_pj[i] == layer.energy_by_component_pj["dram"]
            assert costs.vector_energy_pj[i] == layer.energy_by_component_pj["vector"]
