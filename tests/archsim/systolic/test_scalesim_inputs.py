"""SCALE-Sim's own inputs as its users have them: shipped configs, CALC mode, sparse topologies, key-named errors."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest
from scalesim_harness import SPARSE_EXACT, ScaleSimArch, run_scalesim, topology_text
from support.paths import SCALESIM_CONFIGS, SCALESIM_TOPOLOGIES

from archsim.cli import main
from archsim.config.loader import load_arch
from archsim.config.systolic import BandwidthMode, SystolicConfig
from archsim.errors import InputError
from archsim.systolic import simulate_layer
from workloads.ops import Conv2d
from workloads.readers.scalesim_csv import read_scalesim_csv

SHIPPED = sorted(SCALESIM_CONFIGS.glob("*.cfg"))


@pytest.mark.parametrize("cfg", SHIPPED, ids=[p.name for p in SHIPPED])
def test_every_shipped_scalesim_config_runs_a_topology(cfg: Path, capsys: pytest.CaptureFixture[str]) -> None:
    topology = SCALESIM_TOPOLOGIES / "conv_nets" / "yolo_tiny_layer1.csv"
    assert main(["simulate", "-w", str(topology), "-a", str(cfg), "--format", "json"]) == 0
    out = capsys.readouterr()
    rows = json.loads(out.out)["layers"]
    assert rows and all(row["total_cycles"] >= row["compute_cycles"] > 0 for row in rows)
    for line in out.err.splitlines():  # a note per switch archsim does not model, one line each, naming the key
        assert line.startswith(f"archsim: note: {cfg}: [")


def test_calc_configs_read_as_calc_mode() -> None:
    assert load_arch(str(SCALESIM_CONFIGS / "scale.cfg")).bandwidth_mode is BandwidthMode.CALC
    assert load_arch(str(SCALESIM_CONFIGS / "google.cfg")).bandwidth_mode is BandwidthMode.USER


@pytest.mark.parametrize(
    ("line", "replacement", "message"),
    [
        (
            "ArrayHeight:    32",
            "ArrayHeight: 0",
            r"\[architecture_presets\] ArrayHeight must be a positive integer, got 0",
        ),
        ("Dataflow : ws", "Dataflow : xs", r"unknown \[architecture_presets\] Dataflow 'xs'; allowed: os, ws, is"),
        ("IfmapSramSzkB:   64", "IfmapSramSzkB: -1", r"\[architecture_presets\] IfmapSramSzkB must be a number > 0"),
        (
            "InterfaceBandwidth: CALC",
            "InterfaceBandwidth: FAST",
            r"\[run_presets\] InterfaceBandwidth must be USER or CALC",
        ),
    ],
)
def test_cfg_errors_name_the_file_and_the_scalesim_key(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], line: str, replacement: str, message: str
) -> None:
    path = tmp_path / "mine.cfg"
    text = (SCALESIM_CONFIGS / "scale.cfg").read_text()
    assert line in text
    path.write_text(text.replace(line, replacement))
    with pytest.raises(InputError, match=str(path).replace(".", r"\.") + ": " + message):
        load_arch(str(path))
    assert main(["simulate", "-w", "alexnet", "-a", str(path)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and str(path) in err[0]


def test_custom_layout_is_noted_in_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "layout.cfg"
    path.write_text(
        (SCALESIM_CONFIGS / "scale.cfg").read_text().replace("IfmapCustomLayout: False", "IfmapCustomLayout: True")
    )
    load_arch(str(path))
    assert capsys.readouterr().err.splitlines() == [
        f"archsim: note: {path}: [layout] IfmapCustomLayout is on: custom SRAM layouts (bank conflicts) "
        "are not modelled; the default layout is used"
    ]


def test_sparse_topologies_carry_their_nm_ratio_and_repeated_names_are_kept() -> None:
    gemm = read_scalesim_csv(SCALESIM_TOPOLOGIES / "sparsity" / "gemm.csv")
    assert [op.name for op in gemm.ops] == ["GEMM_1", "GEMM_1#2"]
    assert [op.macs for op in gemm.ops] == [3 * 5 * 16, 1 * 5 * 16]
    assert [op.weight_sparsity for op in gemm.ops] == [(3, 4), (1, 4)]
    sparse = load_arch(str(SCALESIM_CONFIGS / "sparsity.cfg"))
    assert sparse.sparsity_support and sparse.sparse_rep.value == "ellpack_block"


def test_bad_sparsity_cell_names_the_file_line_and_field(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text("Layer, M, N, K, Sparsity,\nG, 2, 3, 4, 5:4,\n")
    with pytest.raises(InputError, match=r"t\.csv:2: field 'Sparsity' must be N:M with 0 < N <= M, got '5:4'"):
        read_scalesim_csv(path)


CALC_LAYERS = [("A", 8, 8, 3, 3, 4, 6, 1), ("B", 10, 10, 1, 1, 8, 5, 1), ("C", 12, 12, 3, 3, 6, 3, 2)]


@pytest.mark.parametrize("dataflow", ["os", "ws", "is"])
def test_calc_mode_matches_scalesim_cycles_and_sram_bandwidths(dataflow: str) -> None:
    arch = ScaleSimArch(8, 4, dataflow, 1, 1, 1, 10, "CALC")
    refs = run_scalesim(topology_text(CALC_LAYERS, gemm=False), arch)
    for compat in (True, False):
        config = SystolicConfig(
            rows=8,
            cols=4,
            dataflow=dataflow,
            ifmap_sram_kb=1,
            filter_sram_kb=1,
            ofmap_sram_kb=1,
            bandwidth_mode="calc",
            scalesim_quirks=compat,
        )
        for (name, h, w, r, s, c, k, stride), ref in zip(CALC_LAYERS, refs, strict=True):
            ours = simulate_layer(Conv2d(name, c, k, h, w, r, s, stride, stride, ceil_mode=True), config)
            assert ref["stall_cycles"] == ours.stall_cycles == 0
            assert ours.total_cycles == ref["total_cycles"]
            # The default model drops SCALE-Sim's duplicated os ofmap SRAM writes (docs/systolic.md), so its
            # ofmap SRAM bandwidth is SCALE-Sim's only in compat mode.
            for operand in ("ifmap", "filter", "ofmap") if compat else ("ifmap", "filter"):
                assert ours.extras[f"{operand}_sram_bw"] == pytest.approx(ref[f"{operand}_sram_bw"], rel=1e-12)


def test_scalesim_compat_flag_reproduces_quirks_mode_for_a_cfg(capsys: pytest.CaptureFixture[str]) -> None:
    cfg = str(SCALESIM_CONFIGS / "google.cfg")
    topology = str(SCALESIM_TOPOLOGIES / "conv_nets" / "alexnet.csv")
    totals = {}
    for flags in ([], ["--scalesim-compat"]):
        assert main(["simulate", "-w", topology, "-a", cfg, "--format", "json", *flags]) == 0
        data = json.loads(capsys.readouterr().out)
        totals[bool(flags)] = (data["arch"]["scalesim_quirks"], data["total"]["total_cycles"])
    workload = read_scalesim_csv(topology)
    config = dataclasses.replace(load_arch(cfg), scalesim_quirks=True)
    assert totals[True] == (True, sum(simulate_layer(op, config).total_cycles for op in workload.ops))
    assert totals[False][0] is False and totals[False][1] >= totals[True][1] * 0.5
    assert main(["simulate", "-w", "alexnet", "-a", "ethos-u55-128", "--scalesim-compat"]) == 2


SPARSE_LAYERS = [
    ("A", 6, 6, 3, 3, 4, 5, 1, "2:4"),
    ("B", 5, 5, 1, 1, 8, 3, 1, "1:4"),
    ("C", 7, 7, 3, 3, 2, 6, 1, "3:4"),
]


@pytest.mark.parametrize(("dataflow", "rep"), [("ws", "ellpack_block"), ("ws", "csr"), ("os", "csc"), ("is", "csr")])
def test_layerwise_nm_sparsity_matches_scalesim_reports_exactly(dataflow: str, rep: str) -> None:
    arch = ScaleSimArch(8, 4, dataflow, 64, 64, 64, 10, sparsity_support=True, sparse_rep=rep)
    refs = run_scalesim(topology_text(SPARSE_LAYERS, gemm=False, sparsity=True), arch)
    config = SystolicConfig(
        rows=8,
        cols=4,
        dataflow=dataflow,
        ifmap_sram_kb=64,
        filter_sram_kb=64,
        ofmap_sram_kb=64,
        scalesim_quirks=True,
        sparsity_support=True,
        sparse_rep=rep,
    )
    for (name, h, w, r, s, c, k, stride, ratio), ref in zip(SPARSE_LAYERS, refs, strict=True):
        keep, block = (int(v) for v in ratio.split(":"))
        op = Conv2d(name, c, k, h, w, r, s, stride, stride, ceil_mode=True, weight_sparsity=(keep, block))
        ours = simulate_layer(op, config).row()
        dense = simulate_layer(dataclasses.replace(op, weight_sparsity=None), config)
        assert ours["filter_sram_reads"] < dense.filter_sram_reads  # the zero weights are skipped
        for column in SPARSE_EXACT:
            assert float(ours[column]) == pytest.approx(ref[column], rel=1e-12, abs=1e-12), f"{name} {column}"


def test_default_model_counts_only_the_executed_macs_of_a_sparse_layer() -> None:
    op = Conv2d("s", 16, 32, 14, 14, 3, 3, weight_sparsity=(1, 4))
    config = SystolicConfig(rows=16, cols=16, dataflow="ws", sparsity_support=True)
    sparse = simulate_layer(op, config)
    assert sparse.macs == op.macs // 144 * 36  # 144-long window keeps 36 weights
    assert sparse.overall_util <= 1 and sparse.macs <= config.pes * sparse.total_cycles
    assert simulate_layer(op, dataclasses.replace(config, sparsity_support=False)).macs == op.macs
