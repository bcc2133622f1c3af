"""SCALE-Sim v3's row-wise N:M sparsity (``[sparsity] OptimizedMapping``) against ``scalesim`` run live."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scalesim_harness import SPARSE_EXACT, ScaleSimArch, run_scalesim, topology_text
from support.paths import SCALESIM_CONFIGS

from archsim.cli import main
from archsim.config.loader import load_arch
from archsim.config.systolic import SystolicConfig
from archsim.errors import InputError
from archsim.systolic import simulate_layer
from archsim.systolic.sparsity import column_keeps
from workloads.ops import Conv2d

ROWWISE_LAYERS = [
    ("A", 6, 6, 3, 3, 4, 5, 1, "2:4"),
    ("B", 5, 5, 1, 1, 8, 3, 1, "1:4"),
    ("C", 7, 7, 3, 3, 2, 6, 1, "3:4"),
    ("D", 9, 9, 2, 2, 5, 9, 2, "1:2"),
]
"""Small convolutions whose operands fit the 64 KB SRAMs (SCALE-Sim's topology N:M only sets ellpack's metadata)."""


def _config(rows: int, cols: int, block: int, seed: int, rep: str, compat: bool) -> SystolicConfig:
    return SystolicConfig(
        rows=rows,
        cols=cols,
        dataflow="ws",
        ifmap_sram_kb=64,
        filter_sram_kb=64,
        ofmap_sram_kb=64,
        scalesim_quirks=compat,
        sparsity_support=True,
        sparse_rep=rep,
        sparsity_rowwise=True,
        sparsity_block_size=block,
        sparsity_seed=seed,
    )


def _op(row: tuple) -> Conv2d:
    name, h, w, r, s, c, k, stride, ratio = row
    keep, block = (int(v) for v in ratio.split(":"))
    return Conv2d(name, c, k, h, w, r, s, stride, stride, ceil_mode=True, weight_sparsity=(keep, block))


@pytest.mark.parametrize(
    ("rows", "cols", "block", "seed", "rep"),
    [(8, 4, 4, 40, "csr"), (8, 4, 8, 3, "ellpack_block"), (6, 5, 4, 7, "csc")],
)
def test_rowwise_nm_sparsity_matches_scalesim_reports_exactly(
    rows: int, cols: int, block: int, seed: int, rep: str
) -> None:
    arch = ScaleSimArch(
        rows, cols, "ws", 64, 64, 64, 10, sparsity_support=True, sparse_rep=rep, optimized_mapping=True,
        block_size=block, seed=seed,
    )  # fmt: skip
    refs = run_scalesim(topology_text(ROWWISE_LAYERS, gemm=False, sparsity=True), arch)
    compat, default = (_config(rows, cols, block, seed, rep, flag) for flag in (True, False))
    for row, ref in zip(ROWWISE_LAYERS, refs, strict=True):
        op = _op(row)
        ours = simulate_layer(op, compat).row()
        for column in SPARSE_EXACT:
            assert float(ours[column]) == pytest.approx(ref[column], rel=1e-12, abs=1e-12), f"{op.name} {column}"
        # The default model: same folds and sparse report; executed MACs only, real ifmap words only.
        mine = simulate_layer(op, default)
        assert mine.compute_cycles == ref["compute_cycles"] and mine.stall_cycles == 0
        assert mine.extras["compressed_filter_words"] == ref["compressed_filter_words"]
        assert mine.macs < op.macs and mine.overall_util <= 1
        assert mine.ifmap_sram_reads < ref["ifmap_sram_reads"]  # SCALE-Sim counts empty skew entries too


def test_each_filter_column_draws_its_own_n_from_the_seed() -> None:
    keeps = column_keeps(64, 8, 40)
    assert keeps.min() >= 1 and keeps.max() <= 4 and len(set(keeps.tolist())) == 4
    np.random.seed(40)  # SCALE-Sim's draw: one legacy randint per column after seeding
    assert keeps.tolist() == [np.random.randint(1, 5) for _ in range(64)]
    op = _op(ROWWISE_LAYERS[0])
    one, other = (simulate_layer(op, _config(8, 4, 4, seed, "csr", False)) for seed in (40, 41))
    assert one.compute_cycles == other.compute_cycles  # the compressed window is N-independent
    assert simulate_layer(op, _config(8, 4, 4, 40, "csr", False)).macs == one.macs  # deterministic


@st.composite
def rowwise_designs(draw: st.DrawFn) -> SystolicConfig:
    """Default-model row-wise designs: tiny to large SRAMs, slow to fast channels, 1-2 cores."""
    block = draw(st.sampled_from([2, 4, 8]))
    rows = block // 2 * draw(st.integers(2, 12))  # SCALE-Sim needs M <= rows and M dividing 2 rows
    kb = st.sampled_from([0.25, 1.0, 16.0])
    bw = st.sampled_from([0.5, 2.0, 10.0])
    return SystolicConfig(
        rows=rows,
        cols=draw(st.integers(1, 24)),
        dataflow="ws",
        ifmap_sram_kb=draw(kb),
        filter_sram_kb=draw(kb),
        ofmap_sram_kb=draw(kb),
        ifmap_dram_bw=draw(bw),
        filter_dram_bw=draw(bw),
        ofmap_dram_bw=draw(bw),
        cores=draw(st.integers(1, 2)),
        sparsity_support=True,
        sparsity_rowwise=True,
        sparsity_block_size=block,
        sparsity_seed=draw(st.integers(0, 99)),
    )


@settings(max_examples=120, deadline=None)
@given(
    st.integers(1, 24), st.integers(1, 16), st.integers(1, 3), st.integers(1, 4), st.integers(1, 2), rowwise_designs()
)
def test_rowwise_default_model_fits_bandwidth_and_peak(
    size: int, channels: int, kernel: int, groups: int, stride: int, config: SystolicConfig
) -> None:
    op = Conv2d("c", groups * channels, groups * 3, size + kernel, size + kernel, kernel, kernel, stride, stride,
                groups=groups)  # fmt: skip
    m = simulate_layer(op, config)
    for words, bandwidth in (("ifmap_dram_reads", "ifmap_dram_bw"), ("filter_dram_reads", "filter_dram_bw"),
                             ("ofmap_dram_writes", "ofmap_dram_bw")):  # fmt: skip
        assert getattr(m, words) <= getattr(config, bandwidth) * config.cores * m.total_cycles, words
    assert m.macs <= config.pes * m.total_cycles and m.stall_cycles >= 0
    assert 0 <= m.overall_util <= 1 and 0 <= m.mapping_efficiency <= 1 and 0 <= m.compute_util <= 1
    # N <= M/2 of every block of M: at most half the window, plus a partial block's M/2
    assert m.macs <= op.output_pixels * op.out_channels * (op.window / 2 + config.sparsity_block_size / 2)


def _cfg(tmp_path: Path, **replace: str) -> Path:
    text = (SCALESIM_CONFIGS / "sparsity.cfg").read_text()
    for old, new in replace.items():
        text = text.replace(old, new)
    path = tmp_path / "rowwise.cfg"
    path.write_text(text)
    return path


def test_shipped_sparsity_cfg_is_read_as_rowwise() -> None:
    config = load_arch(str(SCALESIM_CONFIGS / "sparsity.cfg"))
    assert config.sparsity_rowwise and config.sparsity_block_size == 8 and config.dataflow.value == "ws"


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("Dataflow : ws", "Dataflow : os", r"\[sparsity\] OptimizedMapping \(row-wise N:M\) needs Dataflow ws, got os"),
        ("BlockSize : 8", "BlockSize : 6", r"\[sparsity\] BlockSize must divide twice the array height \(128\)"),
        ("BlockSize : 8", "BlockSize : 3", r"\[sparsity\] BlockSize must be an even integer >= 2, got 3"),
    ],
)
def test_rowwise_cfg_errors_name_the_scalesim_key(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], old: str, new: str, message: str
) -> None:
    path = _cfg(tmp_path, **{old: new})
    assert old in (SCALESIM_CONFIGS / "sparsity.cfg").read_text()
    with pytest.raises(InputError, match=message):
        load_arch(str(path))
    assert main(["simulate", "-w", "alexnet", "-a", str(path)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and str(path) in err[0]


def test_rowwise_off_keeps_the_layerwise_mapping() -> None:
    op = _op(ROWWISE_LAYERS[0])
    rowwise = _config(8, 4, 4, 40, "csr", True)
    layerwise = dataclasses.replace(rowwise, sparsity_rowwise=False)
    row, layer = simulate_layer(op, rowwise), simulate_layer(op, layerwise)
    assert row.extras["compressed_filter_words"] == 181 and layer.extras["compressed_filter_words"] == 217
    assert row.mapping_efficiency != layer.mapping_efficiency


def test_rowwise_without_sparsity_support_is_refused() -> None:
    with pytest.raises(ValueError, match=r"sparsity_rowwise \(row-wise N:M\) needs sparsity_support true"):
        SystolicConfig(dataflow="ws", sparsity_rowwise=True)


def test_spilling_rowwise_ifmap_thrashes_scalesims_window_but_not_ours() -> None:
    """docs/systolic.md, "Known deviation": SCALE-Sim prefetches the ifmap in R-column folds while the
    row-wise demand walks 2R-column folds; a spilling 1x1 layer fetches 344x its stream from DRAM."""
    layer = ("E", 12, 12, 1, 1, 16, 6, 1, "2:4")
    arch = ScaleSimArch(
        8, 4, "ws", 1, 1, 1, 2, sparsity_support=True, sparse_rep="csr", optimized_mapping=True, block_size=4
    )
    (ref,) = run_scalesim(topology_text([layer], gemm=False, sparsity=True), arch)
    assert (ref["ifmap_dram_reads"], ref["total_cycles"]) == (791_552, 397_321)
    op = _op(layer)
    assert op.output_pixels * op.window == 2_304  # the ifmap stream's entries
    figures = {}
    for compat in (True, False):
        config = dataclasses.replace(
            _config(8, 4, 4, 40, "csr", compat), ifmap_sram_kb=1, filter_sram_kb=1, ofmap_sram_kb=1,
            ifmap_dram_bw=2, filter_dram_bw=2, ofmap_dram_bw=2,
        )  # fmt: skip
        ours = simulate_layer(op, config)
        figures[compat] = (ours.ifmap_dram_reads, ours.total_cycles)
    assert figures == {True: (4_608, 2_088), False: (4_608, 2_304)}
