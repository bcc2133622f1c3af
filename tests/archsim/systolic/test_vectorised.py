"""The vectorised path equals the scalar path, design by design."""

from __future__ import annotations

import numpy as np
import pytest

from archsim.config.systolic import SystolicConfig
from archsim.errors import InputError
from archsim.systolic import simulate_systolic
from archsim.systolic.vectorised import Designs, designs_from_configs, evaluate
from archsim.traffic import LayerTraffic
from workloads.builder import GraphBuilder
from workloads.graph import Workload
from workloads.ops import VectorFn


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
