"""Behaviour of the per-layer model beyond SCALE-Sim's: groups, cores, vector ops, traffic plans, errors."""

from __future__ import annotations

import dataclasses

import pytest
from support.paths import SCALESIM_TOPOLOGIES

from archsim.config.systolic import SystolicConfig
from archsim.simulate import simulate
from archsim.systolic import simulate_layer
from archsim.traffic import LayerTraffic
from workloads.ops import Conv2d, MatMul, VectorFn, VectorOp
from workloads.readers.scalesim_csv import read_scalesim_csv

WS = SystolicConfig(rows=32, cols=32, dataflow="ws")


def test_depthwise_groups_pack_side_by_side_in_ws() -> None:
    depthwise = Conv2d("dw", 32, 32, 16, 16, 3, 3, pad_top=1, pad_bottom=1, pad_left=1, pad_right=1, groups=32)
    one_group = dataclasses.replace(depthwise, in_channels=1, out_channels=1, groups=1)
    packed = simulate_layer(depthwise, WS)
    single = simulate_layer(one_group, WS)
    # 32 rows hold three 9-tap windows, so 32 groups take ceil(32 / 3) = 11 folds, not 32.
    assert packed.compute_cycles + 1 == 11 * (single.compute_cycles + 1)
    assert packed.macs == 32 * single.macs
    # Ten folds of three groups and one of two: 32 windows over 11 folds.
    assert packed.mapping_efficiency == pytest.approx(single.mapping_efficiency * 32 / 11)


def test_grouped_conv_in_os_runs_groups_one_after_another() -> None:
    os = dataclasses.replace(WS, dataflow="os")
    grouped = Conv2d("g", 16, 32, 10, 10, 3, 3, groups=4)
    group = Conv2d("g1", 4, 8, 10, 10, 3, 3)
    assert simulate_layer(grouped, os).compute_cycles + 1 == 4 * (simulate_layer(group, os).compute_cycles + 1)


def test_cores_split_columns_and_keep_the_work() -> None:
    conv = Conv2d("c", 64, 128, 28, 28, 3, 3)
    one = simulate_layer(conv, WS)
    four = simulate_layer(conv, dataclasses.replace(WS, cores=4))
    assert four.compute_cycles < one.compute_cycles / 3
    assert four.filter_sram_reads == one.filter_sram_reads
    assert four.ifmap_sram_reads == one.ifmap_sram_reads  # 128 filters = 4 column folds, one per core


def test_batched_matmul_folds_shared_weights_and_repeats_private_ones() -> None:
    shared = simulate_layer(MatMul("fc", m=10, n=64, k=64, batch=4), WS)
    folded = simulate_layer(MatMul("fc", m=40, n=64, k=64), WS)
    private = simulate_layer(MatMul("qk", m=10, n=64, k=64, batch=4, weight_operand=False), WS)
    single = simulate_layer(MatMul("qk", m=10, n=64, k=64), WS)
    assert shared.compute_cycles == folded.compute_cycles
    assert private.compute_cycles + 1 == 4 * (single.compute_cycles + 1)


def test_vector_op_uses_one_lane_per_column_and_no_macs() -> None:
    pool = VectorOp("pool", VectorFn.MAXPOOL, input_elements=4096, output_elements=1024, ops_per_output=4)
    m = simulate_layer(pool, WS)
    assert m.macs == 0
    assert m.compute_cycles == 4096 // 32
    assert m.energy_by_component_pj["vector"] > 0
    reshape = VectorOp("view", VectorFn.RESHAPE, input_elements=4096, output_elements=4096, ops_per_output=0)
    assert simulate_layer(reshape, WS).total_cycles == 0


def test_traffic_plan_sets_activation_dram_words_and_stalls() -> None:
    conv = Conv2d("c", 64, 64, 56, 56, 1, 1)
    resident = simulate_layer(conv, WS, LayerTraffic(dram_read_bytes=0, dram_write_bytes=0))
    assert resident.ifmap_dram_reads == 0 and resident.ofmap_dram_writes == 0
    slow = dataclasses.replace(WS, ifmap_dram_bw=0.5, word_bytes=2)
    streamed = simulate_layer(conv, slow, LayerTraffic(dram_read_bytes=2 * 64 * 56 * 56, dram_write_bytes=0))
    assert streamed.ifmap_dram_reads == 64 * 56 * 56
    # The planned reads cross a 0.5 words/cycle channel: the layer lasts exactly their transfer time.
    assert streamed.total_cycles == 2 * 64 * 56 * 56
    assert streamed.stall_cycles == streamed.total_cycles - streamed.compute_cycles


def test_wider_words_cost_more_energy() -> None:
    conv = Conv2d("c", 16, 16, 14, 14, 3, 3)
    int8 = simulate_layer(conv, WS)
    fp32 = simulate_layer(conv, dataclasses.replace(WS, word_bytes=4))
    assert fp32.energy_by_component_pj["mac"] > 10 * int8.energy_by_component_pj["mac"]


def test_calc_bandwidth_mode_runs_stall_free_and_reports_the_bandwidth_each_operand_needs() -> None:
    conv = Conv2d("c", 16, 32, 28, 28, 3, 3)
    user = simulate_layer(conv, WS)
    calc = simulate_layer(conv, dataclasses.replace(WS, ifmap_dram_bw=0.01, bandwidth_mode="calc"))
    assert calc.stall_cycles == 0 and calc.total_cycles == calc.compute_cycles == user.compute_cycles
    assert calc.extras["ifmap_sram_bw"] == calc.ifmap_sram_reads / calc.total_cycles
    assert calc.extras["ofmap_dram_bw_needed"] == calc.ofmap_dram_writes / calc.total_cycles
    assert user.extras == {}


def test_simulate_dispatches_and_reports_area() -> None:
    workload = read_scalesim_csv(SCALESIM_TOPOLOGIES / "conv_nets" / "alexnet.csv")
    result = simulate(workload, WS)
    assert len(result.layers) == len(workload.ops)
    assert result.area_mm2 > 0
    assert result.to_json()["total"]["total_cycles"] == sum(layer.total_cycles for layer in result.layers)
