"""simulate() on FPGA configs: rows, JSON design/resources, traffic plans, the CLI."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from archsim.cli import main
from archsim.config.loader import load_arch
from archsim.simulate import simulate
from archsim.traffic import LayerTraffic
from workloads.registry import load_workload


@pytest.mark.parametrize("arch", ["fpga-ultra96v2-int8", "fpga-pynqz2-int8"])
@pytest.mark.parametrize("network", ["mobilenet_v2", "resnet18"])
def test_small_boards_int8(arch: str, network: str) -> None:
    metrics = simulate(load_workload(network), load_arch(arch))
    resources = metrics.resources
    for kind in ("dsp", "bram18k", "lut", "ff"):
        assert 0 < resources[kind]["used"] <= 0.8 * resources[kind]["available"]
    for layer in metrics.layers:
        assert layer.total_cycles == layer.compute_cycles + layer.stall_cycles
        assert 0.0 <= layer.overall_util <= layer.compute_util <= layer.mapping_efficiency <= 1.0
        if layer.macs:
            assert layer.total_cycles >= layer.macs / (metrics.design["tm"] * metrics.design["tn"])
            assert {"tr", "tc", "ctc_flop_per_byte", "attainable_gflops"} <= set(layer.extras)
    assert set(metrics.design["tiles"]) == {layer.layer for layer in metrics.layers if layer.macs}


def test_more_bandwidth_is_never_slower() -> None:
    workload = load_workload("mobilenet_v2")
    slow = simulate(workload, load_arch("fpga-pynqz2-int8"))
    fast = simulate(workload, dataclasses.replace(load_arch("fpga-pynqz2-int8"), bandwidth_gbps=8.0))
    assert fast.total_cycles <= slow.total_cycles


def test_traffic_plan_replaces_activation_traffic() -> None:
    workload = load_workload("resnet18")
    config = load_arch("fpga-ultra96v2-int8")
    first = workload.nodes[0].name
    base = simulate(workload, config)
    planned = simulate(workload, config, {first: LayerTraffic(dram_read_bytes=0, dram_write_bytes=0)})
    assert planned.layers[0].ifmap_dram_reads == 0 and planned.layers[0].ofmap_dram_writes == 0
    assert planned.layers[0].filter_dram_reads == base.layers[0].filter_dram_reads
    assert planned.layers[0].total_cycles <= base.layers[0].total_cycles


def test_cli_simulate_json_has_design_and_resources(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["simulate", "--workload", "alexnet", "--arch", "zhang2015-vc707", "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert (data["design"]["tm"], data["design"]["tn"]) == (64, 7)
    assert data["resources"]["dsp"] == {"used": 2240, "available": 2800, "pct": 80.0}
    assert data["arch"]["board"] == "vc707" and len(data["layers"]) == len(load_workload("alexnet").nodes)


def test_cli_bad_board_exits_2_with_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "bad.toml"
    path.write_text('family = "fpga"\nboard = "stratix"\n')
    assert main(["simulate", "--workload", "alexnet", "--arch", str(path)]) == 2
    err = capsys.readouterr().err.strip()
    assert "unknown board 'stratix'" in err and "\n" not in err


def test_table_summary_shows_resources_instead_of_a_zero_area(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["simulate", "--workload", "alexnet", "--arch", "zhang2015-vc707"]) == 0
    summary = capsys.readouterr().out.strip().splitlines()[-1]
    assert "resources DSP 2,240/2,800, BRAM18K 1,052/2,060" in summary
    assert "mm^2" not in summary


@pytest.mark.parametrize(
    ("network", "arch", "row"),
    [
        ("mobilenet_v2", "fpga-ultra96v2-int8", ("24x24", 9, 11.89, 50.6, 288, 96, 49_472, ["classifier"])),
        ("resnet18", "fpga-ultra96v2-int8", ("64x9", 8, 26.13, 138.8, 288, 146, 49_472, ["fc"])),
        ("mobilenet_v2", "fpga-pynqz2-int8", ("16x11", 8, 40.68, 14.8, 176, 54, 20_672, [])),
        ("resnet18", "fpga-pynqz2-int8", ("35x5", 7, 121.23, 29.9, 175, 80, 20_600, ["layer2.0.downsample", "fc"])),
    ],
)
def test_small_board_table_in_the_docs(network: str, arch: str, row: tuple) -> None:
    metrics = simulate(load_workload(network), load_arch(arch))
    design, resources = metrics.design, metrics.resources
    memory_bound = [layer.layer for layer in metrics.layers if layer.macs and layer.stall_cycles]
    assert (
        f"{design['tm']}x{design['tn']}",
        design["pipeline_cycles"],
        round(metrics.latency_s * 1e3, 2),
        round(2 * metrics.macs / metrics.latency_s / 1e9, 1),
        resources["dsp"]["used"],
        resources["bram18k"]["used"],
        resources["lut"]["used"],
        memory_bound,
    ) == row


def test_mobilenet_v2_depthwise_layers_use_under_10_percent_of_the_lanes() -> None:
    workload = load_workload("mobilenet_v2")
    depthwise = {n.name for n in workload.nodes if getattr(n.op, "groups", 1) > 1}
    metrics = simulate(workload, load_arch("fpga-ultra96v2-int8"))
    efficiency = [layer.mapping_efficiency for layer in metrics.layers if layer.layer in depthwise]
    assert len(efficiency) == 17 and max(efficiency) < 0.10  # docs/fpga.md, Model: groups


@pytest.mark.parametrize(
    ("network", "arch", "peak", "share"),
    [("mobilenet_v2", "fpga-ultra96v2-int8", 172.8, 29), ("mobilenet_v2", "fpga-pynqz2-int8", 35.2, 42)],
)
def test_small_board_peaks_and_mobilenet_share_of_peak_in_the_docs(
    network: str, arch: str, peak: float, share: int
) -> None:
    """docs/fpga.md: GOPS (peak) column; MobileNetV2 reaches 29% (Ultra96-V2) and 42% (PYNQ-Z2) of peak."""
    metrics = simulate(load_workload(network), load_arch(arch))
    gops = 2 * metrics.macs / metrics.latency_s / 1e9
    assert (metrics.design["peak_gflops"], round(100 * gops / metrics.design["peak_gflops"])) == (peak, share)


def test_a_network_of_vector_ops_only_runs_on_the_vector_unit() -> None:
    """No MAC layer to design the engine for (it was a numpy error): the smallest engine, the ops on the lanes."""
    from workloads.builder import GraphBuilder

    b = GraphBuilder("norms")
    b.softmax(b.layernorm(b.input((1, 64, 256)), name="ln"), name="sm")
    config = load_arch("fpga-zcu102-int8")
    metrics = simulate(b.build(), config)
    assert (metrics.design["tm"], metrics.design["tn"]) == (1, 1)
    assert [row.layer for row in metrics.layers] == ["ln", "sm"]
    assert all(row.compute_cycles >= 1 and row.macs == 0 for row in metrics.layers)
